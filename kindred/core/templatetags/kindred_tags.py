"""Template helpers for Kindred pages: Bootstrap form widgets, Markdown, labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms, template
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from kindred.core.markdown import render as render_markdown

register = template.Library()

_CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)
_SELECT_WIDGETS = (forms.Select, forms.SelectMultiple)


def bootstrap_class(widget: forms.Widget) -> str:
    """Return the Bootstrap class a widget's control needs."""
    if isinstance(widget, _CHECK_WIDGETS):
        return "form-check-input"
    if isinstance(widget, _SELECT_WIDGETS):
        return "form-select"
    if isinstance(widget, forms.HiddenInput | forms.MultipleHiddenInput):
        return ""
    return "form-control"


def _parse_attrs(spec: str) -> dict[str, str]:
    """Parse "class=form-select-sm,aria-label=Role" into a dict."""
    attrs: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        key, _, value = part.partition("=")
        attrs[key.strip()] = value.strip()
    return attrs


def _render(bound_field: Any, extra: dict[str, str]) -> SafeString | str:
    if not isinstance(bound_field, forms.BoundField):
        return bound_field  # type: ignore[no-any-return]
    widget = bound_field.field.widget
    classes = [widget.attrs.get("class", ""), bootstrap_class(widget)]
    if bound_field.errors and not widget.is_hidden:
        classes.append("is-invalid")
    extra = dict(extra)
    classes.append(extra.pop("class", ""))
    attrs = {"class": " ".join(c for c in classes if c)} if any(classes) else {}
    if (
        isinstance(widget, forms.SelectMultiple)
        and not isinstance(widget, forms.CheckboxSelectMultiple)
        and bound_field.auto_id
        and "aria-describedby" not in extra
    ):
        # Multi-selects get a how-to hint (see includes/field.html) besides the
        # help text and the error that Django links by itself.
        described = [f"{bound_field.auto_id}_hint"]
        if bound_field.aria_describedby:
            described.append(bound_field.aria_describedby)
        attrs["aria-describedby"] = " ".join(described)
    attrs.update(extra)
    render_with = None
    if isinstance(widget, forms.ClearableFileInput):
        # The "Currently: <link>" of Django's widget points at the raw media URL,
        # which bypasses the privacy checks; pages show previews themselves.
        render_with = forms.FileInput(attrs=widget.attrs)
    if render_with is None and type(widget) in (forms.Select, forms.SelectMultiple):
        return _render_select(bound_field, widget, attrs)
    return bound_field.as_widget(widget=render_with, attrs=attrs)


def _render_select(
    bound_field: forms.BoundField, widget: forms.Select, attrs: dict[str, Any]
) -> SafeString:
    """Render a select as Django would, without a template per option.

    Django renders each <option> through the template engine, which made a page
    of filters (about 150 options) cost more than its database queries.
    """
    attrs = bound_field.build_widget_attrs(attrs, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound_field.auto_id)
    context = widget.get_context(bound_field.html_name, bound_field.value(), attrs)
    options = []
    for group_name, group, _index in context["widget"]["optgroups"]:
        rendered = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((o["value"], flatatt(o["attrs"]), o["label"]) for o in group),
        )
        if group_name:
            rendered = format_html(
                '<optgroup label="{}">{}</optgroup>', group_name, rendered
            )
        options.append(rendered)
    return format_html(
        '<select name="{}"{}>{}</select>',
        context["widget"]["name"],
        flatatt(context["widget"]["attrs"]),
        mark_safe("".join(options)),  # noqa: S308 - each part built by format_html
    )


@register.filter
def widget_class(bound_field: Any, extra_classes: str = "") -> SafeString | str:
    """Render a form field's widget with the right Bootstrap class.

    `{{ field|widget_class }}` or `{{ field|widget_class:"form-select-sm" }}`.
    Django adds aria-describedby (help text and error ids) and aria-invalid.
    """
    return _render(bound_field, {"class": extra_classes} if extra_classes else {})


@register.filter
def add_attrs(bound_field: Any, spec: str) -> SafeString | str:
    """Render a widget with extra attributes.

    Usage: `{{ f|add_attrs:"class=x,placeholder=y" }}`.
    """
    return _render(bound_field, _parse_attrs(spec))


@register.filter
def markdown(text: str | None) -> SafeString:
    """Render user Markdown to sanitised HTML."""
    return render_markdown(text or "")


@register.filter
def kind_label(value: str) -> str:
    """The human label of an organisation kind value."""
    from kindred.organisations.models import Organisation

    try:
        return str(Organisation.Kind(value).label)
    except ValueError:
        return value


@register.filter
def role_label(value: str) -> str:
    """The human label of an organisation role value."""
    from kindred.organisations.models import Role

    try:
        return str(Role(value).label)
    except ValueError:
        return value


@register.filter
def is_past(value: datetime | None) -> bool:
    """True when a date-time lies in the past."""
    return bool(value and value <= timezone.now())


@register.filter
def alert_class(message_tags: str) -> str:
    """The Bootstrap alert modifier for a Django message's tags."""
    tags = (message_tags or "").split()
    for tag, css in (
        ("error", "danger"),
        ("warning", "warning"),
        ("success", "success"),
        ("info", "info"),
        ("debug", "secondary"),
    ):
        if tag in tags:
            return css
    return "info"


@register.filter
def is_urgent(message_tags: str) -> bool:
    """Errors and warnings are announced assertively (role="alert")."""
    tags = (message_tags or "").split()
    return "error" in tags or "warning" in tags


@register.filter
def elided_pages(page: Any) -> list[Any]:
    """Page numbers around the current page, with ellipses.

    Usage: `{% for n in page|elided_pages %}`.
    """
    return list(
        page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )


@register.filter
def initials(name: str) -> str:
    """One or two initials for an avatar placeholder."""
    parts = [p for p in (name or "").split() if p[:1].isalnum()]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def split(value: str) -> list[str]:
    """Words of a string: `{% for name in "a b c"|split %}`."""
    return (value or "").split()


@register.filter
def field(form: forms.Form, name: str) -> Any:
    """A bound field by name, e.g. `form|field:name` in an include."""
    return form[name]
