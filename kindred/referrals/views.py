"""Pages for referrals: the lists, referring, one referral, its log, the report."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.accounts.models import Profile, User
from kindred.accounts.permissions import is_steward
from kindred.algorithms import referral_flow as flow
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import add_error, paginate
from kindred.directory.models import Service
from kindred.organisations.models import Organisation
from kindred.organisations.permissions import get_organisation_for_user
from kindred.referrals import selectors, services
from kindred.referrals.forms import (
    ConsentAnswerForm,
    MessageForm,
    MoveForm,
    OutcomeForm,
    ReferralForm,
    ReportForm,
    SelfReferralForm,
)
from kindred.referrals.models import Outcome, Referral

BOX_TITLES = {
    "received": _("Received"),
    "sent": _("Sent"),
    "mine": _("About me"),
}


@login_required
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    practitioner = selectors.is_practitioner(user)
    default = "received" if practitioner else "mine"
    name = request.GET.get("box", default)
    if name not in selectors.BOXES:
        name = default
    status = request.GET.get("status", "")
    if status not in ("", "open", *Referral.Status.values):
        status = ""
    if request.GET.get("format") == "csv":
        return _export(user, name, selectors.box(user, name, status=status))
    # Page through ids (read from an index, counted up to a cap), then load the
    # twenty rows shown: the cost does not grow with an organisation's referrals.
    ids = selectors.box_rows(user, name, status=status).values_list("pk", flat=True)
    page = paginate(request, ids, 20, cap=LIST_COUNT_CAP)
    return render(
        request,
        "referrals/list.html",
        {
            "box": name,
            "boxes": [
                (b, BOX_TITLES[b])
                for b in selectors.BOXES
                if practitioner or b == "mine"
            ],
            "status": status,
            "statuses": Referral.Status.choices,
            "page": page,
            "rows": selectors.rows_by_id(list(page.object_list)),
            "count_capped": page.paginator.capped,  # type: ignore[attr-defined]
            "counts": selectors.box_counts(user),
            "practitioner": practitioner,
            "now": timezone.now(),
        },
    )


EXPORT_LIMIT = 10_000
LIST_COUNT_CAP = 1000


def _cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _export(user: User, name: str, referrals: Any) -> HttpResponse:
    """The list as CSV, at most 10,000 rows; every exported referral is logged."""
    rows = list(referrals[:EXPORT_LIMIT])
    party = {"received": flow.RECEIVER, "sent": flow.REFERRER}.get(
        name, flow.ENTREPRENEUR
    )
    services.record_export(rows, by=user, party=party)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="referrals-{name}-{timezone.localdate()}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "id",
            "status",
            "service",
            "receiving_organisation",
            "referring_organisation",
            "entrepreneur",
            "created_at",
            "sent_at",
            "first_response_at",
            "finished_at",
            "reason",
        ]
    )
    for referral in rows:
        shared = name != "received" or (
            selectors.receiver_may_see_details(referral)
            and "name" in referral.consent.fields
        )
        writer.writerow(
            _cell(value)
            for value in [
                referral.pk,
                referral.status,
                referral.service_name,
                referral.receiving_organisation.name,
                referral.referring_organisation.name
                if referral.referring_organisation
                else "",
                referral.entrepreneur.profile.display_name if shared else "",
                referral.created_at.isoformat(),
                referral.sent_at.isoformat() if referral.sent_at else "",
                referral.first_response_at.isoformat()
                if referral.first_response_at
                else "",
                referral.finished_at.isoformat() if referral.finished_at else "",
                referral.reason,
            ]
        )
    return response


def _target(request: HttpRequest) -> dict[str, Any]:
    """What is being referred to, from ?service= / ?organisation= / ?person=."""
    source = request.POST if request.method == "POST" else request.GET
    if source.get("service"):
        service = Service.objects.filter(
            pk=_int(source["service"]), status=Service.Status.ACTIVE
        ).select_related("organisation")
        found = service.first()
        if found is None:
            raise Http404(_("No such service."))
        return {"service": found}
    if source.get("organisation"):
        organisation = Organisation.objects.filter(
            slug=source["organisation"], is_active=True
        ).first()
        if organisation is None:
            raise Http404(_("No such organisation."))
        return {"organisation": organisation}
    if source.get("person"):
        profile = (
            Profile.objects.listed()
            .filter(pk=_int(source["person"]))
            .select_related("user")
            .first()
        )
        if profile is None or not selectors.is_practitioner(profile.user):
            raise Http404(_("No such practitioner."))
        return {"person": profile.user}
    raise Http404(_("Choose a service, an organisation or a practitioner first."))


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    """Refer someone (practitioners), or ask for a service yourself (?self=1)."""
    user: User = request.user  # type: ignore[assignment]
    target = _target(request)
    self_referral = (request.GET.get("self") or request.POST.get("self")) == "1"
    organisations = selectors.staff_organisations(user)
    if not self_referral and not organisations.exists():
        if "service" in target:
            self_referral = True
        else:
            raise PermissionDenied(
                _("Only practitioners of an organisation can refer others.")
            )
    if self_referral and "service" not in target:
        raise Http404(_("You can ask for a service."))
    form: SelfReferralForm | ReferralForm
    if self_referral:
        form = SelfReferralForm(request.POST or None)
    else:
        form = ReferralForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if self_referral:
                entrepreneur = user
            else:
                entrepreneur = User.objects.filter(
                    email__iexact=data["entrepreneur_email"], is_active=True
                ).first()
                if entrepreneur is None:
                    raise services.ReferralError(
                        _("Nobody with this email address is on Kindred."),
                        field="entrepreneur_email",
                    )
            referral = services.create_referral(
                by=user,
                entrepreneur=entrepreneur,
                consent=form.consent(),
                from_organisation=data.get("from_organisation"),
                note=data.get("note", ""),
                wellbeing_note=data.get("wellbeing_note", ""),
                client_token=data["client_token"],
                **target,
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            if error.field == "entrepreneur":
                error.field = "entrepreneur_email"
            add_error(form, error)
        else:
            if referral.status == Referral.Status.DRAFT:
                messages.success(
                    request,
                    _(
                        "We asked %(person)s for consent; the referral is sent as "
                        "soon as they agree."
                    )
                    % {"person": referral.entrepreneur.profile.display_name},
                )
            else:
                messages.success(request, _("The referral is sent."))
            return redirect(referral)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "referrals/new.html",
        {"form": form, "self_referral": self_referral, **target},
        status=status,
    )


def _referral(request: HttpRequest, pk: int) -> Referral:
    referral = selectors.visible_referral(request.user, pk)  # type: ignore[arg-type]
    if referral is None:
        raise Http404(_("No such referral."))
    return referral


@login_required
@require_GET
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    referral = _referral(request, pk)
    parties = selectors.parties_of(user, referral)
    services.record_view(referral, by=user)
    return _detail_page(request, referral, parties)


def _detail_page(
    request: HttpRequest,
    referral: Referral,
    parties: set[str],
    *,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    receiver_only = parties == {flow.RECEIVER}
    details_allowed = selectors.receiver_may_see_details(referral)
    consent = selectors.consent_of(referral)
    moves = services.allowed_moves(user, referral)
    is_admin = bool(
        set(selectors.admin_organisation_ids(user))
        & {referral.receiving_organisation_id, referral.referring_organisation_id}
    )
    context = {
        "referral": referral,
        "parties": parties,
        "is_entrepreneur": flow.ENTREPRENEUR in parties,
        "is_receiver": flow.RECEIVER in parties,
        "is_referrer": flow.REFERRER in parties,
        "redacted": receiver_only and not details_allowed,
        "shared": selectors.shared_details(referral)
        if (flow.RECEIVER in parties)
        else None,
        "consent": consent,
        "events": selectors.mask_entrepreneur(
            referral.events.select_related("by__profile"),
            user,
            field="by",
            referral=referral,
        ),
        "thread": selectors.mask_entrepreneur(
            selectors.thread_for(referral, parties),
            user,
            field="author",
            referral=referral,
        ),
        "outcomes": referral.outcomes.select_related("recorded_for"),
        "moves": moves,
        "move_labels": {m: Referral.Status(m).label for m in moves},
        "message_form": forms.get("message_form") or MessageForm(),
        "outcome_form": forms.get("outcome_form") or OutcomeForm(),
        "move_form": forms.get("move_form"),
        "consent_form": ConsentAnswerForm(
            initial={"fields": consent.fields if consent else []}
        ),
        "can_post": bool(parties) and not (receiver_only and not details_allowed),
        "can_record_outcome": referral.status == flow.COMPLETED
        and bool(parties & {flow.RECEIVER, flow.REFERRER})
        and not (receiver_only and not details_allowed),
        "show_log": flow.ENTREPRENEUR in parties or is_admin,
        "log": selectors.mask_entrepreneur(
            selectors.log_for(referral)[:50], user, field="actor", referral=referral
        )
        if (flow.ENTREPRENEUR in parties or is_admin)
        else [],
        "decline_reasons": [(r.value, r.label) for r in services.DECLINE_REASONS],
        "close_reasons": [(r.value, r.label) for r in services.CLOSE_REASONS],
        "outcome_kinds": Outcome.Kind.choices,
        "redirect_services": Service.objects.filter(status=Service.Status.ACTIVE)
        .exclude(organisation_id=referral.receiving_organisation_id)
        .select_related("organisation")
        .order_by("organisation__name", "name")[:300]
        if flow.REDIRECTED in moves
        else [],
    }
    return render(request, "referrals/detail.html", context, status=status)


def _refuse_or_show(
    request: HttpRequest, referral: Referral, error: KindredError, **forms: Any
) -> HttpResponse:
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)
    parties = selectors.parties_of(request.user, referral)  # type: ignore[arg-type]
    status = error.status_code if error.status_code in (400, 409) else 400
    return _detail_page(request, referral, parties, status=status, **forms)


@login_required
@require_POST
def referral_move(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the form: some answers are not valid."))
        return _detail_page(
            request,
            referral,
            selectors.parties_of(request.user, referral),  # type: ignore[arg-type]
            status=400,
            move_form=form,
        )
    data = form.cleaned_data
    redirect_to = None
    if data.get("redirect_to"):
        redirect_to = Service.objects.filter(
            pk=data["redirect_to"], status=Service.Status.ACTIVE
        ).first()
    outcome = None
    if data.get("outcome"):
        outcome = services.OutcomeInput(
            kind=data["outcome"], amount=data.get("amount"), number=data.get("number")
        )
    try:
        services.transition(
            referral,
            by=request.user,  # type: ignore[arg-type]
            to=data["to"],
            reason=data.get("reason", ""),
            note=data.get("note", ""),
            redirect_to=redirect_to,
            outcome=outcome,
        )
    except KindredError as error:
        return _refuse_or_show(request, referral, error, move_form=form)
    messages.success(
        request,
        _("The referral is now “%(status)s”.")
        % {"status": Referral.Status(data["to"]).label},
    )
    return redirect(referral)


@login_required
@require_POST
def referral_message(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.post_message(
                referral,
                by=request.user,  # type: ignore[arg-type]
                body=form.cleaned_data["body"],
                audience=form.cleaned_data["audience"],
            )
        except KindredError as error:
            if isinstance(error, NotAllowed):
                raise PermissionDenied(error.message) from None
            add_error(form, error)
        else:
            return redirect(referral.get_absolute_url() + "#thread")
    return _detail_page(
        request,
        referral,
        selectors.parties_of(request.user, referral),  # type: ignore[arg-type]
        status=400,
        message_form=form,
    )


@login_required
@require_POST
def referral_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_outcome(
                referral,
                by=request.user,  # type: ignore[arg-type]
                outcome=services.OutcomeInput(
                    kind=data["kind"],
                    amount=data.get("amount"),
                    number=data.get("number"),
                    note=data.get("note", ""),
                ),
            )
        except KindredError as error:
            if isinstance(error, NotAllowed):
                raise PermissionDenied(error.message) from None
            add_error(form, error)
        else:
            messages.success(request, _("The outcome is recorded."))
            return redirect(referral.get_absolute_url() + "#outcomes")
    return _detail_page(
        request,
        referral,
        selectors.parties_of(request.user, referral),  # type: ignore[arg-type]
        status=400,
        outcome_form=form,
    )


@login_required
@require_POST
def outcome_confirm(request: HttpRequest, pk: int, outcome: int) -> HttpResponse:
    referral = _referral(request, pk)
    row = get_object_or_404(Outcome, referral=referral, pk=outcome)
    try:
        row = services.confirm_outcome(row, by=request.user)  # type: ignore[arg-type]
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    story = getattr(row, "drafted_story", None)
    if story is not None:
        messages.success(
            request,
            _(
                "Thank you for confirming. Here is the success story we drafted: "
                "approve it, edit it or decline it."
            ),
        )
        return redirect(story)
    messages.success(
        request,
        _("Thank you for confirming.")
        + (
            " " + _("We drafted a success story; you decide whether it is published.")
            if row.is_positive
            else ""
        ),
    )
    return redirect(referral.get_absolute_url() + "#outcomes")


@login_required
@require_POST
def consent_answer(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    form = ConsentAnswerForm(request.POST)
    form.is_valid()
    decision = request.POST.get("decision")
    if decision not in ("give", "decline"):
        messages.error(request, _("Choose whether you agree or not."))
        return _detail_page(
            request,
            referral,
            selectors.parties_of(request.user, referral),  # type: ignore[arg-type]
            status=400,
        )
    give = decision == "give"
    try:
        services.answer_consent(
            referral,
            by=request.user,  # type: ignore[arg-type]
            give=give,
            fields=list(form.cleaned_data.get("fields") or []) or None,
        )
    except KindredError as error:
        return _refuse_or_show(request, referral, error)
    messages.success(
        request,
        _("Thank you: the referral is sent.")
        if give
        else _("Understood: nothing was shared and the referral is withdrawn."),
    )
    return redirect(referral)


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    try:
        services.withdraw_consent(referral, by=request.user)  # type: ignore[arg-type]
    except KindredError as error:
        return _refuse_or_show(request, referral, error)
    messages.success(
        request,
        _("Your consent is withdrawn: the receiver no longer sees your details."),
    )
    return redirect(referral)


@login_required
@require_GET
def organisation_log(request: HttpRequest, slug: str) -> HttpResponse:
    """Who looked at or changed the organisation's referrals (its admins)."""
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    if organisation.pk not in selectors.admin_organisation_ids(request.user):  # type: ignore[arg-type]
        raise PermissionDenied(_("Only the organisation's admins see this log."))
    page = paginate(request, selectors.organisation_log(organisation), 50)
    entries = selectors.mask_entrepreneur(
        page.object_list,
        request.user,  # type: ignore[arg-type]
        field="actor",
    )
    return render(
        request,
        "referrals/organisation_log.html",
        {"organisation": organisation, "page": page, "entries": entries},
    )


