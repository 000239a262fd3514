"""Writes for organisations: one function per use case."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import require_steward
from kindred.core import audit
from kindred.core.email import send_after_commit
from kindred.core.errors import KindredError, NotAllowed, validate_model
from kindred.core.images import normalise_image
from kindred.core.markdown import problems
from kindred.core.models import Region
from kindred.core.slugs import unique_slug
from kindred.notifications.services import notify, notify_many
from kindred.organisations.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    Role,
)
from kindred.organisations.permissions import require_org_admin
from kindred.webhooks.services import emit

EDITABLE_FIELDS = ("name", "kind", "summary", "description", "website", "email", "logo")


RESERVED_SLUGS = {"new", "invitations"}


class OrganisationError(KindredError):
    pass


def _normalised_logo(upload: Any) -> Any:
    return normalise_image(upload, field="logo") if upload else None


def _check_description(description: str) -> None:
    found = problems(description)
    if found:
        raise OrganisationError(
            _("The description contains %(what)s, which is not allowed.")
            % {"what": ", ".join(found)},
            field="description",
        )


@transaction.atomic
def create_organisation(
    *, by: User, name: str, kind: str, regions: Iterable[Region] = (), **fields: Any
) -> Organisation:
    """Create an organisation page; its creator becomes its first admin."""
    if Organisation.objects.filter(name__iexact=name.strip()).exists():
        raise OrganisationError(
            _("An organisation called “%(name)s” already exists.") % {"name": name},
            field="name",
        )
    _check_description(fields.get("description", ""))
    logo = _normalised_logo(fields.pop("logo", None))
    organisation = Organisation(
        name=name.strip(),
        kind=kind,
        slug=unique_slug(
            Organisation, name, fallback="organisation", reserved=RESERVED_SLUGS
        ),
        created_by=by,
    )
    for field, value in fields.items():
        if field in EDITABLE_FIELDS and value is not None:
            setattr(organisation, field, value)
    validate_model(organisation, exclude=["logo"])
    if logo is not None:
        organisation.logo.save(logo.name, logo, save=False)
    organisation.save()
    organisation.regions.set(regions)
    Membership.objects.create(organisation=organisation, user=by, role=Role.ADMIN)
    audit.record("organisation.created", actor=by, target=organisation)
    return organisation


@transaction.atomic
def update_organisation(
    organisation: Organisation,
    *,
    by: User,
    regions: Iterable[Region] | None = None,
    **fields: Any,
) -> Organisation:
    """Change an organisation's page. Only its admins (or a steward) may."""
    require_org_admin(by, organisation)
    if "description" in fields:
        _check_description(fields["description"])
    name = fields.get("name")
    if (
        name
        and Organisation.objects.filter(name__iexact=name.strip())
        .exclude(pk=organisation.pk)
        .exists()
    ):
        raise OrganisationError(
            _("An organisation called “%(name)s” already exists.") % {"name": name},
            field="name",
        )
    logo = _normalised_logo(fields.pop("logo", None))
    changed = []
    for field, value in fields.items():
        if field in EDITABLE_FIELDS and value is not None:
            setattr(organisation, field, value)
            changed.append(field)
    validate_model(organisation, exclude=["logo"])
    if logo is not None:
        organisation.logo.save(logo.name, logo, save=False)
        changed.append("logo")
    organisation.save()
    if regions is not None:
        organisation.regions.set(regions)
        changed.append("regions")
    audit.record("organisation.updated", actor=by, target=organisation, fields=changed)
    return organisation


@transaction.atomic
def invite_member(
    organisation: Organisation, *, by: User, email: str, role: str = Role.PRACTITIONER
) -> Invitation:
    """Invite someone by email to join `organisation` with `role`.

    Re-inviting an address with a pending invitation sends it again.
    """
    require_org_admin(by, organisation)
    email = email.strip().lower()
    if Membership.objects.filter(
        organisation=organisation, user__email__iexact=email
    ).exists():
        raise OrganisationError(
            _("%(email)s is already a member of %(org)s.")
            % {"email": email, "org": organisation},
            field="email",
        )
    invitation = Invitation.objects.filter(
        organisation=organisation, email__iexact=email, status=Invitation.Status.PENDING
    ).first()
    if invitation is None:
        invitation = Invitation(organisation=organisation, email=email)
    invitation.role = role
    invitation.invited_by = by
    invitation.expires_at = timezone.now() + timezone.timedelta(days=14)
    validate_model(invitation)
    invitation.save()
    audit.record("invitation.sent", actor=by, target=invitation, email=email, role=role)
    path = reverse("organisations:invitation", args=[invitation.token])
    invitee = User.objects.filter(email__iexact=email, is_active=True).first()
    if invitee is not None:
        # A member hears of it where they hear of everything, as they chose.
        notify(
            invitee,
            kind="organisation.invited",
            actor=by,
            message=_("%(person)s invites you to join %(org)s as %(role)s.")
            % {"person": by, "org": organisation, "role": Role(role).label},
            url=path,
        )
    else:
        send_after_commit(
            to=email,
            subject=_("You are invited to join %(org)s") % {"org": organisation},
            template="organisations/email/invitation",
            context={"invitation": invitation, "inviter": by, "path": path},
        )
    return invitation


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, by: User) -> None:
    require_org_admin(by, invitation.organisation)
    if invitation.status != Invitation.Status.PENDING:
        raise OrganisationError(_("This invitation is no longer pending."))
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    audit.record("invitation.revoked", actor=by, target=invitation)


