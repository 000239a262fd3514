"""The groups REST API: groups, membership, threads, replies and the library.

Every refusal is checked twice: the answer (status, problem+json naming the field)
and the database (nothing was written or changed).
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kindred.communities import services
from kindred.communities.models import Group, Membership, Reply, Resource, Thread

from .test_communities import *  # noqa: F403 - the shared fixtures
from .test_communities import docx_bytes, png_bytes
from .test_directory_api import api_for, assert_problem


def test_a_member_proposes_a_group_once_even_when_retrying(member, topics):
    api = api_for(member)
    body = {
        "name": "Green makers",
        "purpose": "Cut **waste** together.",
        "joining": "request",
        "topics": [topics["mindfulness"].pk],
    }
    first = api.post(
        "/api/v1/groups", body, format="json", HTTP_IDEMPOTENCY_KEY="propose-1"
    )
    assert first.status_code == 201, first.json()
    again = api.post(
        "/api/v1/groups", body, format="json", HTTP_IDEMPOTENCY_KEY="propose-1"
    )
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    data = first.json()
    assert data["status"] == "proposed" and data["my_role"] == "facilitator"
    assert data["topics"][0]["slug"] == "mindfulness"
    assert Group.objects.count() == 1


def test_a_bad_proposal_is_a_problem_naming_the_field(member):
    api = api_for(member)
    response = api.post(
        "/api/v1/groups",
        {"name": "X", "purpose": '<a href="javascript:alert(1)">x</a>'},
        format="json",
    )
    assert_problem(response, 400, "purpose")
    response = api.post(
        "/api/v1/groups",
        {"name": "X", "purpose": "ok", "topics": [2**62]},
        format="json",
    )
    assert_problem(response, 400, "topics")
    response = api.post("/api/v1/groups", {"name": 12, "purpose": "ok"}, format="json")
    assert_problem(response, 400, "name")
    assert not Group.objects.exists()


def test_the_list_filters_and_shows_private_groups_by_name_only(
    group, private_group, outsider
):
    api = api_for(outsider)
    names = [g["name"] for g in api.get("/api/v1/groups").json()["results"]]
    assert set(names) == {group.name, private_group.name}
    found = api.get("/api/v1/groups", {"q": "wellbeing"}).json()["results"]
    assert [g["slug"] for g in found] == [private_group.slug]
    assert api.get("/api/v1/groups", {"mine": "true"}).json()["results"] == []
    assert_problem(api.get("/api/v1/groups", {"topic": "2" * 30}), 400, "topic")
    assert_problem(api.get("/api/v1/groups", {"q": "a\x00b"}), 400, "q")
    detail = api.get(f"/api/v1/groups/{private_group.slug}").json()
    assert detail["can_read"] is False and detail["facilitators"] == []
    assert detail["member_count"] is None
    assert api.get(f"/api/v1/groups/{group.slug}").json()["member_count"] == 2


@pytest.mark.parametrize(
    "path",
    [
        "members",
        "threads",
        "threads/{thread}",
        "threads/{thread}/replies",
        "resources",
        "resources/{resource}/download",
    ],
)
def test_outsiders_get_404_for_a_private_groups_content_as_for_a_missing_one(
    private_group, member, outsider, path
):
    thread = services.start_thread(private_group, by=member, title="t", body="b")
    resource = services.add_link(
        private_group, by=member, title="x", url="https://example.org/"
    )
    api = api_for(outsider)
    url = path.format(thread=thread.pk, resource=resource.pk)
    hidden = api.get(f"/api/v1/groups/{private_group.slug}/{url}")
    missing = api.get(f"/api/v1/groups/no-such-group/{url}")
    assert_problem(hidden, 404)
    assert hidden.json() == missing.json()


def test_outsiders_cannot_post_in_a_private_group(private_group, member, outsider):
    thread = services.start_thread(private_group, by=member, title="t", body="b")
    api = api_for(outsider)
    base = f"/api/v1/groups/{private_group.slug}"
    assert_problem(
        api.post(f"{base}/threads", {"title": "x", "body": "y"}, format="json"), 404
    )
    assert_problem(
        api.post(f"{base}/threads/{thread.pk}/replies", {"body": "y"}, format="json"),
        404,
    )
    assert Thread.objects.count() == 1 and not Reply.objects.exists()


def test_join_post_reply_and_mark_the_answer(group, outsider, member):
    api = api_for(outsider)
    base = f"/api/v1/groups/{group.slug}"
    joined = api.post(f"{base}/membership", {}, format="json")
    assert joined.status_code == 200 and joined.json()["status"] == "active"
    created = api.post(
        f"{base}/threads",
        {"title": "Warm hand-overs?", "body": "How, @Mo Member?"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    thread_id = created.json()["id"]
    assert created.json()["following"] is True
    reply = api_for(member).post(
        f"{base}/threads/{thread_id}/replies", {"body": "Book the call."}, format="json"
    )
    assert reply.status_code == 201
    answered = api.post(
        f"{base}/threads/{thread_id}/answer",
        {"reply": reply.json()["id"]},
        format="json",
    )
    assert (
        answered.status_code == 200 and answered.json()["answer"] == reply.json()["id"]
    )
    page = api.get(f"{base}/threads").json()
    assert (
        page["results"][0]["id"] == thread_id and page["results"][0]["reply_count"] == 1
    )
    replies = api.get(f"{base}/threads/{thread_id}/replies").json()["results"]
    assert [r["body"] for r in replies] == ["Book the call."]
    assert api.delete(f"{base}/threads/{thread_id}/following").json() == {
        "following": False
    }
    assert api.delete(f"{base}/membership").json()["status"] == "left"


def test_a_member_cannot_mark_someone_elses_answer(
    group, thread, member, facilitator, outsider
):
    services.join_group(group, by=outsider)
    reply = services.reply_to_thread(thread, by=facilitator, body="x")
    response = api_for(outsider).post(
        f"/api/v1/groups/{group.slug}/threads/{thread.pk}/answer",
        {"reply": reply.pk},
        format="json",
    )
    assert_problem(response, 403)
    thread.refresh_from_db()
    assert thread.answer is None


def test_an_archived_group_answers_409_and_changes_nothing(archived_group, member):
    api = api_for(member)
    base = f"/api/v1/groups/{archived_group.slug}"
    assert_problem(
        api.post(f"{base}/threads", {"title": "x", "body": "y"}, format="json"), 409
    )
    assert_problem(
        api.post(
            f"{base}/resources",
            {"title": "x", "url": "https://example.org/"},
            format="json",
        ),
        409,
    )
    assert api.get(f"{base}/threads").status_code == 200
    assert not Thread.objects.exists() and not Resource.objects.exists()


def test_a_request_is_answered_by_a_facilitator(
    private_group, facilitator, member, outsider
):
    base = f"/api/v1/groups/{private_group.slug}"
    asked = api_for(outsider).post(
        f"{base}/membership", {"message": "Please"}, format="json"
    )
    assert asked.json()["status"] == "requested"
    pk = asked.json()["id"]
    assert_problem(
        api_for(member).post(
            f"{base}/join-requests/{pk}/decision", {"accept": True}, format="json"
        ),
        403,
    )
    assert_problem(api_for(member).get(f"{base}/join-requests"), 403)
    waiting = api_for(facilitator).get(f"{base}/join-requests").json()["results"]
    assert [m["id"] for m in waiting] == [pk]
    decided = api_for(facilitator).post(
        f"{base}/join-requests/{pk}/decision", {"accept": True}, format="json"
    )
    assert decided.json()["status"] == "active"
    assert_problem(
        api_for(facilitator).post(
            f"{base}/join-requests/{2**70}/decision", {"accept": True}, format="json"
        ),
        404,
    )


def test_facilitators_invite_by_member_id(group, facilitator, outsider):
    base = f"/api/v1/groups/{group.slug}"
    response = api_for(facilitator).post(
        f"{base}/invitations", {"member": outsider.profile.pk}, format="json"
    )
    assert response.status_code == 201 and response.json()["status"] == "invited"
    assert_problem(
        api_for(facilitator).post(
            f"{base}/invitations", {"member": 2**62}, format="json"
        ),
        400,
        "member",
    )


def test_upload_download_and_vote(group, member, outsider, private_storage):
    api = api_for(member)
    base = f"/api/v1/groups/{group.slug}"
    response = api.post(
        f"{base}/resources/upload",
        {"title": "Chart", "file": SimpleUploadedFile("chart.png", png_bytes())},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    resource = response.json()
    assert (
        resource["content_type"] == "image/png" and resource["file_name"] == "chart.png"
    )
    download = api_for(outsider).get(f"{base}/resources/{resource['id']}/download")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"] == 'attachment; filename="chart.png"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == png_bytes()
    voted = api.post(f"{base}/resources/{resource['id']}/useful")
    assert voted.json() == {"useful": True, "useful_count": 1}
    assert_problem(
        api_for(outsider).post(f"{base}/resources/{resource['id']}/useful"), 403
    )


def test_a_disguised_upload_is_refused_naming_the_field(group, member, private_storage):
    response = api_for(member).post(
        f"/api/v1/groups/{group.slug}/resources/upload",
        {"title": "Notes", "file": SimpleUploadedFile("notes.docx", png_bytes())},
        format="multipart",
    )
    body = assert_problem(response, 400, "file")
    assert "not a real Word file" in body["errors"]["file"][0]
    assert not Resource.objects.exists()
    ok = api_for(member).post(
        f"/api/v1/groups/{group.slug}/resources/upload",
        {"title": "Notes", "file": SimpleUploadedFile("notes.docx", docx_bytes())},
        format="multipart",
    )
    assert ok.status_code == 201


def test_members_list_needs_read_access(private_group, member, outsider):
    members = api_for(member).get(f"/api/v1/groups/{private_group.slug}/members")
    names = {m["member"]["name"] for m in members.json()["results"]}
    assert names == {"Fran Facilitator", "Mo Member"}
    assert_problem(
        api_for(outsider).get(f"/api/v1/groups/{private_group.slug}/members"), 404
    )


def test_stewards_approve_proposals(steward, member):
    group = services.propose_group(by=member, name="Green", purpose="Waste.")
    assert_problem(api_for(member).post(f"/api/v1/groups/{group.slug}/approve"), 403)
    response = api_for(steward).post(f"/api/v1/groups/{group.slug}/approve")
    assert response.status_code == 200 and response.json()["status"] == "active"
    assert Membership.objects.get(group=group).role == "facilitator"


def test_huge_ids_are_404_not_500(group, member):
    api = api_for(member)
    base = f"/api/v1/groups/{group.slug}"
    for url in (
        f"{base}/threads/{2**70}",
        f"{base}/threads/{2**70}/replies",
        f"{base}/resources/{2**70}/download",
    ):
        assert_problem(api.get(url), 404)
    assert_problem(api.get(f"{base}/threads", {"page": "0"}), 400, "page")
