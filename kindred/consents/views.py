"""The person's consents page, withdrawal, and who saw their records."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.consents import permissions, selectors, services
from kindred.core.http import act, paginate


@login_required
def index(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.consents_given(request.user), 25)
    return render(
        request,
        "consents/index.html",
        {
            "page": page,
            "rows": selectors.rows(list(page.object_list)),
            "tab": "consents",
        },
    )


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    record = permissions.get_consent_for_user(request.user, pk)
    return act(
        request,
        lambda: services.withdraw(record, by=request.user),
        success=_(
            "Consent withdrawn. From now on, %(to)s no longer sees what you shared."
        )
        % {"to": record.to_name},
        then=reverse("consents:index"),
    )


@login_required
def access(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.access_log(request.user), 50)
    return render(request, "consents/access.html", {"page": page, "tab": "access"})
