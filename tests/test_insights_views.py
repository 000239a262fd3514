# ruff: noqa: F811 - fixtures imported from tests.test_insights
"""Insight pages: the feed, sharing, the insight page, reactions, comments,
following; private-group insights 404 for outsiders; bounded queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kindred.insights import services
from kindred.insights.models import Comment, Follow, Insight, Reaction
from tests.test_insights import (  # noqa: F401 - fixtures
    _group,
    author,
    insight,
    private_group,
    private_insight,
    reader,
    stranger,
)


def test_anonymous_people_are_asked_to_log_in(client, db):
    response = client.get(reverse("insights:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_empty_feed_suggests_what_to_do(client, reader):
    client.force_login(reader)
    response = client.get(reverse("insights:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Your feed is empty for now." in content
    assert reverse("insights:following") in content
    assert "Most helpful this week" in content


def test_share_from_the_composer(client, author, topics):
    client.force_login(author)
    topic = next(iter(topics.values()))
    response = client.post(
        reverse("insights:create"),
        {
            "title": "Price for value",
            "body": "Charge for *outcomes*.",
            "topics": [topic.pk],
        },
    )
    insight = Insight.objects.get()
    assert response.status_code == 302
    assert response["Location"] == insight.get_absolute_url()
    page = client.get(insight.get_absolute_url()).content.decode()
    assert "<em>outcomes</em>" in page


def test_a_bad_insight_keeps_what_was_typed(client, author):
    client.force_login(author)
    response = client.post(
        reverse("insights:create"),
        {"title": "Kept title", "body": "<script>alert(1)</script>"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Kept title" in content
    assert "There is a problem" in content
    assert not Insight.objects.exists()


def test_only_groups_you_belong_to_can_be_chosen(client, stranger, private_group):
    client.force_login(stranger)
    response = client.post(
        reverse("insights:create"),
        {"title": "Sneak", "body": "in", "group": private_group.pk},
    )
    assert response.status_code == 400
    assert not Insight.objects.exists()


def test_private_insight_page_is_404_for_outsiders(
    client, private_insight, stranger, reader
):
    """Forbidden and missing look the same."""
    client.force_login(stranger)
    for name in ("insights:detail", "insights:edit"):
        url = reverse(name, args=[private_insight.pk])
        missing = reverse(name, args=[private_insight.pk + 1000])
        assert client.get(url).status_code == 404
        assert client.get(missing).status_code == 404
    for name in ("insights:react", "insights:comment"):
        response = client.post(
            reverse(name, args=[private_insight.pk]), {"kind": "thanks", "body": "x"}
        )
        assert response.status_code == 404
    assert not Reaction.objects.exists()
    assert not Comment.objects.exists()
    client.force_login(reader)
    assert client.get(private_insight.get_absolute_url()).status_code == 200


def test_private_insight_not_in_outsiders_feed(client, private_insight, stranger):
    client.force_login(stranger)
    for url in (reverse("insights:index"), reverse("insights:index") + "?view=all"):
        assert private_insight.title not in client.get(url).content.decode()


def test_only_the_author_edits(client, insight, author, reader):
    client.force_login(reader)
    assert client.get(reverse("insights:edit", args=[insight.pk])).status_code == 403
    client.force_login(author)
    url = reverse("insights:edit", args=[insight.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Invoice at once", "body": "Faster."})
    assert response.status_code == 302
    page = client.get(insight.get_absolute_url()).content.decode()
    assert "Invoice at once" in page
    assert "edited" in page


def test_react_toggles(client, insight, reader):
    client.force_login(reader)
    url = reverse("insights:react", args=[insight.pk])
    client.post(url, {"kind": "celebrate"})
    assert Reaction.objects.filter(user=reader, kind="celebrate").count() == 1
    page = client.get(insight.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' in page
    client.post(url, {"kind": "celebrate"})
    assert not Reaction.objects.exists()
    response = client.post(url, {"kind": "nonsense"}, follow=True)
    assert "Choose insightful, thanks or celebrate." in response.content.decode()


def test_comment_and_edit_with_an_edited_mark(client, insight, reader, author):
    client.force_login(reader)
    response = client.post(
        reverse("insights:comment", args=[insight.pk]), {"body": "Thanks, **useful**."}
    )
    comment = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    edit_url = reverse("insights:comment_edit", args=[insight.pk, comment.pk])
    client.force_login(author)
    assert client.get(edit_url).status_code == 403
    client.force_login(reader)
    client.post(edit_url, {"body": "Thanks, very useful."})
    page = client.get(insight.get_absolute_url()).content.decode()
    assert "very useful" in page
    assert "edited" in page


def test_an_empty_comment_shows_the_error(client, insight, reader):
    client.force_login(reader)
    response = client.post(reverse("insights:comment", args=[insight.pk]), {"body": ""})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_follow_and_unfollow_from_the_insight_page(client, insight, reader, author):
    client.force_login(reader)
    page = client.get(insight.get_absolute_url()).content.decode()
    assert "Follow Ada Author" in page
    url = reverse("insights:follow_person", args=[author.profile.pk])
    response = client.post(url, {"follow": "1", "next": insight.get_absolute_url()})
    assert response["Location"] == insight.get_absolute_url()
    assert Follow.objects.filter(follower=reader, person=author).exists()
    page = client.get(reverse("insights:following")).content.decode()
    assert "Ada Author" in page
    client.post(url, {"follow": "0", "next": "https://evil.example/"})
    assert not Follow.objects.filter(follower=reader).exists()


def test_follow_a_topic_from_the_following_page(client, reader, topics):
    topic = next(iter(topics.values()))
    client.force_login(reader)
    client.post(reverse("insights:follow_topic"), {"topic": topic.pk, "follow": "1"})
    assert Follow.objects.filter(follower=reader, topic=topic).exists()
    page = client.get(reverse("insights:following")).content.decode()
    assert f'Unfollow<span class="visually-hidden"> {topic.name}' in page
    client.post(reverse("insights:follow_topic"), {"topic": topic.pk, "follow": "0"})
    assert not Follow.objects.exists()
    response = client.post(reverse("insights:follow_topic"), {"topic": "9" * 30})
    assert response.status_code == 302


def test_follow_an_unknown_person_is_404(client, reader):
    client.force_login(reader)
    url = reverse("insights:follow_person", args=[10**12])
    assert client.post(url, {"follow": "1"}).status_code == 404


def test_link_preview_shown_or_unavailable(client, author, reader):
    insight = services.share_insight(
        by=author, title="Linked", body="See.", link="https://example.org/x"
    )
    client.force_login(reader)
    assert (
        "The preview is on its way."
        in client.get(insight.get_absolute_url()).content.decode()
    )
    Insight.objects.filter(pk=insight.pk).update(preview_status="unavailable")
    assert (
        "Preview unavailable."
        in client.get(insight.get_absolute_url()).content.decode()
    )
    Insight.objects.filter(pk=insight.pk).update(
        preview_status="ready",
        preview_title="Example <b>page</b>",
        preview_site_name="Example",
    )
    page = client.get(insight.get_absolute_url()).content.decode()
    assert "Example &lt;b&gt;page&lt;/b&gt;" in page


def test_hidden_insight_404_for_others(client, insight, reader, author, steward):
    services.hide_insight(insight, steward)
    client.force_login(reader)
    assert client.get(insight.get_absolute_url()).status_code == 404
    client.force_login(author)
    page = client.get(insight.get_absolute_url()).content.decode()
    assert "only you can see it" in page


def test_report_buttons_for_other_peoples_posts(client, insight, reader):
    pytest.importorskip("kindred.moderation.registry")
    services.add_comment(insight, by=reader, body="Nice.")
    client.force_login(reader)
    page = client.get(insight.get_absolute_url()).content.decode()
    assert "/moderation/" in page


@pytest.mark.parametrize("count", [3, 30])
def test_feed_queries_do_not_grow(
    client, author, reader, stranger, topics, count, django_assert_max_num_queries
):
    """The feed page's query count is the same for 3 and 30 items."""
    from kindred.communities.models import Membership

    group = _group("queries-circle", "public", author, reader)
    topic = next(iter(topics.values()))
    services.follow_person(author, by=reader)
    for n in range(count):
        insight = services.share_insight(
            by=author,
            title=f"Lesson {n}",
            body="text",
            topics=[topic],
            group=group if n % 2 else None,
        )
        services.toggle_reaction(insight, by=stranger, kind="thanks")
        services.add_comment(insight, by=stranger, body=f"c{n}")
    Membership.objects.create(group=group, user=stranger)
    client.force_login(reader)
    with django_assert_max_num_queries(19):
        response = client.get(reverse("insights:index"))
    assert response.status_code == 200
    assert "Lesson 0" in response.content.decode() or count > 20


@pytest.mark.parametrize("count", [3, 30])
def test_insight_page_queries_do_not_grow(
    client, insight, reader, stranger, count, django_assert_max_num_queries
):
    for n in range(count):
        services.add_comment(insight, by=stranger, body=f"comment {n}")
    client.force_login(reader)
    with django_assert_max_num_queries(11):
        response = client.get(insight.get_absolute_url())
    assert response.status_code == 200


def test_older_link_pages_through_the_feed(client, author, reader):
    services.follow_person(author, by=reader)
    for n in range(25):
        services.share_insight(by=author, title=f"Lesson {n}", body="t")
    client.force_login(reader)
    first = client.get(reverse("insights:index"))
    cursor = first.context["page"].next_cursor
    assert cursor
    second = client.get(reverse("insights:index"), {"after": cursor})
    assert second.status_code == 200
    first_titles = {i.obj.title for i in first.context["page"].items}
    second_titles = {i.obj.title for i in second.context["page"].items}
    assert first_titles.isdisjoint(second_titles)
    assert len(first_titles | second_titles) == 25
