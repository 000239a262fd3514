"""Writes of the projects domain: one function per use case.

Each checks permission, changes the rows, writes the audit entry and tells the
people concerned (notifications go out after the transaction commits).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.core import audit
from kindred.core.errors import NotAllowed
from kindred.core.markdown import problems
from kindred.core.models import Region, Sector, Topic
from kindred.core.slugs import unique_slug
from kindred.notifications.services import notify, notify_many
from kindred.organisations.models import Organisation
from kindred.projects import permissions
from kindred.projects.errors import ProjectError, StateConflict
from kindred.projects.models import Business, Project, Role, Update, Volunteer

MAX_TOPICS = 10
MAX_ROLES = 20
MAX_PLACES = 50
RESERVED_SLUGS = {"new", "mine", "edit"}


@dataclass
class RoleInput:
    """A role as a form or the API gives it."""

    title: str
    description: str = ""
    places: int = 1
    topics: Sequence[Topic] = field(default_factory=list)


# --- validation helpers ---------------------------------------------------------------


def _text(
    value: str, *, field: str, limit: int, missing: str = "", optional: bool = False
) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        if optional:
            return ""
        raise ProjectError(missing, field=field)
    if "\x00" in cleaned:
        raise ProjectError(_("The text contains a NUL character."), field=field)
    if len(cleaned) > limit:
        raise ProjectError(
            _("Keep this under %(n)d characters.") % {"n": limit}, field=field
        )
    return cleaned


def _markdown(
    value: str, *, field: str, limit: int, missing: str = "", optional: bool = False
) -> str:
    text = _text(value, field=field, limit=limit, missing=missing, optional=optional)
    found = problems(text)
    if found:
        raise ProjectError(
            _("The text contains %(what)s, which is not allowed.")
            % {"what": ", ".join(found)},
            field=field,
        )
    return text


def _topics(topics: Iterable[Topic], *, field: str = "topics") -> list[Topic]:
    chosen = list(dict.fromkeys(topics))
    if len(chosen) > MAX_TOPICS:
        raise ProjectError(
            _("Choose at most %(n)d topics.") % {"n": MAX_TOPICS}, field=field
        )
    if any(not t.is_active for t in chosen):
        raise ProjectError(_("Choose only active topics."), field=field)
    return chosen


def _places(places: int) -> int:
    if not isinstance(places, int) or not (1 <= places <= MAX_PLACES):
        raise ProjectError(
            _("A role needs between 1 and %(n)d places.") % {"n": MAX_PLACES},
            field="places",
        )
    return places


def _require_member(by: User) -> None:
    if not by.is_authenticated or by.suspended_at is not None or not by.is_active:
        raise NotAllowed(_("Sign in to do this."))


def _managers(project: Project, *, besides: User | None = None) -> list[User]:
    """The owner and, for an organisation's project, its admins and practitioners."""
    people = {project.owner_id: project.owner}
    if project.organisation_id:
        for user in User.objects.filter(
            memberships__organisation_id=project.organisation_id,
            memberships__role__in=permissions.ACTING_ROLES,
            is_active=True,
        ):
            people[user.pk] = user
    return [u for pk, u in people.items() if besides is None or pk != besides.pk]


def _lock(project: Project) -> Project:
    locked = Project.objects.select_for_update().get(pk=project.pk)
    project.status = locked.status
    project.hidden = locked.hidden
    return locked


def _require_open(project: Project) -> None:
    if project.status != Project.Status.OPEN:
        raise StateConflict(_("This project is closed."))
    if project.hidden:
        raise StateConflict(_("This project is hidden by a steward."))


def _role_fields(role: RoleInput, *, index: int | None = None) -> dict:
    prefix = "" if index is None else f"roles.{index}."
    return {
        "title": _text(
            role.title,
            field=f"{prefix}title",
            limit=120,
            missing=_("Name the role, e.g. “copywriter”."),
        ),
        "description": _markdown(
            role.description, field=f"{prefix}description", limit=2000, optional=True
        ),
        "places": _places(role.places),
    }


