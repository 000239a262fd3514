"""Privacy and security review of issues 10 (ecosystem analytics) and 11 (trust).

Each test checks one promise of the issues or of docs/analytics.md and
docs/security.md. Tests marked xfail(strict=True) prove a defect: the fix makes
them pass (and strict xfail then fails, so the mark must be removed). The others
are regression tests of promises that hold.
"""

from __future__ import annotations

import html
import io
import json
from datetime import timedelta

import networkx as nx
import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone
from rest_framework.test import APIClient

from kindred.analytics import exports, selectors, services
from kindred.analytics.models import EcosystemSettings, Tie
from kindred.core import audit
from kindred.core.models import AuditChainHead, AuditEntry
from kindred.organisations.models import Membership, Organisation, Role
from tests.conftest import make_person
from tests.referral_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

P, O = "p", "o"  # noqa: E741
LAST_MONTH = services.previous_month(timezone.localdate())
DAY = LAST_MONTH + timedelta(days=3)


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


# --- analytics fixtures ------------------------------------------------------------


@pytest.fixture
def north(outsider):
    """A second organisation, administered by `outsider`."""
    org = Organisation.objects.create(
        name="Northshire Finance", slug="northshire-finance", kind="funder"
    )
    Membership.objects.create(organisation=org, user=outsider, role=Role.ADMIN)
    return org


@pytest.fixture
def ties(organisation, north, owner, colleague, outsider):
    """Last month: the two organisations partnered, owner helped outsider, and
    colleague met owner. Two ties cross the organisations: below five."""
    rows = [
        Tie(kind="partnership", source_type=O, source_id=organisation.pk,
            target_type=O, target_id=north.pk, on=DAY, origin="r:1"),
        Tie(kind="help", source_type=P, source_id=owner.pk, target_type=P,
            target_id=outsider.pk, on=DAY, origin="r:2"),
        Tie(kind="meeting", source_type=P, source_id=colleague.pk, target_type=P,
            target_id=owner.pk, on=DAY, origin="r:3"),
    ]  # fmt: skip
    Tie.objects.bulk_create(rows)
    return rows


@pytest.fixture
def snapshot(ties):
    return services.take_snapshot(LAST_MONTH)


# --- analytics: organisation view --------------------------------------------------


def test_organisation_view_of_another_organisation_is_404(
    client, snapshot, owner, organisation, north
):
    """An admin of one organisation asking for another's view gets the same 404
    as for an organisation that does not exist, on the API and the page."""
    missing = api(owner).get("/api/v1/analytics/organisations/999999")
    other = api(owner).get(f"/api/v1/analytics/organisations/{north.pk}")
    assert missing.status_code == 404
    assert other.status_code == 404
    assert "Northshire" not in other.content.decode()
    own = api(owner).get(f"/api/v1/analytics/organisations/{organisation.pk}")
    assert own.status_code == 200
    client.force_login(owner)
    assert client.get(f"/ecosystem/organisations/{north.pk}/").status_code == 404
    assert client.get(f"/ecosystem/organisations/{organisation.pk}/").status_code == 200


def test_plain_member_cannot_see_their_organisations_view(
    snapshot, organisation, make_member
):
    member = make_member(organisation, Role.MEMBER)
    answer = api(member).get(f"/api/v1/analytics/organisations/{organisation.pk}")
    assert answer.status_code == 404


@pytest.fixture
def make_member():
    def make(org, role):
        person = make_person(f"{role}-{org.pk}@example.net", f"Member {role}")
        Membership.objects.create(organisation=org, user=person, role=role)
        return person

    return make


def test_organisation_view_suppresses_small_counts_for_its_admin(
    client, snapshot, owner, steward, organisation, north
):
    """Two ties with Northshire: the admin sees "fewer than 5", the steward 2."""
    answer = api(owner).get(f"/api/v1/analytics/organisations/{organisation.pk}")
    (partner,) = answer.json()["partners"]
    assert partner["organisation"]["id"] == north.pk
    assert partner["ties"] is None
    assert set(partner["kinds"].values()) == {None}
    stewards = api(steward).get(f"/api/v1/analytics/organisations/{organisation.pk}")
    assert stewards.json()["partners"][0]["ties"] == 2
    client.force_login(owner)
    page = text(client.get(f"/ecosystem/organisations/{organisation.pk}/"))
    assert "fewer than 5" in page


