"""Markdown for user content: CommonMark rendered, then sanitised to an allow-list."""

from __future__ import annotations

import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "h3", "h4", "h5", "h6", "del", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

_parser = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
    "strikethrough"
)
_TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9-]*)")
_EVENT_ATTR = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_SCRIPT_URL = re.compile(r"(javascript|vbscript|data)\s*:", re.IGNORECASE)


def render(text: str) -> SafeString:
    """Return sanitised HTML for Markdown `text`; safe to put in a page."""
    html = _parser.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow noopener ugc",
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 has just sanitised it


def problems(text: str) -> list[str]:
    """Return what in `text` would be removed by sanitising, in words a person reads.

    An empty list means the text is acceptable as written.
    """
    found: list[str] = []
    tokens = _parser.parse(text or "")
    fragments: list[str] = []
    for token in tokens:
        if token.type == "html_block":
            fragments.append(token.content)
        for child in token.children or []:
            if child.type == "html_inline":
                fragments.append(child.content)
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                if _SCRIPT_URL.match(href.strip()):
                    found.append(_("a link to “%(href)s”") % {"href": href[:40]})
    for fragment in fragments:
        for tag in _TAG.findall(fragment):
            if tag.lower() not in ALLOWED_TAGS:
                found.append(_("the HTML tag <%(tag)s>") % {"tag": tag.lower()})
        if _EVENT_ATTR.search(fragment):
            found.append(_("an HTML event handler attribute"))
        if _SCRIPT_URL.search(fragment):
            found.append(_("a script or data URL"))
    return sorted(set(found))