# --- projects -------------------------------------------------------------------------


@transaction.atomic
def create_project(
    *,
    by: User,
    title: str,
    description: str,
    topics: Sequence[Topic] = (),
    organisation: Organisation | None = None,
    roles: Sequence[RoleInput] = (),
) -> Project:
    """Post a project with its open roles.

    With `organisation`, `by` must be one of its admins or practitioners.
    """
    _require_member(by)
    title = _text(title, field="title", limit=160, missing=_("Give it a title."))
    description = _markdown(
        description,
        field="description",
        limit=8000,
        missing=_("Say what the project is and why it matters."),
    )
    chosen = _topics(topics)
    if organisation is not None and not permissions.can_act_for(by, organisation):
        raise NotAllowed(
            _("Only admins and practitioners of %(org)s can post for it.")
            % {"org": organisation}
        )
    if len(roles) > MAX_ROLES:
        raise ProjectError(
            _("A project has at most %(n)d roles.") % {"n": MAX_ROLES}, field="roles"
        )
    role_rows = [
        (_role_fields(r, index=i), _topics(r.topics)) for i, r in enumerate(roles)
    ]
    project = Project.objects.create(
        owner=by, organisation=organisation, title=title, description=description
    )
    project.topics.set(chosen)
    for fields, role_topics in role_rows:
        role = Role.objects.create(project=project, **fields)
        role.topics.set(role_topics)
    audit.record("project.created", actor=by, target=project, roles=len(role_rows))
    return project


@transaction.atomic
def update_project(
    project: Project,
    *,
    by: User,
    title: str | None = None,
    description: str | None = None,
    topics: Sequence[Topic] | None = None,
) -> Project:
    """Change a project's title, description or topics (the people running it)."""
    permissions.require_manager(by, project)
    changed: list[str] = []
    if title is not None:
        project.title = _text(
            title, field="title", limit=160, missing=_("Give it a title.")
        )
        changed.append("title")
    if description is not None:
        project.description = _markdown(
            description,
            field="description",
            limit=8000,
            missing=_("Say what the project is and why it matters."),
        )
        changed.append("description")
    if topics is not None:
        project.topics.set(_topics(topics))
    project.updated_at = timezone.now()
    project.save(update_fields=[*changed, "updated_at"])
    audit.record("project.updated", actor=by, target=project, fields=changed)
    return project


@transaction.atomic
def close_project(project: Project, *, by: User) -> Project:
    """Close a project: no more volunteering; the team keeps its updates."""
    permissions.require_manager(by, project)
    _lock(project)
    if project.status == Project.Status.CLOSED:
        raise StateConflict(_("This project is already closed."))
    project.status = Project.Status.CLOSED
    project.closed_at = timezone.now()
    project.save(update_fields=["status", "closed_at"])
    pending = Volunteer.objects.filter(
        role__project=project, status=Volunteer.Status.PENDING
    ).select_related("user")
    people = [v.user for v in pending]
    pending.update(status=Volunteer.Status.DECLINED, decided_at=timezone.now())
    if people:
        notify_many(
            people,
            kind="projects.decided",
            message=_("“%(title)s” closed before your offer was answered.")
            % {"title": project.title},
            url=project.get_absolute_url(),
            actor=by,
        )
    audit.record("project.closed", actor=by, target=project)
    return project


@transaction.atomic
def add_role(project: Project, *, by: User, role: RoleInput) -> Role:
    permissions.require_manager(by, project)
    _lock(project)
    _require_open(project)
    if project.roles.count() >= MAX_ROLES:
        raise ProjectError(
            _("A project has at most %(n)d roles.") % {"n": MAX_ROLES}, field="roles"
        )
    created = Role.objects.create(project=project, **_role_fields(role))
    created.topics.set(_topics(role.topics))
    audit.record("project.role_added", actor=by, target=project, role=created.pk)
    return created