# --- analytics: a member's own ties ------------------------------------------------


def test_my_ties_show_only_ties_involving_the_member(
    client, snapshot, outsider, owner, colleague
):
    answer = api(outsider).get("/api/v1/analytics/me/ties")
    assert answer.status_code == 200
    assert [(t["kind"], t["other"]) for t in answer.json()] == [("help", "Olive Owner")]
    client.force_login(outsider)
    page = text(client.get("/ecosystem/me/"))
    assert "Olive Owner" in page
    assert "Colin Colleague" not in page  # the owner–colleague meeting is not theirs
    assert "meeting" not in {t["kind"] for t in answer.json()}
    assert api().get("/api/v1/analytics/me/ties").status_code in (401, 403)


# --- analytics: public page -------------------------------------------------------


def test_public_figures_hide_small_counts_and_names(client, snapshot, steward):
    assert api().get("/api/v1/analytics/public").status_code == 404
    services.set_public_page(True, by=steward)
    answer = api().get("/api/v1/analytics/public")
    assert answer.status_code == 200
    figures = answer.json()["figures"]
    assert figures["ties"] is None and figures["people"] is None  # 3 ties, 3 people
    body = answer.content.decode() + text(client.get("/ecosystem/public/"))
    for name in ("Olive Owner", "Colin Colleague", "Oscar Outsider", "@example.com"):
        assert name not in body


# --- analytics: exports ------------------------------------------------------------


@pytest.fixture
def offset_ids(db):
    """Push user ids up so that a pseudonym "p1" cannot equal a real id by chance."""
    for n in range(7):
        make_person(f"filler{n}@example.org", f"Filler {n}").delete()


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_pseudonymised_graph_export_has_no_names_emails_or_ids(
    offset_ids, snapshot, steward, owner, colleague, outsider, fmt
):
    answer = api(steward).get(f"/api/v1/analytics/export/graph.{fmt}")
    assert answer.status_code == 200
    content = b"".join(answer) if answer.streaming else answer.content
    body = content.decode()
    people = (owner, colleague, outsider)
    for person in people:
        assert person.email not in body
        assert person.profile.display_name not in body
    read = nx.read_gexf if fmt == "gexf" else nx.read_graphml
    graph = read(io.BytesIO(content))
    person_nodes = [n for n, d in graph.nodes(data=True) if d.get("type") == "person"]
    assert len(person_nodes) == 3
    real_ids = {f"{P}{p.pk}" for p in people}
    assert not set(person_nodes) & real_ids
    labels = {str(graph.nodes[n].get("label")) for n in person_nodes}
    assert not labels & {f"Person {p.pk}" for p in people}
    assert not AuditEntry.objects.filter(action="analytics.identifiable_export")


def test_identifiable_export_is_for_stewards_only(client, snapshot, owner, steward):
    answer = api(owner).get("/api/v1/analytics/export/graph.gexf?identifiable=true")
    assert answer.status_code in (403, 404)
    assert "Olive Owner" not in answer.content.decode()
    with pytest.raises(Exception):  # noqa: B017 - NotAllowed
        exports.graph_file(snapshot, "gexf", identifiable=True, by=owner)
    client.force_login(owner)
    page = client.post(
        "/ecosystem/export/identifiable/",
        {"month": LAST_MONTH.strftime("%Y-%m"), "format": "gexf"},
    )
    assert page.status_code in (302, 403, 404)
    assert b"Olive Owner" not in page.content
    assert not AuditEntry.objects.filter(action="analytics.identifiable_export")
    named = api(steward).get("/api/v1/analytics/export/graph.gexf?identifiable=true")
    assert b"Olive Owner" in named.content
    audited = AuditEntry.objects.filter(action="analytics.identifiable_export")
    assert audited.count() == 1


