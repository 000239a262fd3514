from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.core.errors import KindredError
from kindred.core.http import paginate
from kindred.notifications import selectors, services
from kindred.notifications.models import Delivery, Notification


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.notifications_for(request.user), per_page=30)  # type: ignore[arg-type]
    return render(
        request,
        "notifications/list.html",
        {"page": page, "days": selectors.group_by_day(list(page.object_list))},
    )


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The unread count in the navigation bar, refreshed by htmx."""
    return render(
        request,
        "notifications/_bell.html",
        {"unread_notifications": selectors.unread_count(request.user)},  # type: ignore[arg-type]
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(notification, by=request.user)  # type: ignore[arg-type]
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(by=request.user)  # type: ignore[arg-type]
    messages.success(
        request, _("%(count)d notifications marked as read.") % {"count": count}
    )
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    rows = selectors.preferences_of(request.user)  # type: ignore[arg-type]
    if request.method == "POST":
        # A kind left out of the form keeps its current choice.
        choices = {
            kind.key: request.POST.get(kind.key, current) for kind, current in rows
        }
        try:
            services.set_preferences(by=request.user, choices=choices)  # type: ignore[arg-type]
        except KindredError as error:
            messages.error(request, error.message)
            return render(
                request,
                "notifications/preferences.html",
                {"rows": rows, "deliveries": Delivery.choices},
                status=400,
            )
        messages.success(request, _("Your email choices are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "deliveries": Delivery.choices},
    )


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a session or token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop one kind of email, without logging in. GET asks; POST does it."""
    try:
        user, kind_key = services.read_unsubscribe_token(token)
    except KindredError as error:
        return render(
            request,
            "notifications/unsubscribe.html",
            {"error": error.message},
            status=400,
        )
    from kindred.notifications import kinds

    if kind_key in services.DIGESTS:
        label = (
            _("the daily digest")
            if kind_key.endswith("daily")
            else _("the weekly digest")
        )
        kind = kinds.Kind(kind_key, label)
    else:
        kind = kinds.get(kind_key)
    if request.method == "POST":
        services.unsubscribe(token)
        return render(
            request, "notifications/unsubscribe.html", {"kind": kind, "done": True}
        )
    return render(
        request, "notifications/unsubscribe.html", {"kind": kind, "token": token}
    )