@transaction.atomic
def accept_invitation(invitation: Invitation, *, by: User) -> Membership:
    """Join the organisation of an open invitation sent to `by`'s email address."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.email.lower() != by.email.lower():
        raise NotAllowed(_("This invitation was sent to another email address."))
    if not invitation.is_open:
        raise OrganisationError(_("This invitation has expired or was withdrawn."))
    membership, created = Membership.objects.get_or_create(
        organisation=invitation.organisation,
        user=by,
        defaults={"role": invitation.role},
    )
    invitation.status = Invitation.Status.ACCEPTED
    invitation.save(update_fields=["status"])
    JoinRequest.objects.filter(
        organisation=invitation.organisation,
        user=by,
        status=JoinRequest.Status.PENDING,
    ).update(status=JoinRequest.Status.APPROVED, decided_at=timezone.now())
    audit.record("invitation.accepted", actor=by, target=invitation)
    if created:
        _emit_member_joined(membership)
    return membership


@transaction.atomic
def request_to_join(
    organisation: Organisation, *, by: User, message: str = ""
) -> JoinRequest:
    """Ask to join `organisation`; its admins decide."""
    if Membership.objects.filter(organisation=organisation, user=by).exists():
        raise OrganisationError(
            _("You are already a member of %(org)s.") % {"org": organisation}
        )
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(
                organisation=organisation, user=by, message=message.strip()
            )
    except IntegrityError:
        raise OrganisationError(
            _("You have already asked to join %(org)s.") % {"org": organisation}
        ) from None
    audit.record("join_request.created", actor=by, target=join_request)
    emit(
        organisation,
        "organisation.join_requested",
        {
            "join_request_id": join_request.pk,
            "member_id": by.profile.pk,
            "display_name": by.profile.display_name,
            "message": join_request.message,
        },
    )
    admins = User.objects.filter(
        memberships__organisation=organisation, memberships__role=Role.ADMIN
    )
    notify_many(
        admins,
        kind="organisation.join_requested",
        actor=by,
        message=_("%(person)s asks to join %(org)s.")
        % {"person": by, "org": organisation},
        url=reverse("organisations:manage", args=[organisation.slug]),
    )
    return join_request


@transaction.atomic
def decide_join_request(
    join_request: JoinRequest, *, by: User, approve: bool, role: str = Role.MEMBER
) -> JoinRequest:
    """Approve (adding a membership with `role`) or decline a pending request."""
    require_org_admin(by, join_request.organisation)
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise OrganisationError(_("This request has already been decided."))
    join_request.status = (
        JoinRequest.Status.APPROVED if approve else JoinRequest.Status.DECLINED
    )
    join_request.decided_at = timezone.now()
    join_request.decided_by = by
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    if approve:
        membership, created = Membership.objects.get_or_create(
            organisation=join_request.organisation,
            user=join_request.user,
            defaults={"role": role},
        )
        if created:
            _emit_member_joined(membership)
    audit.record(
        "join_request.approved" if approve else "join_request.declined",
        actor=by,
        target=join_request,
    )
    organisation = join_request.organisation
    notify(
        join_request.user,
        kind="organisation.join_decided",
        actor=by,
        message=(
            _("You are now a member of %(org)s.")
            if approve
            else _("Your request to join %(org)s was declined.")
        )
        % {"org": organisation},
        url=organisation.get_absolute_url(),
    )
    return join_request


def _emit_member_joined(membership: Membership) -> None:
    profile = membership.user.profile
    emit(
        membership.organisation,
        "organisation.member_joined",
        {
            "membership_id": membership.pk,
            "member_id": profile.pk,
            "display_name": profile.display_name,
            "role": membership.role,
        },
    )


def _ensure_another_admin(membership: Membership) -> None:
    if (
        membership.role == Role.ADMIN
        and not Membership.objects.filter(
            organisation_id=membership.organisation_id, role=Role.ADMIN
        )
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise OrganisationError(
            _(
                "An organisation needs at least one admin. "
                "Make someone else admin first."
            )
        )


@transaction.atomic
def set_member_role(membership: Membership, *, by: User, role: str) -> Membership:
    """Change a member's role (admin, practitioner, member)."""
    require_org_admin(by, membership.organisation)
    if role not in Role.values:
        raise OrganisationError(
            _("Choose admin, practitioner or member."), field="role"
        )
    if role != Role.ADMIN:
        _ensure_another_admin(membership)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(
        "membership.role_changed", actor=by, target=membership, old=old, new=role
    )
    if membership.user_id != by.pk:
        notify(
            membership.user,
            kind="organisation.role_changed",
            actor=by,
            message=_("You are now %(role)s of %(org)s.")
            % {"role": Role(role).label, "org": membership.organisation},
            url=membership.organisation.get_absolute_url(),
        )
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, by: User) -> None:
    """Remove a member; members may also remove themselves (leave)."""
    if membership.user_id != by.pk:
        require_org_admin(by, membership.organisation)
    _ensure_another_admin(membership)
    audit.record(
        "membership.removed",
        actor=by,
        target=membership.organisation,
        user=membership.user_id,
    )
    membership.delete()