def test_network_and_snapshots_are_stewards_only(client, snapshot, owner):
    for url in (
        "/api/v1/analytics/snapshots",
        f"/api/v1/analytics/snapshots/{LAST_MONTH:%Y-%m}",
        "/api/v1/analytics/export/metrics.csv",
    ):
        assert api(owner).get(url).status_code in (403, 404), url
    client.force_login(owner)
    response = client.get("/ecosystem/network.json")
    assert response.status_code in (302, 403, 404)
    assert b"Olive Owner" not in response.content
    assert EcosystemSettings.load().public_page is False
    assert selectors.public_figures() is None


# --- data rights: export -----------------------------------------------------------


def test_export_holds_no_one_elses_email_or_private_note(
    refer, entrepreneur, colleague, receiver
):
    """The entrepreneur's export has their referral, not the practitioners'
    addresses; a practitioner's export does not carry the entrepreneur's
    address or wellbeing note."""
    from kindred.privacy.selectors import build_export
    from kindred.referrals import services as referrals

    referral = refer()
    referrals.post_message(referral, by=receiver, body="We can offer a place.")
    mine = json.dumps(build_export(entrepreneur))
    assert "Needs a calmer way" in mine  # their referral is there
    assert receiver.email not in mine and colleague.email not in mine
    theirs = json.dumps(build_export(colleague))
    assert entrepreneur.email not in theirs
    assert "Sleeps badly." not in theirs
    assert "We can offer a place." not in theirs  # the receiver's message


def test_subject_requests_are_stewards_only(client, owner, colleague):
    client.force_login(owner)
    assert client.get("/account/data/requests/?q=colleague").status_code == 404
    export = client.post(f"/account/data/requests/{colleague.pk}/export/")
    assert export.status_code == 404
    erase = client.post(
        f"/account/data/requests/{colleague.pk}/erase/",
        {"confirm_email": colleague.email},
    )
    assert erase.status_code == 404
    colleague.refresh_from_db()
    assert colleague.email == "colleague@example.com" and colleague.is_active


# --- data rights: erasure ----------------------------------------------------------

NAME = "Zebediah Quillfeather"
EMAIL = "zeb.quill@example.net"


def test_erasure_leaves_no_name_in_the_audit_trail(steward):
    """A steward suspended the person, writing their name in the reason; after
    erasing them, their name is still in the (append-only) audit entry."""
    from kindred.accounts.services import reinstate_user, suspend_user
    from kindred.privacy.services import erase_subject

    person = make_person(EMAIL, NAME)
    other = make_person("second@example.org", "Second Steward", steward=True)
    suspend_user(person, by=steward, reason=f"{NAME} posted spam links")
    reinstate_user(person, by=steward)
    erase_subject(person, by=other, confirm_email=EMAIL)
    person.refresh_from_db()
    assert person.suspension_reason == ""
    leftovers = [
        e.detail
        for e in AuditEntry.objects.all()
        if NAME.lower() in json.dumps(e.detail, ensure_ascii=False).lower()
    ]
    assert leftovers == []


def test_erasure_leaves_no_name_in_a_moderation_note(steward):
    """A steward's moderation note naming the person lands in the audit detail,
    where the erasure sweep never reaches."""
    from kindred.moderation import services as moderation
    from kindred.privacy.services import erase_subject

    person = make_person(EMAIL, NAME)
    insight = _an_insight(person)
    moderation.decide(
        insight, by=steward, action="hide", note=f"Hidden: {NAME} named a client"
    )
    erase_subject(person, by=steward, confirm_email=EMAIL)
    leftovers = [
        e.action
        for e in AuditEntry.objects.all()
        if NAME.lower() in json.dumps(e.detail, ensure_ascii=False).lower()
    ]
    assert leftovers == []


def _an_insight(author):
    from kindred.insights.models import Insight

    return Insight.objects.create(author=author, title="A lesson", body="Body text.")


ACCENTED = "Zoë Ångström-Müller"


