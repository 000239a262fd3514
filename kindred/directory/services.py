"""Writes for the directory: services, reviews, support plans, settings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kindred.accounts.models import LANGUAGE_NAMES, Stage, User
from kindred.accounts.permissions import require_steward
from kindred.core import audit
from kindred.core.errors import KindredError, NotAllowed, validate_model
from kindred.core.markdown import problems
from kindred.core.models import Region, Sector, Topic
from kindred.directory import selectors
from kindred.directory.models import (
    WEEKDAYS,
    DirectorySettings,
    Location,
    OrganisationRecord,
    PlanItem,
    Service,
    ServiceAtLocation,
    SupportPlan,
)
from kindred.notifications.services import notify, notify_many
from kindred.organisations import selectors as organisation_selectors
from kindred.organisations.models import Organisation
from kindred.organisations.permissions import require_org_admin
from kindred.webhooks.services import emit

EDITABLE_FIELDS = (
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "phone",
    "contact_name",
    "status",
    "is_programme",
    "stages",
    "min_employees",
    "max_employees",
    "eligibility_description",
    "cost",
    "fees_description",
    "delivery",
    "capacity",
    "wait_time",
    "response_days",
    "application_process",
    "languages",
    "opening_days",
    "opens_at",
    "closes_at",
    "schedule_notes",
)
NULLABLE = {"min_employees", "max_employees", "capacity", "opens_at", "closes_at"}
DAY_CODES = {code for code, _label in WEEKDAYS}


class DirectoryError(KindredError):
    pass


def _check(service: Service) -> None:
    found = problems(service.description)
    if found:
        raise DirectoryError(
            _("The description contains %(what)s, which is not allowed.")
            % {"what": ", ".join(found)},
            field="description",
        )
    if not service.description.strip():
        raise DirectoryError(_("Say what the service offers."), field="description")
    if not service.application_process.strip():
        raise DirectoryError(
            _("Say how a business can apply or get started."),
            field="application_process",
        )
    unknown = set(service.stages) - set(Stage.values)
    if unknown:
        raise DirectoryError(
            _("Unknown business stage: %(stage)s.")
            % {"stage": ", ".join(sorted(unknown))},
            field="stages",
        )
    bad_days = set(service.opening_days) - DAY_CODES
    if bad_days:
        raise DirectoryError(
            _("Unknown day: %(day)s.") % {"day": ", ".join(sorted(bad_days))},
            field="opening_days",
        )
    bad_languages = [c for c in service.languages if not _language_code(c)]
    if bad_languages:
        raise DirectoryError(
            _("“%(code)s” is not a language code such as en or cy.")
            % {"code": bad_languages[0]},
            field="languages",
        )
    if (
        service.min_employees is not None
        and service.max_employees is not None
        and service.min_employees > service.max_employees
    ):
        raise DirectoryError(
            _("The smallest business size is larger than the largest."),
            field="max_employees",
        )
    if service.opens_at and service.closes_at and service.opens_at >= service.closes_at:
        raise DirectoryError(
            _("The closing time must come after the opening time."), field="closes_at"
        )
    if service.cost == Service.Cost.PAID and not service.fees_description.strip():
        raise DirectoryError(
            _("Say what a paid service costs."), field="fees_description"
        )


def _language_code(code: str) -> bool:
    return code in LANGUAGE_NAMES or (len(code) in (2, 3) and code.isalpha())


def _apply(service: Service, fields: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS or (value is None and name not in NULLABLE):
            continue
        if name == "languages":
            value = [str(v).strip().lower() for v in value if str(v).strip()]
        if isinstance(value, str) and name not in ("description",):
            value = value.strip()
        setattr(service, name, value)
        changed.append(name)
    return changed


def _set_terms(
    service: Service,
    topics: Iterable[Topic] | None,
    sectors: Iterable[Sector] | None,
    regions: Iterable[Region] | None,
) -> list[str]:
    changed = []
    if topics is not None:
        topics = list(topics)
        retired = [t.name for t in topics if not t.is_active]
        current = (
            set(service.topics.values_list("pk", flat=True)) if service.pk else set()
        )
        if any(t.pk not in current for t in topics if not t.is_active):
            raise DirectoryError(
                _("“%(topic)s” is retired and cannot be chosen.")
                % {"topic": retired[0]},
                field="topics",
            )
        service.topics.set(topics)
        changed.append("topics")
    if sectors is not None:
        service.sectors.set(sectors)
        changed.append("sectors")
    if regions is not None:
        service.regions.set(regions)
        changed.append("regions")
    return changed


def _set_partners(
    service: Service, partners: Iterable[Organisation] | None
) -> list[str]:
    """Set the organisations that deliver `service` with its own organisation."""
    if partners is None:
        return []
    chosen = [o for o in partners if o.pk != service.organisation_id]
    if any(not o.is_active for o in chosen):
        raise DirectoryError(
            _("A hidden organisation cannot deliver a service."),
            field="co_delivered_by",
        )
    service.co_delivered_by.set(chosen)
    return ["co_delivered_by"]


LOCATION_PARTS = {"name": 200, "address_1": 200, "city": 100, "postal_code": 20}


def _set_location(service: Service, location: dict[str, str]) -> None:
    """Set the service's main place (the first of its locations), or remove it."""
    parts = {k: str(location.get(k) or "").strip() for k in LOCATION_PARTS}
    for key, limit in LOCATION_PARTS.items():
        if len(parts[key]) > limit:
            raise DirectoryError(
                _("Keep this under %(n)d characters.") % {"n": limit},
                field=f"location_{key}",
            )
    first = service.service_at_locations.select_related("location").first()
    if not any(parts.values()):
        if first is not None:
            first.delete()
        return
    if not (parts["address_1"] or parts["postal_code"]):
        raise DirectoryError(
            _("Give a street address or a postcode for the place."),
            field="location_address_1",
        )
    if first is None:
        place = Location.objects.create(organisation=service.organisation, **parts)
        ServiceAtLocation.objects.create(service=service, location=place)
        return
    place = first.location
    if place.service_at_locations.exclude(pk=first.pk).exists():
        # Other services meet here too: this one moves to a place of its own.
        place = Location.objects.create(organisation=service.organisation, **parts)
        first.location = place
        first.save(update_fields=["location"])
        return
    for key, value in parts.items():
        setattr(place, key, value)
    place.save()


