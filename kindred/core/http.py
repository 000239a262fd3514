"""Small helpers views share: turning domain errors into form errors and pages."""

from __future__ import annotations

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from kindred.core.errors import KindredError


def add_error(form: forms.Form, error: KindredError) -> None:
    """Attach a domain error to the field it names, or to the whole form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = 20) -> Page:
    """Return the requested page; a page number out of range shows the last page."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))