@transaction.atomic
def update_role(role: Role, *, by: User, changes: RoleInput) -> Role:
    permissions.require_manager(by, role.project)
    fields = _role_fields(changes)
    accepted = role.volunteers.filter(status=Volunteer.Status.ACCEPTED).count()
    if fields["places"] < accepted:
        raise ProjectError(
            _("%(n)d people are already accepted for this role.") % {"n": accepted},
            field="places",
        )
    for name, value in fields.items():
        setattr(role, name, value)
    role.save(update_fields=list(fields))
    role.topics.set(_topics(changes.topics))
    audit.record("project.role_updated", actor=by, target=role.project, role=role.pk)
    return role


# --- volunteering ---------------------------------------------------------------------


@transaction.atomic
def volunteer_for(role: Role, *, by: User, message: str = "") -> Volunteer:
    """Offer to take `role`; the people running the project are told."""
    _require_member(by)
    project = role.project
    _lock(project)
    if not permissions.can_see_project(by, project):
        raise NotAllowed(_("You cannot volunteer for this project."))
    _require_open(project)
    if permissions.can_manage(by, project):
        raise ProjectError(_("You run this project: you cannot volunteer for it."))
    message = _text(message, field="message", limit=1000, optional=True)
    existing = Volunteer.objects.filter(role=role, user=by).first()
    if existing is not None:
        if existing.status != Volunteer.Status.WITHDRAWN:
            raise StateConflict(_("You already volunteered for this role."))
        existing.status = Volunteer.Status.PENDING
        existing.message = message
        existing.decided_at = None
        existing.decided_by = None
        existing.save(update_fields=["status", "message", "decided_at", "decided_by"])
        offer = existing
    else:
        try:
            with transaction.atomic():
                offer = Volunteer.objects.create(role=role, user=by, message=message)
        except IntegrityError:
            raise StateConflict(_("You already volunteered for this role.")) from None
    notify_many(
        _managers(project, besides=by),
        kind="projects.volunteered",
        message=_("%(person)s volunteers as %(role)s on “%(title)s”.")
        % {"person": by, "role": role.title, "title": project.title},
        url=project.get_absolute_url(),
        actor=by,
    )
    audit.record("project.volunteered", actor=by, target=project, role=role.pk)
    return offer


@transaction.atomic
def decide_volunteer(volunteer: Volunteer, *, by: User, accept: bool) -> Volunteer:
    """Accept or decline a pending volunteer; accepting respects the role's places."""
    role = volunteer.role
    project = role.project
    permissions.require_manager(by, project)
    _lock(project)
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if locked.status != Volunteer.Status.PENDING:
        raise StateConflict(_("This offer has already been answered."))
    if accept:
        _require_open(project)
        taken = role.volunteers.filter(status=Volunteer.Status.ACCEPTED).count()
        if taken >= role.places:
            raise StateConflict(
                _("All %(n)d places of this role are taken.") % {"n": role.places}
            )
    volunteer.status = (
        Volunteer.Status.ACCEPTED if accept else Volunteer.Status.DECLINED
    )
    volunteer.decided_by = by
    volunteer.decided_at = timezone.now()
    volunteer.save(update_fields=["status", "decided_by", "decided_at"])
    message = (
        _("You are on the team of “%(title)s” as %(role)s; you can read its updates.")
        if accept
        else _("Your offer to help “%(title)s” as %(role)s was declined, with thanks.")
    )
    notify(
        volunteer.user,
        kind="projects.decided",
        message=message % {"title": project.title, "role": role.title},
        url=project.get_absolute_url(),
        actor=by,
    )
    audit.record(
        "project.volunteer_accepted" if accept else "project.volunteer_declined",
        actor=by,
        target=project,
        volunteer=volunteer.pk,
    )
    return volunteer


@transaction.atomic
def withdraw_volunteer(volunteer: Volunteer, *, by: User) -> Volunteer:
    """The volunteer steps back from a role (pending or accepted)."""
    if not by.is_authenticated or volunteer.user_id != by.pk:
        raise NotAllowed(_("Only the volunteer can withdraw."))
    if volunteer.status not in (Volunteer.Status.PENDING, Volunteer.Status.ACCEPTED):
        raise StateConflict(_("There is nothing to withdraw."))
    volunteer.status = Volunteer.Status.WITHDRAWN
    volunteer.save(update_fields=["status"])
    audit.record(
        "project.volunteer_withdrew",
        actor=by,
        target=volunteer.role.project,
        volunteer=volunteer.pk,
    )
    return volunteer