def ensure_record(organisation: Organisation) -> OrganisationRecord:
    record, _created = OrganisationRecord.objects.get_or_create(
        organisation=organisation
    )
    return record


@transaction.atomic
def create_service(
    organisation: Organisation,
    *,
    by: User,
    topics: Iterable[Topic] = (),
    sectors: Iterable[Sector] = (),
    regions: Iterable[Region] = (),
    location: dict[str, str] | None = None,
    co_delivered_by: Iterable[Organisation] | None = None,
    **fields: Any,
) -> Service:
    """Publish a service for `organisation`; only its admins (or a steward) may.

    `location` (name, address_1, city, postal_code) is where it happens in person.
    """
    require_org_admin(by, organisation)
    service = Service(
        organisation=organisation, last_reviewed_by=by, last_reviewed_at=timezone.now()
    )
    _apply(service, fields)
    _check(service)
    validate_model(service, exclude=["organisation", "last_reviewed_by"])
    service.save()
    _set_terms(service, topics, sectors, regions)
    _set_partners(service, co_delivered_by)
    if location is not None:
        _set_location(service, location)
    ensure_record(organisation)
    audit.record("service.created", actor=by, target=service)
    _emit(service, "created")
    return service


@transaction.atomic
def update_service(
    service: Service,
    *,
    by: User,
    topics: Iterable[Topic] | None = None,
    sectors: Iterable[Sector] | None = None,
    regions: Iterable[Region] | None = None,
    location: dict[str, str] | None = None,
    co_delivered_by: Iterable[Organisation] | None = None,
    **fields: Any,
) -> Service:
    """Change a service. Saving it counts as checking it: it is marked reviewed.

    A `location` with every part empty removes the service's place.
    """
    require_org_admin(by, service.organisation)
    service = Service.objects.select_for_update(of=("self",)).get(pk=service.pk)
    changed = _apply(service, fields)
    _check(service)
    validate_model(service, exclude=["organisation", "last_reviewed_by"])
    service.last_reviewed_at = timezone.now()
    service.last_reviewed_by = by
    service.save()
    changed += _set_terms(service, topics, sectors, regions)
    changed += _set_partners(service, co_delivered_by)
    if location is not None:
        _set_location(service, location)
        changed.append("location")
    audit.record("service.updated", actor=by, target=service, fields=changed)
    _emit(service, "updated")
    return service


@transaction.atomic
def mark_reviewed(service: Service, *, by: User) -> Service:
    """Say the service's details were checked and are still right."""
    require_org_admin(by, service.organisation)
    Service.objects.filter(pk=service.pk).update(
        last_reviewed_at=timezone.now(), last_reviewed_by=by, updated_at=timezone.now()
    )
    service.refresh_from_db()
    audit.record("service.reviewed", actor=by, target=service)
    return service


@transaction.atomic
def delete_service(service: Service, *, by: User) -> None:
    require_org_admin(by, service.organisation)
    audit.record("service.deleted", actor=by, target=service, name=service.name)
    _emit(service, "deleted")
    service.delete()
    DirectorySettings.mark_changed()


def _emit(service: Service, change: str) -> None:
    emit(
        service.organisation,
        "service.published",
        {
            "change": change,
            "service": {
                "id": service.pk,
                "hsds_id": str(service.hsds_id),
                "name": service.name,
                "status": service.status,
            },
        },
    )


