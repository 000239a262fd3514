# ruff: noqa: F811 - fixtures imported from tests.test_insights
"""The insights REST API: insights, reactions, comments, follows and the feed.

Private-group insights answer 404 to non-members like missing ones; bad input is a
problem+json naming the field, and nothing is written.
"""

from __future__ import annotations

from kindred.insights import services
from kindred.insights.models import Comment, Follow, Insight, Reaction

from .test_directory_api import api_for, assert_problem
from .test_insights import (  # noqa: F401 - fixtures
    author,
    insight,
    private_group,
    private_insight,
    public_group,
    reader,
    stranger,
)


def test_share_once_even_when_retrying(author, topics):
    api = api_for(author)
    topic = next(iter(topics.values()))
    body = {"title": "Say no", "body": "Say **no** early.", "topics": [topic.pk]}
    first = api.post(
        "/api/v1/insights", body, format="json", HTTP_IDEMPOTENCY_KEY="share-1"
    )
    assert first.status_code == 201, first.json()
    again = api.post(
        "/api/v1/insights", body, format="json", HTTP_IDEMPOTENCY_KEY="share-1"
    )
    assert again.json()["id"] == first.json()["id"]
    data = first.json()
    assert data["topics"][0]["id"] == topic.pk
    assert data["group"] is None
    assert data["reactions"] == {"insightful": 0, "thanks": 0, "celebrate": 0}
    assert data["preview"]["status"] == "none"
    assert Insight.objects.count() == 1


def test_bad_input_is_a_problem_naming_the_field(author, private_group, stranger):
    api = api_for(author)
    assert_problem(
        api.post(
            "/api/v1/insights",
            {"title": "X", "body": "<script>alert(1)</script>"},
            format="json",
        ),
        400,
        "body",
    )
    assert_problem(
        api.post(
            "/api/v1/insights",
            {"title": "X", "body": "ok", "link": "javascript:alert(1)"},
            format="json",
        ),
        400,
        "link",
    )
    assert_problem(
        api.post(
            "/api/v1/insights",
            {"title": 5, "body": "ok", "topics": [2**70]},
            format="json",
        ),
        400,
    )
    assert_problem(
        api_for(stranger).post(
            "/api/v1/insights",
            {"title": "X", "body": "ok", "group": private_group.slug},
            format="json",
        ),
        400,
        "group",
    )
    assert not Insight.objects.exists()


def test_private_insight_is_404_everywhere_for_outsiders(
    private_insight,
    stranger,
    reader,
):
    api = api_for(stranger)
    pk = private_insight.pk
    missing = pk + 1000
    for path in ("/api/v1/insights/{}", "/api/v1/insights/{}/comments"):
        assert_problem(api.get(path.format(pk)), 404)
        assert_problem(api.get(path.format(missing)), 404)
    assert_problem(
        api.post(
            f"/api/v1/insights/{pk}/reactions",
            {"kind": "thanks", "on": True},
            format="json",
        ),
        404,
    )
    assert_problem(
        api.post(f"/api/v1/insights/{pk}/comments", {"body": "hi"}, format="json"),
        404,
    )
    assert_problem(api.patch(f"/api/v1/insights/{pk}", {"title": "x"}), 404)
    listed = api.get("/api/v1/insights").json()["results"]
    assert pk not in [i["id"] for i in listed]
    feed = api.get("/api/v1/insights/feed", {"everything": "true"}).json()
    assert pk not in [i["id"] for i in feed["results"] if i["kind"] == "insight"]
    assert api_for(reader).get(f"/api/v1/insights/{pk}").status_code == 200
    assert not Reaction.objects.exists() and not Comment.objects.exists()


def test_huge_ids_and_nul_bytes_are_clean_answers(author):
    api = api_for(author)
    assert_problem(api.get(f"/api/v1/insights/{2**70}"), 404)
    assert_problem(api.get(f"/api/v1/insights/1/comments/{2**70}"), 405)
    assert_problem(api.get("/api/v1/insights", {"author": 2**70}), 400, "author")
    assert_problem(api.get("/api/v1/insights", {"group": "a\x00b"}), 400, "group")
    assert_problem(api.get("/api/v1/insights/feed", {"after": "x\x00"}), 400)
    assert_problem(api.delete(f"/api/v1/insights/follows/{2**70}"), 404)
    assert_problem(
        api.post("/api/v1/insights/follows", {"member": 2**70}, format="json"), 400
    )


