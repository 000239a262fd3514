"""User content: a short hypothesis fuzz of strings built from dangerous fragments,
through kindred.core.markdown and through real pages that show Markdown fields.
No script, no event handler, no javascript:/vbscript:/data: URL survives.

The fixed corpus is in tests/test_markdown_xss.py; its parser-based inspector is
reused here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kindred.core.markdown import render
from tests.test_markdown_xss import CORPUS, problems_in

FRAGMENTS = [
    "<script>",
    "</script>",
    "<scr",
    "ipt>",
    "alert(1)",
    "<img src=x ",
    "onerror=",
    " onload=",
    "onmouseover",
    '"',
    "'",
    "`",
    ">",
    "<",
    "/",
    "javascript:",
    "JaVaScRiPt:",
    "jav&#x09;ascript:",
    "&#106;",
    "&colon;",
    "vbscript:",
    "data:text/html,",
    "[x](",
    ")",
    "![i](",
    "<a href=",
    "<svg",
    "<iframe src=",
    "<style>",
    "<!--",
    "-->",
    "\n",
    "\t",
    " ",
    "**",
    "`code`",
    "<details open ontoggle=",
    "<math><mi xlink:href=",
    "&lt;",
    "%3Cscript%3E",
    "\\",
    "\x00",
]

dangerous = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=25).map("".join)
# PostgreSQL text holds no NUL character: pages get the rest.
storable = st.lists(
    st.sampled_from([f for f in FRAGMENTS if f != "\x00"]), min_size=1, max_size=25
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=dangerous)
def test_fuzzed_markdown_renders_nothing_executable(text):
    output = str(render(text))
    assert problems_in(output) == [], (text, output)


@settings(max_examples=100, deadline=None)
@given(text=dangerous, payload=st.sampled_from(CORPUS))
def test_fuzzed_text_around_a_known_payload_stays_safe(text, payload):
    output = str(render(f"{text}{payload}{text}"))
    assert problems_in(output) == [], (text, payload, output)


def test_every_markdown_field_is_shown_through_the_sanitising_filter():
    """Templates show user Markdown only with `|markdown` (kindred.core.markdown);
    none marks a field safe or turns escaping off for an HTML page."""
    root = Path(__file__).resolve().parent.parent / "kindred" / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text()
        if "{% autoescape off %}" in text and "email" not in path.parts:
            offenders.append(f"{path.name}: autoescape off")
        for match in re.finditer(r"\{\{\s*([\w.]+)\|safe\s*\}\}", text):
            if match.group(1) != "field.help_text":  # translated strings only
                offenders.append(f"{path.name}: {match.group(0)}")
    assert offenders == []
    uses = sum(p.read_text().count("|markdown") for p in root.rglob("*.html"))
    assert uses >= 25  # the fields found when this test was written


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


@pytest.fixture
def pages(client, owner, organisation, outsider, topics):
    """Three pages that show a member's Markdown: a profile bio, an organisation's
    description and a service's description."""
    from kindred.directory import services as directory_services

    service = directory_services.create_service(
        organisation,
        by=owner,
        name="Cash-flow clinic",
        description="Safe.",
        application_process="Book online.",
        topics=[topics["cash-flow-forecasting"]],
    )
    client.force_login(outsider)
    return {
        "profile": (owner.profile, "bio", owner.profile.get_absolute_url()),
        "organisation": (organisation, "description", organisation.get_absolute_url()),
        "service": (service, "description", service.get_absolute_url()),
    }


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=storable)
def test_fuzzed_text_through_real_pages(client, pages, text):
    """Rows are written directly, bypassing the services' refusal of unsafe text,
    to test what the pages render."""
    for name, (obj, field, url) in pages.items():
        type(obj).objects.filter(pk=obj.pk).update(**{field: text})
        response = client.get(url)
        assert response.status_code == 200, name
        assert problems_in(_main(response.content.decode()), page=True) == [], (
            name,
            text,
        )


@pytest.mark.django_db
def test_the_whole_corpus_through_real_pages(client, pages):
    corpus = "\n\n".join(CORPUS)
    for name, (obj, field, url) in pages.items():
        type(obj).objects.filter(pk=obj.pk).update(**{field: corpus})
        main = _main(client.get(url).content.decode())
        assert problems_in(main, page=True) == [], name
