"""Insights: sharing, visibility (private groups), reactions, comments, following,
notifications, the feed and moderation hooks — services and selectors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from kindred.core.errors import KindredError, NotAllowed
from kindred.insights import permissions, selectors, services
from kindred.insights.models import Comment, Follow, Insight, Reaction
from kindred.notifications.models import Notification
from tests.conftest import make_person


@pytest.fixture
def author(db):
    return make_person("author@example.com", "Ada Author")


@pytest.fixture
def reader(db):
    return make_person("reader@example.com", "Rita Reader")


@pytest.fixture
def stranger(db):
    return make_person("stranger@example.com", "Sam Stranger")


def _group(slug, visibility, *members):
    from kindred.communities.models import Group, Membership

    group = Group.objects.create(
        name=slug.replace("-", " ").title(),
        slug=slug,
        purpose="A circle.",
        status=Group.Status.ACTIVE,
        visibility=visibility,
    )
    for person in members:
        Membership.objects.create(group=group, user=person)
    return group


@pytest.fixture
def private_group(author, reader):
    return _group("founders-circle", "private", author, reader)


@pytest.fixture
def public_group(author):
    return _group("open-circle", "public", author)


@pytest.fixture
def insight(author, topics):
    return services.share_insight(
        by=author,
        title="Invoice on day one",
        body="Send the invoice **the day** you deliver.",
        topics=[topics["cash-flow"]] if "cash-flow" in topics else [],
    )


@pytest.fixture
def private_insight(author, private_group):
    return services.share_insight(
        by=author,
        title="Our secret pricing lesson",
        body="Only for the circle.",
        group=private_group,
    )


def _topic(topics):
    return next(iter(topics.values()))


# --- sharing ------------------------------------------------------------------------


def test_share_insight_with_the_ecosystem(author, topics):
    """A member shares a lesson; it keeps its text, topics and no group."""
    topic = _topic(topics)
    insight = services.share_insight(
        by=author, title="  Ask early  ", body="Ask for help *early*.", topics=[topic]
    )
    assert insight.title == "Ask early"
    assert insight.group is None
    assert list(insight.topics.all()) == [topic]
    assert insight.preview_status == Insight.Preview.NONE


def test_unsafe_markdown_is_refused_with_a_clear_error(author):
    """Script tags and javascript: links are refused, naming what is wrong."""
    with pytest.raises(KindredError) as error:
        services.share_insight(
            by=author, title="Hi", body="<script>alert(1)</script> hello"
        )
    assert error.value.field == "body"
    assert "script" in error.value.message
    with pytest.raises(KindredError):
        services.share_insight(by=author, title="Hi", body='<a href="#" onclick="x">')
    assert not Insight.objects.exists()


def test_length_limits_and_nul_bytes_are_refused(author):
    with pytest.raises(KindredError) as error:
        services.share_insight(by=author, title="Long", body="x" * 3001)
    assert error.value.field == "body"
    with pytest.raises(KindredError):
        services.share_insight(by=author, title="a\x00b", body="text")
    with pytest.raises(KindredError):
        services.share_insight(by=author, title="", body="text")


def test_too_many_topics_are_refused(author, topics):
    with pytest.raises(KindredError) as error:
        services.share_insight(
            by=author, title="Many", body="text", topics=list(topics.values())[:6]
        )
    assert error.value.field == "topics"


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "ftp://example.org/file",
        "file:///etc/passwd",
        "https://user:pass@example.org/",
        "http://",
        "https://exa mple.org/",
    ],
)
def test_links_other_than_http_are_refused(author, link):
    with pytest.raises(KindredError) as error:
        services.share_insight(by=author, title="Link", body="text", link=link)
    assert error.value.field == "link"


def test_a_link_waits_for_its_preview(author):
    insight = services.share_insight(
        by=author, title="Read this", body="text", link="https://example.org/page"
    )
    assert insight.preview_status == Insight.Preview.PENDING


def test_a_double_submission_creates_one_insight(author):
    first = services.share_insight(by=author, title="Once", body="Only once.")
    second = services.share_insight(by=author, title="Once", body="Only once.")
    assert first.pk == second.pk
    assert Insight.objects.count() == 1


def test_only_members_share_with_a_group(author, stranger, private_group):
    with pytest.raises(NotAllowed):
        services.share_insight(
            by=stranger, title="Sneak", body="in", group=private_group
        )
    insight = services.share_insight(
        by=author, title="Inside", body="ok", group=private_group
    )
    assert insight.group == private_group


def test_only_the_author_edits_and_it_is_marked_edited(insight, author, reader):
    with pytest.raises(NotAllowed):
        services.edit_insight(insight, by=reader, title="Mine", body="now")
    services.edit_insight(insight, by=author, title="Invoice early", body="Better.")
    insight.refresh_from_db()
    assert insight.title == "Invoice early"
    assert insight.edited_at is not None


def test_editing_the_link_asks_for_a_new_preview(insight, author):
    services.edit_insight(
        insight, by=author, title=insight.title, body=insight.body, link="https://a.b/"
    )
    assert insight.preview_status == Insight.Preview.PENDING
    services.edit_insight(insight, by=author, title=insight.title, body=insight.body)
    assert insight.preview_status == Insight.Preview.NONE


# --- private groups: never seen by non-members --------------------------------------


def test_private_insight_is_404_for_non_members(private_insight, reader, stranger):
    """Forbidden and missing answer the same: 404."""
    assert permissions.get_insight_for_user(reader, private_insight.pk)
    with pytest.raises(Http404):
        permissions.get_insight_for_user(stranger, private_insight.pk)
    with pytest.raises(Http404):
        permissions.get_insight_for_user(stranger, 10**30)
    assert private_insight not in selectors.insights_visible_to(stranger)


def test_private_insight_not_in_any_feed_of_non_members(private_insight, stranger):
    services.follow_person(private_insight.author, by=stranger)
    for everything in (False, True):
        page = selectors.feed(stranger, everything=everything)
        assert private_insight.pk not in {
            i.pk for i in page.items if i.kind == "insight"
        }
    services.toggle_reaction(
        private_insight, by=private_insight.author, kind="insightful"
    )
    helpful = selectors.most_helpful_this_week(stranger)
    assert private_insight not in helpful.insights


def test_followers_outside_a_private_group_are_not_told(
    author, reader, stranger, private_group
):
    services.follow_person(author, by=reader)
    services.follow_person(author, by=stranger)
    insight = services.share_insight(
        by=author, title="Circle only", body="text", group=private_group
    )
    told = set(
        Notification.objects.filter(kind="insights.followed_post").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {reader.pk}
    assert insight.pk


def test_non_members_cannot_react_or_comment_on_private(private_insight, stranger):
    with pytest.raises(NotAllowed):
        services.toggle_reaction(private_insight, by=stranger, kind="thanks")
    with pytest.raises(NotAllowed):
        services.add_comment(private_insight, by=stranger, body="hello")


def test_a_member_who_leaves_loses_sight(private_insight, reader):
    from kindred.communities.models import Membership
    from kindred.communities.selectors import forget_memberships

    Membership.objects.filter(user=reader).update(status=Membership.Status.LEFT)
    forget_memberships(reader)
    with pytest.raises(Http404):
        permissions.get_insight_for_user(reader, private_insight.pk)


# --- reactions and comments ---------------------------------------------------------


def test_reactions_toggle_one_of_each_kind(insight, reader, author):
    assert services.toggle_reaction(insight, by=reader, kind="insightful") is True
    assert services.toggle_reaction(insight, by=reader, kind="thanks") is True
    assert Reaction.objects.filter(insight=insight, user=reader).count() == 2
    assert services.toggle_reaction(insight, by=reader, kind="insightful") is False
    insight.refresh_from_db()
    assert insight.reaction_count == 1
    counts = selectors.reaction_counts([insight.pk])
    assert counts[insight.pk] == {"thanks": 1}
    told = Notification.objects.filter(kind="insights.reaction")
    assert {n.recipient_id for n in told} == {author.pk}


def test_unknown_reaction_is_refused(insight, reader):
    with pytest.raises(KindredError):
        services.toggle_reaction(insight, by=reader, kind="love")


def test_reaction_is_a_daily_digest_by_default(author):
    from kindred.notifications.services import delivery_for

    assert delivery_for(author, "insights.reaction") == "daily"
    assert delivery_for(author, "insights.followed_post") == "daily"
    assert delivery_for(author, "insights.comment") == "immediate"


def test_a_comment_tells_the_author_and_edits_are_marked(insight, reader, author):
    comment = services.add_comment(insight, by=reader, body="So *true*.")
    insight.refresh_from_db()
    assert insight.comment_count == 1
    note = Notification.objects.get(kind="insights.comment")
    assert note.recipient == author
    assert note.url.endswith(f"#comment-{comment.pk}")
    with pytest.raises(NotAllowed):
        services.edit_comment(comment, by=author, body="Not yours")
    services.edit_comment(comment, by=reader, body="So very true.")
    comment.refresh_from_db()
    assert comment.edited_at is not None


def test_own_comment_does_not_notify(insight, author):
    services.add_comment(insight, by=author, body="Adding a note.")
    assert not Notification.objects.filter(kind="insights.comment").exists()


# --- following ----------------------------------------------------------------------


def test_follow_and_unfollow_topics_and_people(author, reader, topics):
    topic = _topic(topics)
    services.follow_topic(topic, by=reader)
    services.follow_topic(topic, by=reader)  # twice is once
    services.follow_person(author, by=reader)
    follows = selectors.following(reader)
    assert follows.topic_ids == {topic.pk}
    assert follows.person_ids == {author.pk}
    assert Follow.objects.filter(follower=reader).count() == 2
    services.unfollow_topic(topic, by=reader)
    services.unfollow_person(author, by=reader)
    assert not Follow.objects.filter(follower=reader).exists()


def test_nobody_follows_themselves(author):
    with pytest.raises(KindredError):
        services.follow_person(author, by=author)


def test_topic_followers_hear_of_new_insights(author, reader, topics):
    topic = _topic(topics)
    services.follow_topic(topic, by=reader)
    services.share_insight(by=author, title="On topic", body="text", topics=[topic])
    assert Notification.objects.filter(
        kind="insights.followed_post", recipient=reader
    ).exists()


# --- the feed -----------------------------------------------------------------------


def test_feed_shows_what_the_person_follows(author, reader, stranger, topics):
    topic = _topic(topics)
    followed = services.share_insight(by=author, title="Followed", body="a")
    on_topic = services.share_insight(
        by=stranger, title="On topic", body="b", topics=[topic]
    )
    other = services.share_insight(by=stranger, title="Other", body="c")
    services.follow_person(author, by=reader)
    services.follow_topic(topic, by=reader)
    shown = [i.obj for i in selectors.feed(reader).items if i.kind == "insight"]
    assert shown == [on_topic, followed]
    everything = [
        i.obj
        for i in selectors.feed(reader, everything=True).items
        if i.kind == "insight"
    ]
    assert other in everything


def test_feed_includes_the_persons_groups(author, reader, public_group):
    insight = services.share_insight(
        by=author, title="Group", body="a", group=public_group
    )
    from kindred.communities.models import Membership

    Membership.objects.create(group=public_group, user=reader)
    shown = [i.obj for i in selectors.feed(reader).items if i.kind == "insight"]
    assert shown == [insight]


def test_feed_pages_follow_a_cursor_without_gaps(author, reader):
    services.follow_person(author, by=reader)
    now = timezone.now()
    made = [
        Insight.objects.create(
            author=author,
            title=f"n{n}",
            body="b",
            created_at=now - timedelta(minutes=n),
        )
        for n in range(7)
    ]
    # Two at the very same instant still come out once each.
    made.append(
        Insight.objects.create(
            author=author, title="tie", body="b", created_at=made[3].created_at
        )
    )
    seen: list[int] = []
    cursor = ""
    for _ in range(10):
        page = selectors.feed(reader, cursor=cursor, per_page=3)
        seen += [i.pk for i in page.items if i.kind == "insight"]
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(i.pk for i in made)
    assert len(seen) == len(set(seen))


def test_a_bad_cursor_starts_from_the_top(insight, author):
    page = selectors.feed(author, cursor="not-a-cursor")
    assert [i.obj for i in page.items if i.kind == "insight"] == [insight]
    assert selectors.feed(author, cursor="1e400_0_1").items


def test_feed_shows_new_members_of_the_persons_groups(author, reader, private_group):
    page = selectors.feed(author)
    members = [i.obj.user_id for i in page.items if i.kind == "member"]
    assert reader.pk in members
    assert author.pk not in members


def test_feed_shows_published_success_stories(author):
    from kindred.collaboration.models import SuccessStory

    story = SuccessStory.objects.create(
        title="Three partners, one bakery",
        body="Together.",
        status=SuccessStory.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    page = selectors.feed(author)
    assert story.pk in [i.pk for i in page.items if i.kind == "story"]


def test_feed_works_without_peer_help(author, monkeypatch):
    """Solved asks come from peer help; without it the feed still answers."""
    import kindred.peerhelp.selectors as peerhelp_selectors  # noqa: F401

    monkeypatch.delattr(
        "kindred.peerhelp.selectors.solved_asks_for_feed", raising=False
    )
    assert selectors.solved_asks(author, since=timezone.now()) == []


def test_most_helpful_counts_this_weeks_reactions_only(author, reader, stranger):
    old = services.share_insight(by=author, title="Old", body="a")
    new = services.share_insight(by=author, title="New", body="b")
    services.toggle_reaction(old, by=reader, kind="thanks")
    Reaction.objects.filter(insight=old).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    services.toggle_reaction(new, by=reader, kind="thanks")
    services.toggle_reaction(new, by=stranger, kind="celebrate")
    helpful = selectors.most_helpful_this_week(reader)
    assert helpful.insights == [new]


# --- moderation hooks ---------------------------------------------------------------


def test_hidden_insight_is_seen_by_its_author_only(insight, author, reader, steward):
    services.hide_insight(insight, steward)
    with pytest.raises(Http404):
        permissions.get_insight_for_user(reader, insight.pk)
    assert permissions.get_insight_for_user(author, insight.pk).hidden
    with pytest.raises(KindredError):
        services.add_comment(insight, by=author, body="still here?")
    services.restore_insight(insight, steward)
    assert permissions.get_insight_for_user(reader, insight.pk)


def test_only_stewards_hide(insight, reader):
    with pytest.raises(NotAllowed):
        services.hide_insight(insight, reader)


def test_hidden_comment_is_seen_by_its_author_only(insight, reader, author, steward):
    comment = services.add_comment(insight, by=reader, body="Spam?")
    services.hide_comment(comment, steward)
    assert list(selectors.comments_shown(insight, author)) == []
    assert list(selectors.comments_shown(insight, reader)) == [comment]
    assert not selectors.can_see_comment(author, Comment.objects.get(pk=comment.pk))


def test_insights_and_comments_are_registered_for_moderation():
    registry = pytest.importorskip("kindred.moderation.registry")
    assert registry.is_registered("insights.insight")
    assert registry.is_registered("insights.comment")


@pytest.mark.django_db
def test_demo_gives_the_founder_a_living_feed():
    """The demo's founder follows people and topics and sees insights at once."""
    from kindred.accounts.models import User
    from kindred.core.demo import build

    build(scale=30, seed=5)
    founder = User.objects.get(email="founder@example.org")
    page = selectors.feed(founder)
    assert [i for i in page.items if i.kind == "insight"]
    assert Follow.objects.filter(follower=founder).count() >= 3
    assert Reaction.objects.exists() and Comment.objects.exists()
    assert not Insight.objects.filter(preview_status="pending").exists()


def test_solved_asks_from_what_the_person_follows_reach_the_feed(
    author, reader, stranger, private_group
):
    """Solved asks come from peer help's selector, filtered by what one follows;
    an ask in a private group never reaches a non-member."""
    peerhelp = pytest.importorskip("kindred.peerhelp.models")
    if not hasattr(
        pytest.importorskip("kindred.peerhelp.selectors"), "solved_asks_for_feed"
    ):
        pytest.skip("peer help has no feed selector yet")
    Ask = peerhelp.Ask
    now = timezone.now()
    public = Ask.objects.create(
        author=author, title="Cash gap solved", status="solved", closed_at=now
    )
    Ask.objects.create(
        author=author,
        title="Circle only",
        status="solved",
        closed_at=now,
        visibility="group",
        group=private_group,
    )
    services.follow_person(author, by=stranger)
    shown = [i.obj.title for i in selectors.feed(stranger).items if i.kind == "ask"]
    assert shown == [public.title]
    assert "Circle only" in [
        i.obj.title for i in selectors.feed(reader).items if i.kind == "ask"
    ]
    helpful = selectors.most_helpful_this_week(stranger)
    assert [a.title for a in helpful.asks] == [public.title]
