"""The readable half of an export: one self-contained, escaped HTML page."""

from __future__ import annotations

from typing import Any

from django.utils.html import escape
from django.utils.translation import gettext as _

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#212529}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}"
    "th,td{border:1px solid #ced4da;padding:.25rem .5rem;text-align:left;"
    "vertical-align:top}th{background:#f1f3f5}dt{font-weight:600}"
    "dd{margin:0 0 .5rem 1rem}"
)


def _value(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "<span>&ndash;</span>"
    if isinstance(value, dict):
        items = "".join(
            f"<dt>{escape(k)}</dt><dd>{_value(v)}</dd>" for k, v in value.items()
        )
        return f"<dl>{items}</dl>"
    if isinstance(value, list):
        if all(isinstance(v, dict) for v in value):
            columns: list[str] = []
            for row in value:
                columns += [k for k in row if k not in columns]
            head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
            body = "".join(
                "<tr>"
                + "".join(f"<td>{_value(row.get(c))}</td>" for c in columns)
                + "</tr>"
                for row in value
            )
            return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        return "<ul>" + "".join(f"<li>{_value(v)}</li>" for v in value) + "</ul>"
    if isinstance(value, bool):
        return escape(_("yes") if value else _("no"))
    return escape(str(value))


def render_summary(export: dict[str, Any]) -> str:
    """Return the export as one HTML page; every value is escaped."""
    title = escape(_("Your data in Kindred"))
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{title}</h1>",
        "<p>"
        + escape(_("Prepared %(when)s. The same data is in data.json."))
        % {"when": escape(export["generated_at"])}
        + "</p>",
    ]
    for key, section in export["providers"].items():
        parts.append(
            f'<section><h2 id="{escape(key)}">{escape(section["label"])}</h2>'
            f"{_value(section['records'])}</section>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)