def test_erasure_scrubs_a_non_ascii_name_from_json_columns(receiver):
    """Other people's stored JSON (a replayable API answer, a webhook delivery)
    that names the person: after erasure the name is gone, whatever its letters."""
    from kindred.api.models import IdempotencyRecord
    from kindred.privacy.services import erase_subject
    from kindred.webhooks.models import Delivery, Endpoint

    person = make_person("zoe@example.net", ACCENTED)
    steward = make_person("s@example.org", "Sam Steward", steward=True)
    org = Organisation.objects.create(name="Hook Org", slug="hook-org", kind="charity")
    endpoint = Endpoint.objects.create(
        organisation=org, url="https://hooks.example.org/in", event_types=["*"]
    )
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event_type="referral.sent",
        payload={"entrepreneur": {"name": ACCENTED}},
    )
    record = IdempotencyRecord.objects.create(
        user=receiver,
        key="k1",
        method="POST",
        path="/api/v1/referrals",
        fingerprint="f" * 64,
        status=201,
        body={"shared": [{"field": "name", "value": ACCENTED}]},
    )
    erase_subject(person, by=steward, confirm_email="zoe@example.net")
    remaining = [
        json.dumps(row.payload, ensure_ascii=False)
        for row in Delivery.objects.filter(pk=delivery.pk)
    ] + [
        json.dumps(row.body, ensure_ascii=False)
        for row in IdempotencyRecord.objects.filter(pk=record.pk)
    ]
    assert not [r for r in remaining if ACCENTED in r]


def test_erasure_keeps_other_peoples_referral_and_counts(
    refer, entrepreneur, colleague, steward
):
    from kindred.privacy.services import erase_subject
    from kindred.referrals.models import Referral

    referral = refer()
    before = Referral.objects.count()
    erase_subject(entrepreneur, by=steward, confirm_email=entrepreneur.email)
    assert Referral.objects.count() == before
    referral.refresh_from_db()
    assert referral.note == "" and referral.wellbeing_note == ""
    colleague.refresh_from_db()
    assert colleague.is_active and colleague.profile.display_name == "Colin Colleague"


# --- consents ----------------------------------------------------------------------


def test_withdrawal_hides_shared_details_from_the_receiver_next_request(
    client, refer, entrepreneur, receiver
):
    from kindred.consents.models import ConsentRecord

    referral = refer()
    before = api(receiver).get(f"/api/v1/referrals/{referral.pk}").json()
    assert "erin@founder.example" in json.dumps(before)
    record = ConsentRecord.objects.get(person=entrepreneur)
    answer = api(entrepreneur).post(f"/api/v1/consents/{record.pk}/withdraw")
    assert answer.status_code == 200
    after = api(receiver).get(f"/api/v1/referrals/{referral.pk}")
    data = after.json() if after.status_code == 200 else {}
    assert "erin@founder.example" not in after.content.decode()
    assert "Erin Entrepreneur" not in after.content.decode()
    assert not data.get("shared")
    client.force_login(receiver)
    page = text(client.get(referral.get_absolute_url()))
    assert "erin@founder.example" not in page and "Sleeps badly." not in page


def test_nobody_else_sees_my_consents_or_access_log(
    client, refer, entrepreneur, receiver, colleague
):
    from kindred.consents.models import AccessEntry

    referral = refer()
    client.force_login(receiver)
    client.get(referral.get_absolute_url())
    assert AccessEntry.objects.filter(person=entrepreneur).exists()
    for person in (receiver, colleague):
        assert api(person).get("/api/v1/consents").json()["results"] == []
        assert api(person).get("/api/v1/consents/access-log").json()["results"] == []
        client.force_login(person)
        assert "Mindful Founders" not in text(client.get("/account/consents/access/"))


