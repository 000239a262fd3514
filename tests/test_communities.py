"""Groups: proposals, joining rules, discussions, the library and who sees what.

The fixtures here are shared by the views and API tests (`from .test_communities
import *`): a facilitator and a member of a public group and of a private one, and
the outsider from conftest who belongs to neither.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.storage import storages
from django.http import Http404
from PIL import Image

from kindred.communities import permissions, selectors, services
from kindred.communities.errors import CommunityError, StateConflict
from kindred.communities.models import (
    Group,
    Membership,
    Reply,
    Resource,
    Thread,
    ThreadFollow,
    UsefulVote,
)
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.markdown import render
from kindred.core.models import AuditEntry
from kindred.notifications.models import Notification

from .conftest import make_person

__all__ = [
    "archived_group",
    "facilitator",
    "group",
    "member",
    "private_group",
    "private_storage",
    "thread",
    "docx_bytes",
    "fresh",
    "png_bytes",
]


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Library files go to a temporary directory, never var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path / "private"


@pytest.fixture
def facilitator(db):
    return make_person("fran@practice.example", "Fran Facilitator")


@pytest.fixture
def member(db):
    return make_person("mo@practice.example", "Mo Member")


def _group(facilitator, member, **fields) -> Group:
    values = {
        "name": "Advisers' practice circle",
        "slug": "practice-circle",
        "purpose": "Share **practice**.",
        "status": Group.Status.ACTIVE,
        "joining": Group.Joining.OPEN,
        "created_by": facilitator,
    }
    values.update(fields)
    group = Group.objects.create(**values)
    Membership.objects.create(
        group=group, user=facilitator, role=Membership.Role.FACILITATOR
    )
    Membership.objects.create(group=group, user=member)
    return group


@pytest.fixture
def group(facilitator, member):
    """A public, open, active group: `facilitator` runs it, `member` belongs."""
    return _group(facilitator, member)


@pytest.fixture
def private_group(facilitator, member):
    return _group(
        facilitator,
        member,
        name="Founder wellbeing circle",
        slug="wellbeing-circle",
        visibility=Group.Visibility.PRIVATE,
        joining=Group.Joining.REQUEST,
    )


@pytest.fixture
def archived_group(facilitator, member):
    return _group(
        facilitator,
        member,
        name="Old circle",
        slug="old-circle",
        status=Group.Status.ARCHIVED,
    )


@pytest.fixture
def thread(group, member):
    return services.start_thread(
        group, by=member, title="Warm hand-overs", body="How do you do them?"
    )


def fresh(user):
    """The person as the next request sees them (group ids are cached per object)."""
    from kindred.accounts.models import User

    return User.objects.get(pk=user.pk)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def docx_bytes(main: str = "wordprocessingml.document.main+xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.'
            f'{main}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(group, by, content: bytes, name: str, **extra) -> Resource:
    return services.upload_file(
        group,
        by=by,
        title=extra.pop("title", "A file"),
        upload=io.BytesIO(content),
        name=name,
        size=len(content),
        **extra,
    )


# --- proposing and approving --------------------------------------------------------


def test_a_proposal_waits_for_a_steward_and_tells_them(steward, member):
    group = services.propose_group(
        by=member, name="Green makers", purpose="Cut waste together."
    )
    assert group.status == Group.Status.PROPOSED
    assert group.memberships.get().role == Membership.Role.FACILITATOR
    assert Notification.objects.filter(
        recipient=steward, kind="communities.group_to_approve"
    ).exists()
    assert group not in selectors.listed_groups(make_person("x@x.example", "X"))
    services.approve_group(group, by=steward)
    group.refresh_from_db()
    assert group.status == Group.Status.ACTIVE and group.approved_at
    assert Notification.objects.filter(
        recipient=member, kind="communities.group_answered"
    ).exists()
    assert AuditEntry.objects.filter(action="group.approved").exists()


def test_without_approval_a_proposal_is_active_at_once(settings, member):
    settings.KINDRED_GROUPS_NEED_APPROVAL = False
    group = services.propose_group(by=member, name="Green makers", purpose="Waste.")
    assert group.status == Group.Status.ACTIVE


def test_only_stewards_approve_or_decline(member, facilitator, steward):
    group = services.propose_group(by=member, name="Green makers", purpose="Waste.")
    with pytest.raises(NotAllowed):
        services.approve_group(group, by=facilitator)
    services.decline_group(group, by=steward, reason="Overlaps the clinic.")
    group.refresh_from_db()
    assert group.status == Group.Status.DECLINED
    with pytest.raises(StateConflict):
        services.approve_group(group, by=steward)


def test_a_bad_proposal_names_the_field_and_writes_nothing(member):
    with pytest.raises(KindredError) as error:
        services.propose_group(
            by=member, name="Evil", purpose="<script>alert(1)</script>"
        )
    assert error.value.field == "purpose" and "script" in error.value.message
    with pytest.raises(KindredError) as error:
        services.propose_group(by=member, name="  ", purpose="x")
    assert error.value.field == "name"
    assert not Group.objects.exists() and not Membership.objects.exists()


def test_a_cohort_group_is_private_by_invitation_and_enrols_people(
    facilitator, member, outsider
):
    cohort = services.create_cohort_group(
        name="Spring cohort",
        purpose="The spring wellbeing cohort.",
        facilitators=[facilitator],
        members=[member],
    )
    assert (cohort.kind, cohort.visibility, cohort.joining, cohort.status) == (
        "cohort",
        "private",
        "invitation",
        "active",
    )
    assert selectors.can_read(member, cohort)
    assert not selectors.can_read(outsider, cohort)
    with pytest.raises(NotAllowed):
        services.join_group(cohort, by=outsider)
    services.add_to_cohort(cohort, user=outsider)
    assert selectors.can_read(fresh(outsider), cohort)


# --- joining ------------------------------------------------------------------------


def test_anyone_joins_an_open_group(group, outsider):
    membership = services.join_group(group, by=outsider)
    assert membership.status == Membership.Status.ACTIVE
    assert group.pk in selectors.member_group_ids(outsider)


def test_a_request_to_join_tells_the_facilitators_and_waits(
    private_group, facilitator, outsider
):
    membership = services.join_group(
        private_group, by=outsider, message="I coach founders."
    )
    assert membership.status == Membership.Status.REQUESTED
    assert not selectors.can_read(outsider, private_group)
    assert Notification.objects.filter(
        recipient=facilitator, kind="communities.join_requested"
    ).exists()
    with pytest.raises(StateConflict):
        services.join_group(private_group, by=outsider)
    services.answer_join_request(membership, by=facilitator, accept=True)
    assert selectors.can_read(fresh(outsider), private_group)
    assert Notification.objects.filter(
        recipient=outsider, kind="communities.join_answered"
    ).exists()


def test_a_member_cannot_answer_requests(private_group, member, outsider):
    membership = services.join_group(private_group, by=outsider)
    with pytest.raises(NotAllowed):
        services.answer_join_request(membership, by=member, accept=True)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REQUESTED


def test_an_invitation_is_accepted_by_joining(group, facilitator, outsider):
    group.joining = Group.Joining.INVITATION
    group.save()
    with pytest.raises(NotAllowed):
        services.join_group(group, by=outsider)
    services.invite_to_group(group, by=facilitator, user=outsider)
    assert Notification.objects.filter(
        recipient=outsider, kind="communities.invited"
    ).exists()
    assert services.join_group(group, by=outsider).status == "active"


def test_a_removed_member_cannot_rejoin_alone(group, facilitator, member):
    membership = group.memberships.get(user=member)
    services.remove_member(membership, by=facilitator)
    assert not selectors.is_member(member, group)
    with pytest.raises(NotAllowed):
        services.join_group(group, by=member)
    assert AuditEntry.objects.filter(action="group.member_removed").exists()


def test_the_only_facilitator_names_another_before_leaving(group, facilitator, member):
    with pytest.raises(StateConflict):
        services.leave_group(group, by=facilitator)
    services.set_role(
        group.memberships.get(user=member), by=facilitator, role="facilitator"
    )
    services.leave_group(group, by=facilitator)
    assert not selectors.is_member(facilitator, group)


def test_members_leave(group, member):
    services.leave_group(group, by=member)
    assert group.memberships.get(user=member).status == Membership.Status.LEFT


# --- an archived group is read-only ----------------------------------------------


def test_an_archived_group_takes_no_posts_joins_or_uploads(
    archived_group, member, outsider
):
    with pytest.raises(StateConflict):
        services.start_thread(archived_group, by=member, title="t", body="b")
    with pytest.raises(StateConflict):
        services.join_group(archived_group, by=outsider)
    with pytest.raises(StateConflict):
        upload(archived_group, member, b"notes", "notes.txt")
    with pytest.raises(StateConflict):
        services.add_link(
            archived_group, by=member, title="x", url="https://example.org/"
        )
    assert selectors.can_read(outsider, archived_group)
    assert not Thread.objects.exists() and not Resource.objects.exists()


def test_archiving_and_reopening(group, facilitator, member, thread):
    with pytest.raises(NotAllowed):
        services.archive_group(group, by=member)
    services.archive_group(group, by=facilitator)
    with pytest.raises(StateConflict):
        services.reply_to_thread(thread, by=member, body="Late reply")
    services.reopen_group(group, by=facilitator)
    services.reply_to_thread(thread, by=member, body="Now it works")


# --- discussions --------------------------------------------------------------------


def test_a_reply_counts_moves_the_thread_up_and_tells_followers(
    group, thread, member, facilitator
):
    other = services.start_thread(group, by=facilitator, title="Later", body="b")
    assert selectors.thread_page(group, member).threads[0] == other
    services.reply_to_thread(thread, by=facilitator, body="Book the first call.")
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert selectors.thread_page(group, member).threads[0] == thread
    assert Notification.objects.filter(
        recipient=member, kind="communities.reply"
    ).exists()
    assert selectors.is_following(facilitator, thread)


def test_pinned_threads_come_first(group, thread, facilitator, member):
    newer = services.start_thread(group, by=facilitator, title="Newer", body="b")
    services.pin_thread(thread, by=facilitator, pinned=True)
    assert selectors.thread_page(group, member).threads == [thread, newer]
    with pytest.raises(NotAllowed):
        services.pin_thread(newer, by=member, pinned=True)


def test_unfollowing_stops_reply_notifications_even_after_replying(
    group, thread, member, facilitator
):
    services.unfollow_thread(thread, by=member)
    services.reply_to_thread(thread, by=member, body="One more thought.")
    services.reply_to_thread(thread, by=facilitator, body="Thanks.")
    assert not Notification.objects.filter(
        recipient=member, kind="communities.reply"
    ).exists()
    services.follow_thread(thread, by=member)
    services.reply_to_thread(thread, by=facilitator, body="And another.")
    assert Notification.objects.filter(
        recipient=member, kind="communities.reply"
    ).exists()


def test_mentions_notify_members_by_their_display_name(group, member, facilitator):
    outsider = make_person("fran.other@example.com", "Fran")  # not in the group
    services.start_thread(
        group,
        by=member,
        title="Question",
        body="What do you think, @fran facilitator? And @Nobody Here.",
    )
    mentioned = Notification.objects.filter(kind="communities.mentioned")
    assert [n.recipient for n in mentioned] == [facilitator]
    assert not mentioned.filter(recipient=outsider).exists()


def test_a_mention_needs_the_whole_name(group, member, facilitator):
    assert (
        services.mentioned_members(group, "@Fran Facilitatorish", besides=member) == []
    )
    assert services.mentioned_members(group, "(@Fran Facilitator)", besides=member) == [
        facilitator
    ]
    assert (
        services.mentioned_members(group, "me@Fran Facilitator", besides=member) == []
    )


def test_only_the_author_edits_and_the_edit_is_marked(thread, member, facilitator):
    with pytest.raises(NotAllowed):
        services.edit_thread(thread, by=facilitator, title="Mine now", body="x")
    services.edit_thread(thread, by=member, title="Warm hand-overs", body="Updated.")
    thread.refresh_from_db()
    assert thread.edited_at and thread.body == "Updated."


def test_the_asker_or_a_facilitator_marks_the_answer(
    group, thread, member, facilitator, outsider
):
    services.join_group(group, by=outsider)
    reply = services.reply_to_thread(thread, by=facilitator, body="Do this.")
    with pytest.raises(NotAllowed):
        services.mark_answer(thread, by=outsider, reply=reply)
    services.mark_answer(thread, by=member, reply=reply)
    thread.refresh_from_db()
    assert thread.answer == reply
    services.mark_answer(thread, by=facilitator, reply=None)
    thread.refresh_from_db()
    assert thread.answer is None


def test_a_reply_from_another_thread_is_not_an_answer(group, thread, member):
    other = services.start_thread(group, by=member, title="Other", body="b")
    elsewhere = services.reply_to_thread(other, by=member, body="here")
    with pytest.raises(CommunityError) as error:
        services.mark_answer(thread, by=member, reply=elsewhere)
    assert error.value.field == "reply"


def test_hiding_a_reply_hides_it_from_members_and_is_audited(
    group, thread, member, facilitator
):
    reply = services.reply_to_thread(thread, by=member, body="Off-topic rant")
    with pytest.raises(NotAllowed):
        services.set_hidden(reply, by=member, hidden=True)
    services.set_hidden(reply, by=facilitator, hidden=True)
    thread.refresh_from_db()
    assert thread.reply_count == 0
    assert AuditEntry.objects.filter(action="reply.hidden").exists()
    services.set_hidden(thread, by=facilitator, hidden=True)
    assert selectors.thread_in(group, member, thread.pk) is None
    assert selectors.thread_in(group, facilitator, thread.pk) == thread


def test_markdown_in_posts_is_sanitised(thread, member):
    reply = services.reply_to_thread(
        thread, by=member, body="[click](https://ok.example) **bold**"
    )
    html = render(reply.body)
    assert "<strong>bold</strong>" in html and 'rel="nofollow' in html
    with pytest.raises(KindredError) as error:
        services.reply_to_thread(
            thread, by=member, body='<img src=x onerror="alert(1)">'
        )
    assert error.value.field == "body"
    assert Reply.objects.count() == 1


# --- visibility ---------------------------------------------------------------------


def test_non_members_never_read_a_private_group(private_group, member, outsider):
    services.start_thread(private_group, by=member, title="Secret", body="b")
    assert selectors.can_read(member, private_group)
    assert not selectors.can_read(outsider, private_group)
    assert private_group in selectors.listed_groups(outsider)  # name only
    with pytest.raises(Http404):
        permissions.get_readable_group_for_user(outsider, private_group.slug)
    thread = Thread.objects.get()
    assert selectors.thread_in(private_group, outsider, thread.pk) is None
    assert not Thread.objects.filter(
        selectors.content_visible_q(outsider, "group__")
    ).exists()


def test_stewards_see_proposals_but_not_private_content(steward, private_group):
    proposal = Group.objects.create(name="P", slug="p", purpose="x")
    assert permissions.get_group_for_user(steward, "p") == proposal
    assert not selectors.can_read(steward, private_group)


def test_huge_ids_name_nothing(group, member):
    assert selectors.thread_in(group, member, 2**70) is None
    assert selectors.resource_in(group, member, 2**70) is None


def test_thread_page_reads_one_page_in_one_query(
    group, member, django_assert_num_queries
):
    for n in range(25):
        Thread.objects.create(group=group, author=member, title=f"T{n}", body="b")
    selectors.member_group_ids(member)
    selectors.facilitated_group_ids(member)
    with django_assert_num_queries(2):  # the facilitator check, then the page
        page = selectors.thread_page(group, member, 2)
        names = [t.author.profile.display_name for t in page.threads]
    assert len(names) == 5 and page.has_previous and not page.has_next


# --- the library ------------------------------------------------------------------


def test_members_upload_allowed_files_to_private_storage(
    group, member, private_storage
):
    pdf = upload(group, member, b"%PDF-1.4\n...%%EOF", "guide.pdf")
    png = upload(group, member, png_bytes(), "chart.png")
    docx = upload(group, member, docx_bytes(), "notes.docx")
    csv = upload(group, member, "name,town\nAïsha,Leeds\n".encode(), "list.csv")
    assert pdf.content_type == "application/pdf" and png.content_type == "image/png"
    assert docx.content_type.endswith("wordprocessingml.document")
    assert csv.content_type.startswith("text/csv")
    stored = private_storage / pdf.file_name
    assert stored.read_bytes().startswith(b"%PDF-")
    assert storages["private"].exists(docx.file_name)


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"MZ\x90\x00 an executable", "report.pdf", "not a real PDF file"),
        (b"%PDF-1.4", "photo.png", "not a real PNG file"),
        (b"plain words", "notes.docx", "not a real Word file"),
        (docx_bytes("spreadsheetml.sheet.main+xml"), "notes.docx", "not a real Word"),
        (b"text with a \x00 NUL", "list.csv", "not a real CSV file"),
        (b"\xff\xfe not utf-8 \xff", "notes.txt", "not a real text file"),
        (b"<html>", "page.html", "not a type the library accepts"),
        (b"x", "macro.docm", "not a type the library accepts"),
    ],
)
def test_a_disguised_or_unlisted_file_is_refused_naming_the_field(
    group, member, private_storage, content, name, expected
):
    with pytest.raises(KindredError) as error:
        upload(group, member, content, name)
    assert error.value.field == "file" and expected in error.value.message
    assert name in error.value.message
    assert not Resource.objects.exists()
    assert not private_storage.exists() or not any(private_storage.rglob("*.*"))


def test_a_too_large_file_is_refused(settings, group, member):
    settings.KINDRED_MAX_RESOURCE_BYTES = 10
    with pytest.raises(KindredError) as error:
        upload(group, member, b"%PDF-1.4 and more bytes", "big.pdf")
    assert "larger than" in error.value.message


def test_outsiders_cannot_add_to_the_library(group, outsider):
    with pytest.raises(NotAllowed):
        upload(group, outsider, b"%PDF-1.4", "guide.pdf")
    with pytest.raises(NotAllowed):
        services.add_link(group, by=outsider, title="x", url="https://example.org/")
    assert not Resource.objects.exists()


def test_links_must_be_web_addresses(group, member):
    with pytest.raises(KindredError) as error:
        services.add_link(group, by=member, title="x", url="javascript:alert(1)")
    assert error.value.field == "url"
    link = services.add_link(
        group, by=member, title="HSDS", url="https://docs.openreferral.org/"
    )
    assert link.kind == Resource.Kind.LINK


def test_useful_votes_count_once_per_person_and_toggle(group, member, facilitator):
    link = services.add_link(group, by=member, title="x", url="https://example.org/")
    services.set_useful(link, by=facilitator, useful=True)
    services.set_useful(link, by=facilitator, useful=True)
    services.set_useful(link, by=member, useful=True)
    link.refresh_from_db()
    assert link.useful_count == 2 and UsefulVote.objects.count() == 2
    services.set_useful(link, by=member, useful=False)
    services.set_useful(link, by=member, useful=False)
    link.refresh_from_db()
    assert link.useful_count == 1


def test_hidden_resources_are_for_facilitators_only(group, member, facilitator):
    link = services.add_link(group, by=member, title="x", url="https://example.org/")
    services.set_resource_hidden(link, by=facilitator, hidden=True)
    assert selectors.resource_in(group, member, link.pk) is None
    assert selectors.resource_in(group, facilitator, link.pk) == link


def test_demo_groups_include_a_cross_organisation_practice_circle(db):
    from kindred.core import demo

    demo.build(scale=30, seed=3)
    circle = Group.objects.get(slug="advisers-practice-circle")
    from kindred.organisations.models import Membership as OrgMembership

    organisations = set(
        OrgMembership.objects.filter(
            user__group_memberships__group=circle,
            user__group_memberships__status="active",
        ).values_list("organisation_id", flat=True)
    )
    assert len(organisations) >= 3
    assert Group.objects.filter(visibility="private").exists()
    assert Membership.objects.filter(status="requested").exists()
    assert Thread.objects.filter(answer__isnull=False).exists()
    assert Thread.objects.filter(pinned=True).exists()
    assert Resource.objects.filter(kind="file").exists()
    assert ThreadFollow.objects.exists()