def test_only_the_author_patches(insight, author, reader):
    assert_problem(
        api_for(reader).patch(
            f"/api/v1/insights/{insight.pk}", {"title": "Mine"}, format="json"
        ),
        403,
    )
    response = api_for(author).patch(
        f"/api/v1/insights/{insight.pk}", {"title": "Invoice now"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Invoice now"
    assert response.json()["edited_at"]


def test_reactions_on_and_off(insight, reader):
    api = api_for(reader)
    url = f"/api/v1/insights/{insight.pk}/reactions"
    data = api.post(url, {"kind": "thanks", "on": True}, format="json").json()
    assert data["reactions"]["thanks"] == 1 and data["my_reactions"] == ["thanks"]
    data = api.post(url, {"kind": "thanks", "on": True}, format="json").json()
    assert data["reactions"]["thanks"] == 1
    data = api.post(url, {"kind": "thanks", "on": False}, format="json").json()
    assert data["reactions"]["thanks"] == 0 and data["my_reactions"] == []
    assert_problem(api.post(url, {"kind": "love", "on": True}, format="json"), 400)
    assert_problem(api.post(url, {"kind": "thanks", "on": "yes"}, format="json"), 400)


def test_comments_list_create_and_edit(insight, reader, author):
    api = api_for(reader)
    url = f"/api/v1/insights/{insight.pk}/comments"
    created = api.post(
        url, {"body": "Useful!"}, format="json", HTTP_IDEMPOTENCY_KEY="c1"
    )
    assert created.status_code == 201
    cid = created.json()["id"]
    assert [c["id"] for c in api.get(url).json()["results"]] == [cid]
    assert_problem(
        api_for(author).patch(f"{url}/{cid}", {"body": "Mine"}, format="json"), 403
    )
    edited = api.patch(f"{url}/{cid}", {"body": "Very useful!"}, format="json")
    assert edited.json()["edited_at"]
    assert_problem(api.post(url, {"body": ""}, format="json"), 400, "body")


def test_follows_and_the_feed(author, reader, topics):
    api = api_for(reader)
    topic = next(iter(topics.values()))
    person = api.post(
        "/api/v1/insights/follows", {"member": author.profile.pk}, format="json"
    )
    assert person.status_code == 201
    assert person.json()["member"]["name"] == "Ada Author"
    on_topic = api.post("/api/v1/insights/follows", {"topic": topic.pk}, format="json")
    assert on_topic.json()["topic"]["id"] == topic.pk
    assert_problem(
        api.post(
            "/api/v1/insights/follows",
            {"topic": topic.pk, "member": author.profile.pk},
            format="json",
        ),
        400,
    )
    assert len(api.get("/api/v1/insights/follows").json()["results"]) == 2
    for n in range(3):
        services.share_insight(by=author, title=f"Lesson {n}", body="t")
    first = api.get("/api/v1/insights/feed", {"page_size": 2}).json()
    assert [i["title"] for i in first["results"]] == ["Lesson 2", "Lesson 1"]
    assert first["results"][0]["insight"]["author"]["name"] == "Ada Author"
    second = api.get(
        "/api/v1/insights/feed", {"page_size": 2, "after": first["next"]}
    ).json()
    assert [i["title"] for i in second["results"]][0] == "Lesson 0"
    response = api.delete(f"/api/v1/insights/follows/{person.json()['id']}")
    assert response.status_code == 204
    assert Follow.objects.filter(follower=reader).count() == 1
    assert_problem(
        api_for(author).delete(f"/api/v1/insights/follows/{on_topic.json()['id']}"),
        404,
    )


def test_list_filters(author, reader, topics, public_group):
    topic = next(iter(topics.values()))
    tagged = services.share_insight(by=author, title="T", body="t", topics=[topic])
    grouped = services.share_insight(by=author, title="G", body="g", group=public_group)
    api = api_for(reader)

    def ids(**params):
        return [i["id"] for i in api.get("/api/v1/insights", params).json()["results"]]

    assert ids(topic=topic.pk) == [tagged.pk]
    assert ids(group=public_group.slug) == [grouped.pk]
    assert ids(group="no-such-group") == []
    assert ids(author=author.profile.pk) == [grouped.pk, tagged.pk]
    assert ids(author=reader.profile.pk) == []
