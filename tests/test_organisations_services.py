"""Organisations: creating, editing, inviting, joining and roles."""

from __future__ import annotations

import pytest
from django.core import mail

from kindred.core.errors import NotAllowed, SecondFactorRequired
from kindred.organisations import services
from kindred.organisations.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    Role,
)
from tests.conftest import make_person


def test_creator_becomes_admin(outsider):
    org = services.create_organisation(by=outsider, name="Seed Fund", kind="funder")
    assert org.slug == "seed-fund"
    assert Membership.objects.get(organisation=org, user=outsider).role == Role.ADMIN


def test_duplicate_name_is_refused_in_words(outsider, organisation):
    with pytest.raises(services.OrganisationError) as error:
        services.create_organisation(
            by=outsider, name="riverside growth hub", kind="funder"
        )
    assert error.value.field == "name"
    assert Organisation.objects.count() == 1


def test_reserved_slug_is_avoided(outsider):
    org = services.create_organisation(by=outsider, name="New", kind="business")
    assert org.slug != "new"


def test_admin_edits_organisation(owner, organisation):
    services.update_organisation(organisation, by=owner, summary="Now with mentors.")
    organisation.refresh_from_db()
    assert organisation.summary == "Now with mentors."


def test_practitioner_cannot_edit(colleague, organisation):
    with pytest.raises(NotAllowed):
        services.update_organisation(organisation, by=colleague, summary="mine now")
    organisation.refresh_from_db()
    assert organisation.summary == "Free business support."


def test_admin_without_second_factor_is_sent_to_set_it_up(organisation, db):
    admin = make_person("nomfa@example.com", "No MFA")
    Membership.objects.create(organisation=organisation, user=admin, role=Role.ADMIN)
    with pytest.raises(SecondFactorRequired):
        services.update_organisation(organisation, by=admin, summary="x")


def test_demo_admin_is_exempt_only_while_exemption_is_on(organisation, settings, db):
    admin = make_person("demo@example.com", "Demo")
    admin.is_demo = True
    admin.save()
    Membership.objects.create(organisation=organisation, user=admin, role=Role.ADMIN)
    settings.KINDRED_DEMO_MFA_EXEMPT = True
    services.update_organisation(organisation, by=admin, summary="demo edit")
    settings.KINDRED_DEMO_MFA_EXEMPT = False
    with pytest.raises(SecondFactorRequired):
        services.update_organisation(organisation, by=admin, summary="prod edit")


def test_invitation_is_emailed_and_accepted(
    owner, organisation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_member(
            organisation, by=owner, email="New@Example.com"
        )
    assert len(mail.outbox) == 1
    assert invitation.token in mail.outbox[0].body
    assert mail.outbox[0].alternatives  # an HTML version too
    newcomer = make_person("new@example.com", "Newcomer")
    membership = services.accept_invitation(invitation, by=newcomer)
    assert membership.role == Role.PRACTITIONER
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED


def test_invitation_for_someone_else_cannot_be_accepted(owner, outsider, organisation):
    invitation = services.invite_member(organisation, by=owner, email="new@example.com")
    with pytest.raises(NotAllowed):
        services.accept_invitation(invitation, by=outsider)
    assert not Membership.objects.filter(user=outsider).exists()


def test_practitioner_cannot_invite(colleague, organisation):
    with pytest.raises(NotAllowed):
        services.invite_member(organisation, by=colleague, email="x@example.com")
    assert not Invitation.objects.exists()


def test_inviting_an_existing_member_is_refused(owner, colleague, organisation):
    with pytest.raises(services.OrganisationError):
        services.invite_member(organisation, by=owner, email=colleague.email)


def test_join_request_approved_by_admin(owner, outsider, organisation):
    join_request = services.request_to_join(organisation, by=outsider, message="Hello")
    with pytest.raises(services.OrganisationError):
        services.request_to_join(organisation, by=outsider)
    services.decide_join_request(join_request, by=owner, approve=True)
    assert (
        Membership.objects.get(organisation=organisation, user=outsider).role
        == Role.MEMBER
    )
    with pytest.raises(services.OrganisationError):
        services.decide_join_request(join_request, by=owner, approve=False)


def test_join_request_cannot_be_decided_by_a_practitioner(
    colleague, outsider, organisation
):
    join_request = services.request_to_join(organisation, by=outsider)
    with pytest.raises(NotAllowed):
        services.decide_join_request(join_request, by=colleague, approve=True)
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_last_admin_cannot_be_demoted_or_removed(owner, organisation):
    membership = Membership.objects.get(user=owner, organisation=organisation)
    with pytest.raises(services.OrganisationError):
        services.set_member_role(membership, by=owner, role=Role.MEMBER)
    with pytest.raises(services.OrganisationError):
        services.remove_member(membership, by=owner)
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_admin_changes_roles_and_member_leaves(owner, colleague, organisation):
    membership = Membership.objects.get(user=colleague, organisation=organisation)
    services.set_member_role(membership, by=owner, role=Role.ADMIN)
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    services.remove_member(membership, by=colleague)
    assert not Membership.objects.filter(user=colleague).exists()


def test_outsider_cannot_remove_a_member(outsider, colleague, organisation):
    membership = Membership.objects.get(user=colleague, organisation=organisation)
    with pytest.raises(NotAllowed):
        services.remove_member(membership, by=outsider)
    assert Membership.objects.filter(pk=membership.pk).exists()