@transaction.atomic
def set_organisation_active(
    organisation: Organisation, *, by: User, active: bool
) -> Organisation:
    """Steward: hide an organisation from the ecosystem, or bring it back."""
    require_steward(by)
    organisation.is_active = active
    organisation.save(update_fields=["is_active"])
    audit.record(
        "organisation.reactivated" if active else "organisation.deactivated",
        actor=by,
        target=organisation,
    )
    return organisation


def save_directory_organisation(
    organisation: Organisation | None,
    *,
    by: User | None,
    name: str,
    kind: str,
    description: str = "",
    website: str = "",
    email: str = "",
) -> Organisation:
    """Create or refresh an organisation from an imported directory.

    Steward only (`by=None` is the operator at the command line). An imported
    organisation starts with no members; its people join later through
    invitations or join requests. Call inside the import's transaction: it
    records no audit entry of its own (the import does).
    """
    if by is not None:
        require_steward(by)
    if organisation is None:
        organisation = Organisation(
            slug=unique_slug(
                Organisation, name, fallback="organisation", reserved=RESERVED_SLUGS
            ),
            created_by=by,
        )
    organisation.name = name.strip()
    organisation.kind = kind
    organisation.description = description
    organisation.website = website
    organisation.email = email
    validate_model(organisation, exclude=["logo", "slug"])
    organisation.save()
    return organisation


@transaction.atomic
def invite_admins(
    wanted: Iterable[tuple[Organisation, str]], *, by: User | None
) -> list[str]:
    """Invite each address as an admin of its organisation, in bulk.

    Steward only (`by=None` is the operator at the command line). An address
    that is already a member ("member") or has a pending invitation ("pending")
    is left alone, so the same list can be sent again safely; the others are
    invited ("invited"), audited, and emailed once the transaction commits.
    Return one of those words per pair, in order.
    """
    if by is not None:
        require_steward(by)
    outcomes = []
    for organisation, address in wanted:
        email = address.strip().lower()
        if Membership.objects.filter(
            organisation=organisation, user__email__iexact=email
        ).exists():
            outcomes.append("member")
            continue
        if Invitation.objects.filter(
            organisation=organisation,
            email__iexact=email,
            status=Invitation.Status.PENDING,
            expires_at__gt=timezone.now(),
        ).exists():
            outcomes.append("pending")
            continue
        invitation = Invitation(
            organisation=organisation,
            email=email,
            role=Role.ADMIN,
            invited_by=by,
            expires_at=timezone.now() + timezone.timedelta(days=14),
        )
        validate_model(invitation)
        invitation.save()
        audit.record(
            "invitation.sent", actor=by, target=invitation, email=email, role=Role.ADMIN
        )
        path = reverse("organisations:invitation", args=[invitation.token])
        invitee = User.objects.filter(email__iexact=email, is_active=True).first()
        if invitee is not None:
            notify(
                invitee,
                kind="organisation.invited",
                actor=by,
                message=_("You are invited to run %(org)s as an admin.")
                % {"org": organisation},
                url=path,
            )
        else:
            send_after_commit(
                to=email,
                subject=_("You are invited to join %(org)s") % {"org": organisation},
                template="organisations/email/invitation",
                context={
                    "invitation": invitation,
                    "inviter": by or _("The steward"),
                    "path": path,
                },
            )
        outcomes.append("invited")
    return outcomes
