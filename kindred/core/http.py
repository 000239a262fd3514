"""Small helpers views share: turning domain errors into form errors and pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import cached_property

from kindred.core.errors import KindredError, NotAllowed, SecondFactorRequired


def add_error(form: forms.Form, error: KindredError) -> None:
    """Attach a domain error to the field it names, or to the whole form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def refuse(request: HttpRequest, error: NotAllowed) -> HttpResponse:
    """Answer a refused change: set up a second factor first if that is what is
    missing, otherwise 403."""
    if isinstance(error, SecondFactorRequired):
        messages.warning(request, error.message)
        return redirect("mfa_index")
    raise PermissionDenied(error.message)


def act(
    request: HttpRequest, action: Callable[[], Any], *, success: str, then: str
) -> HttpResponse:
    """Run a one-button change: a refusal as `refuse` says, any other problem a
    message; then go to `then`."""
    try:
        action()
    except NotAllowed as error:
        return refuse(request, error)
    except KindredError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(then)


class CappedPaginator(Paginator):
    """Count at most `cap` rows: counting every match of a broad filter over a
    large directory costs more than rendering the page. `capped` says whether
    there are more than `cap`."""

    def __init__(self, object_list: QuerySet, per_page: int, *, cap: int) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        unordered = self.object_list.order_by()  # no sort needed to count
        return min(unordered[: self.cap + 1].count(), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap


def paginate(
    request: HttpRequest, queryset: QuerySet, per_page: int = 20, *, cap: int = 0
) -> Page:
    """Return the requested page; a page number out of range shows the last page.

    With `cap`, at most `cap` + 1 matches are counted.
    """
    paginator = (
        CappedPaginator(queryset, per_page, cap=cap)
        if cap
        else Paginator(queryset, per_page)
    )
    return paginator.get_page(request.GET.get("page"))