def _raw_update(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_ledger_refuses_rewriting_to_whom(refer):
    from kindred.consents.models import ConsentRecord

    refer()
    record = ConsentRecord.objects.get()
    with pytest.raises(DatabaseError):
        _raw_update(
            "UPDATE consents_consentrecord SET organisation_name = %s WHERE id = %s",
            ["Someone Else Ltd", record.pk],
        )
    assert ConsentRecord.objects.get().organisation_name == "Mindful Founders"


def test_the_access_log_refuses_rewriting_who_looked(client, refer, receiver, outsider):
    from kindred.consents.models import AccessEntry

    referral = refer()
    client.force_login(receiver)
    client.get(referral.get_absolute_url())
    entry = AccessEntry.objects.get(actor=receiver)
    with pytest.raises(DatabaseError):
        _raw_update(
            "UPDATE consents_accessentry SET actor_id = %s WHERE id = %s",
            [outsider.pk, entry.pk],
        )
    assert AccessEntry.objects.get(pk=entry.pk).actor_id == receiver.pk


def test_the_ledger_refuses_orm_updates(refer):
    from kindred.consents.models import ConsentRecord

    refer()
    with pytest.raises(ValueError):
        ConsentRecord.objects.update(scope=["everything"])
    with pytest.raises(DatabaseError):
        _raw_update("UPDATE consents_consentrecord SET scope = %s", ['["all"]'])
    assert ConsentRecord.objects.get().scope == ["name", "email", "note"]


# --- audit chain -------------------------------------------------------------------


@pytest.fixture
def chain(owner, organisation):
    for n in range(4):
        audit.record("review.touched", actor=owner, target=organisation, n=n)
    return list(AuditEntry.objects.order_by("id"))


def test_audit_detail_drops_names_and_addresses(owner, organisation):
    entry = audit.record(
        "review.invited",
        actor=owner,
        target=organisation,
        invitee={"email": "a@b.example", "display_name": "A B"},
        contact="mail a@b.example please",
    )
    dumped = json.dumps(entry.detail)
    assert "a@b.example" not in dumped and "A B" not in dumped
    assert audit.verify().ok


def test_verify_finds_a_changed_action(chain):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_append_only")
        cursor.execute(
            "UPDATE core_auditentry SET action = 'x' WHERE id = %s", [chain[1].pk]
        )
    verdict = audit.verify()
    assert not verdict.ok and verdict.broken_id == chain[1].pk


def test_verify_finds_a_rewritten_actor(chain, steward):
    # The trigger refuses it (erasure may only set actor_id to NULL) ...
    with pytest.raises(DatabaseError):
        _raw_update(
            "UPDATE core_auditentry SET actor_id = %s WHERE id = %s",
            [steward.pk, chain[2].pk],
        )
    assert AuditEntry.objects.get(pk=chain[2].pk).actor_id == chain[2].actor_id
    # ... and with the trigger switched off, verify finds it.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_append_only")
        cursor.execute(
            "UPDATE core_auditentry SET actor_id = %s WHERE id = %s",
            [steward.pk, chain[2].pk],
        )
    assert AuditEntry.objects.get(pk=chain[2].pk).actor_id == steward.pk
    assert not audit.verify().ok


def test_verify_finds_an_entry_inserted_behind_the_heads_back(chain, organisation):
    head = AuditChainHead.objects.get()
    forged = AuditEntry(
        at=timezone.now(),
        actor=None,
        actor_key="",
        action="privacy.erased",
        object_type="organisations.organisation",
        object_id=str(organisation.pk),
        detail={"forged": True},
        prev_hash=head.last_hash,
    )
    forged.hash = audit.compute_hash(forged, head.last_hash)
    forged.save()  # an INSERT, as a database user could run
    assert AuditEntry.objects.filter(pk=forged.pk).exists()
    assert not audit.verify().ok


def test_an_admins_export_holds_no_invitees_address(owner, organisation):
    from kindred.organisations import services as organisations
    from kindred.privacy.selectors import build_export

    organisations.invite_member(organisation, by=owner, email="newcomer@example.org")
    exported = json.dumps(build_export(owner))
    assert "Riverside Growth Hub" in exported  # their own membership is there
    assert "newcomer@example.org" not in exported


def test_erasure_removes_the_persons_second_address_too(owner, organisation, steward):
    from allauth.account.models import EmailAddress

    from kindred.organisations import services as organisations
    from kindred.privacy.services import erase_subject

    person = make_person(EMAIL, NAME)
    second = "zeb.work@example.org"
    EmailAddress.objects.create(user=person, email=second, verified=True)
    organisations.invite_member(organisation, by=owner, email=second)
    erase_subject(person, by=steward, confirm_email=EMAIL)
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names
            if second in repr(cursor.fetchall()):
                found.append(table)
    assert found == []