def flag_stale_services() -> int:
    """Tell each organisation's admins which of their services need a review.

    Runs weekly from the scheduler; returns how many organisations were told.
    """
    stale: dict[int, list[Service]] = {}
    for service in selectors.stale_services():
        stale.setdefault(service.organisation_id, []).append(service)
    told = 0
    for services in stale.values():
        organisation = services[0].organisation
        admins = organisation_selectors.admins_of(organisation)
        if not admins:
            continue
        notify_many(
            admins,
            kind="directory.services_stale",
            message=ngettext(
                "%(count)d service of %(org)s has not been checked for six months.",
                "%(count)d services of %(org)s have not been checked for six months.",
                len(services),
            )
            % {"count": len(services), "org": organisation.name},
            url=reverse("directory:organisation_services", args=[organisation.slug]),
        )
        told += 1
    return told


@transaction.atomic
def update_settings(*, by: User, public_search: bool) -> DirectorySettings:
    require_steward(by)
    settings = DirectorySettings.current()
    settings.public_search = public_search
    settings.save()
    audit.record(
        "directory.settings_changed",
        actor=by,
        target=settings,
        public_search=public_search,
    )
    return settings


# --- support plans ------------------------------------------------------------


@transaction.atomic
def save_plan(
    *,
    by: User,
    needs: selectors.Needs,
    suggestions: list[selectors.Suggestion] | None = None,
    title: str = "",
    owner: User | None = None,
) -> SupportPlan:
    """Run the navigator for `needs` and save its suggestions as a plan.

    An adviser may prepare a plan for a client (`owner`): the client owns it and
    it is shared with the adviser. The navigator runs as the client, so the plan
    names only people whose offers the client may see.
    """
    owner = owner or by
    if owner != by:
        if not selectors.is_adviser(by):
            raise NotAllowed(_("Only advisers can prepare a plan for someone else."))
        if not owner.is_active or owner.suspended_at:
            raise DirectoryError(
                _("That person cannot receive a plan."), field="client"
            )
    if suggestions is None:
        suggestions = selectors.navigate(owner, needs)
    if not suggestions:
        raise DirectoryError(
            _("The navigator found nothing to save; try other needs."), field="topics"
        )
    plan = SupportPlan.objects.create(
        owner=owner,
        prepared_by=by if owner != by else None,
        title=(title.strip() or _("My support plan"))[:120],
        needs=needs.as_json(),
    )
    PlanItem.objects.bulk_create(
        PlanItem(
            plan=plan,
            position=i,
            kind=s.kind,
            object_id=s.obj.pk,
            title=s.title[:200],
            url=s.url[:300],
            reason=s.reason[:300],
        )
        for i, s in enumerate(suggestions)
    )
    if owner != by:
        plan.shared_with.add(by)
        notify(
            owner,
            kind="directory.plan_shared",
            message=_("%(adviser)s prepared a support plan for you.")
            % {"adviser": by.profile.display_name},
            url=plan.get_absolute_url(),
            actor=by,
        )
    audit.record("plan.created", actor=by, target=plan, owner=owner.pk)
    return plan


def _require_owner(plan: SupportPlan, user: User) -> None:
    if plan.owner_id != user.pk:
        raise NotAllowed(_("Only the plan's owner can do this."))


@transaction.atomic
def set_item_done(item: PlanItem, *, by: User, done: bool) -> PlanItem:
    """Tick an item off (or untick it); the owner and advisers it is shared with may."""
    plan = item.plan
    if plan.owner_id != by.pk and not plan.shared_with.filter(pk=by.pk).exists():
        raise NotAllowed(_("You cannot change this plan."))
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done_at"])
    return item


@transaction.atomic
def share_plan(plan: SupportPlan, *, by: User, adviser: User) -> SupportPlan:
    _require_owner(plan, by)
    if adviser == by:
        raise DirectoryError(_("Choose someone other than yourself."), field="adviser")
    if not selectors.advisers().filter(pk=adviser.pk).exists():
        raise DirectoryError(
            _("You can share a plan only with an adviser of an organisation."),
            field="adviser",
        )
    plan.shared_with.add(adviser)
    notify(
        adviser,
        kind="directory.plan_shared",
        message=_("%(person)s shared their support plan with you.")
        % {"person": by.profile.display_name},
        url=plan.get_absolute_url(),
        actor=by,
    )
    audit.record("plan.shared", actor=by, target=plan, adviser=adviser.pk)
    return plan


@transaction.atomic
def unshare_plan(plan: SupportPlan, *, by: User, adviser: User) -> SupportPlan:
    """The owner stops sharing; an adviser may also take themselves off."""
    if plan.owner_id != by.pk and adviser != by:
        raise NotAllowed(_("Only the plan's owner can do this."))
    plan.shared_with.remove(adviser)
    audit.record("plan.unshared", actor=by, target=plan, adviser=adviser.pk)
    return plan


@transaction.atomic
def rename_plan(plan: SupportPlan, *, by: User, title: str) -> SupportPlan:
    _require_owner(plan, by)
    if not title.strip():
        raise DirectoryError(_("Give the plan a title."), field="title")
    plan.title = title.strip()[:120]
    plan.save(update_fields=["title", "updated_at"])
    return plan


@transaction.atomic
def delete_plan(plan: SupportPlan, *, by: User) -> None:
    _require_owner(plan, by)
    audit.record("plan.deleted", actor=by, target=plan)
    plan.delete()