# --- updates --------------------------------------------------------------------------


@transaction.atomic
def post_update(project: Project, *, by: User, body: str) -> Update:
    """Post news to the team; accepted volunteers are told."""
    permissions.require_manager(by, project)
    body = _markdown(body, field="body", limit=8000, missing=_("Write the update."))
    update = Update.objects.create(project=project, author=by, body=body)
    team = User.objects.filter(
        project_volunteering__role__project=project,
        project_volunteering__status=Volunteer.Status.ACCEPTED,
        is_active=True,
    ).distinct()
    recipients = [u for u in team if u.pk != by.pk]
    recipients += _managers(project, besides=by)
    notify_many(
        {u.pk: u for u in recipients}.values(),
        kind="projects.update",
        message=_("New update on “%(title)s”.") % {"title": project.title},
        url=project.get_absolute_url() + "#updates",
        actor=by,
    )
    audit.record("project.update_posted", actor=by, target=project, update=update.pk)
    return update


# --- moderation hooks (registered in apps.py) -----------------------------------------


def hide_project(project: Project, by: User) -> None:
    project.hidden = True
    project.save(update_fields=["hidden"])


def restore_project(project: Project, by: User) -> None:
    project.hidden = False
    project.save(update_fields=["hidden"])


# --- businesses -----------------------------------------------------------------------


def _business_fields(
    *,
    name: str,
    summary: str,
    offers: str,
    member_offer: str,
    website: str,
) -> dict:
    website = _text(website, field="website", limit=300, optional=True)
    if website and not website.lower().startswith(("http://", "https://")):
        raise ProjectError(
            _("Give the full address, starting with https://."), field="website"
        )
    return {
        "name": _text(name, field="name", limit=160, missing=_("Give its name.")),
        "summary": _text(
            summary,
            field="summary",
            limit=300,
            missing=_("Say in a sentence what the business does."),
        ),
        "offers": _markdown(offers, field="offers", limit=8000, optional=True),
        "member_offer": _text(
            member_offer, field="member_offer", limit=300, optional=True
        ),
        "website": website,
    }


@transaction.atomic
def create_business(
    *,
    by: User,
    name: str,
    summary: str,
    offers: str = "",
    member_offer: str = "",
    sector: Sector | None = None,
    region: Region | None = None,
    website: str = "",
    topics: Sequence[Topic] = (),
) -> Business:
    """List a business the member owns in the business-to-business directory."""
    _require_member(by)
    fields = _business_fields(
        name=name,
        summary=summary,
        offers=offers,
        member_offer=member_offer,
        website=website,
    )
    chosen = _topics(topics)
    business = Business.objects.create(
        owner=by,
        slug=unique_slug(
            Business, fields["name"], fallback="business", reserved=RESERVED_SLUGS
        ),
        sector=sector,
        region=region,
        **fields,
    )
    business.topics.set(chosen)
    audit.record("business.created", actor=by, target=business)
    return business


@transaction.atomic
def update_business(
    business: Business,
    *,
    by: User,
    name: str,
    summary: str,
    offers: str = "",
    member_offer: str = "",
    sector: Sector | None = None,
    region: Region | None = None,
    website: str = "",
    topics: Sequence[Topic] = (),
    is_active: bool = True,
) -> Business:
    """Change the owner's business page (the web address stays the same)."""
    permissions.require_business_owner(by, business)
    fields = _business_fields(
        name=name,
        summary=summary,
        offers=offers,
        member_offer=member_offer,
        website=website,
    )
    for name_, value in fields.items():
        setattr(business, name_, value)
    business.sector = sector
    business.region = region
    business.is_active = is_active
    business.updated_at = timezone.now()
    business.save()
    business.topics.set(_topics(topics))
    audit.record("business.updated", actor=by, target=business)
    return business