def _report_choices(user: User) -> list[tuple[str, str]]:
    choices = [(o.slug, o.name) for o in selectors.staff_organisations(user)]
    if is_steward(user):
        choices.insert(0, ("", _("The whole ecosystem")))
    return choices


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The referral funnel of one of your organisations (stewards: everyone)."""
    user: User = request.user  # type: ignore[assignment]
    choices = _report_choices(user)
    if not choices:
        raise PermissionDenied(
            _("Reports are for practitioners of an organisation and stewards.")
        )
    data = request.GET.copy()
    if "organisation" not in data:
        data["organisation"] = choices[0][0]
    form = ReportForm(data, choices=choices)
    if form.is_valid():
        # Show the period used, defaults included, in the date fields.
        data["start"] = form.cleaned_data["start"].isoformat()
        data["end"] = form.cleaned_data["end"].isoformat()
        form = ReportForm(data, choices=choices)
    if not form.is_valid():
        return render(
            request, "referrals/report.html", {"form": form, "funnel": None}, status=400
        )
    slug = form.cleaned_data["organisation"]
    if not slug and not is_steward(user):
        raise PermissionDenied(_("Only stewards see the whole ecosystem."))
    organisation = Organisation.objects.get(slug=slug) if slug else None
    funnel = selectors.funnel(
        organisation, form.cleaned_data["start"], form.cleaned_data["end"]
    )
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = slug or "ecosystem"
        response["Content-Disposition"] = (
            f'attachment; filename="referrals-{name}-{funnel.start}-{funnel.end}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(["measure", "value"])
        writer.writerows(selectors.report_rows(funnel))
        return response
    chart = {
        "funnel": {
            "labels": [
                _("Received"),
                _("Accepted"),
                _("Completed"),
            ],
            "values": [funnel.received, funnel.accepted, funnel.completed],
        },
        "months": {
            "labels": [m for m, _s, _r in funnel.by_month],
            "sent": [s for _m, s, _r in funnel.by_month],
            "received": [r for _m, _s, r in funnel.by_month],
            "sent_label": _("Sent"),
            "received_label": _("Received"),
        },
    }
    return render(
        request,
        "referrals/report.html",
        {
            "form": form,
            "funnel": funnel,
            "organisation": organisation,
            "chart": chart,
            "csv_query": request.GET.urlencode(),
        },
    )
