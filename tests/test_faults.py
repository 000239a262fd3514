"""A fault between two writes of a service leaves nothing behind.

Each case below is a use case that writes more than once. The test runs it once to
count its writes (inside a savepoint it then undoes), then runs it again failing at
the second, a middle and the last write: every table must hold exactly what it held
before, and no email, webhook delivery, notification or background task may have
left for the action that rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

import pytest
from django.core import mail
from django.db import connection, transaction

from kindred.algorithms import referral_flow as flow
from kindred.webhooks import events as webhook_events
from kindred.webhooks.models import Endpoint
from tests.conftest import make_person
from tests.referral_fixtures import *  # noqa: F403
from tests.test_collaboration import partner_admin, partner_org  # noqa: F401
from tests.test_events import small_event  # noqa: F401
from tests.test_learning import course, trainer  # noqa: F401
from tests.test_peerhelp import ask, asker, finance, helper, offer  # noqa: F401
from tests.test_programmes_fixtures import (  # noqa: F401
    cohort,
    instrument,
    lead,
    programme,
)

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


class InjectedFault(Exception):
    """The fault the test injects; nothing in Kindred catches it on purpose."""


class _Undo(Exception):
    pass


class _Writes(list):
    """The SQL of each write, and the transaction (opened by the action) it ran in."""

    def __init__(self) -> None:
        super().__init__()
        self.transactions: list[object | None] = []


@contextmanager
def failing_write(number: int | None):
    """Count the SQL writes; with `number`, fail just before that write."""
    writes = _Writes()
    # The transaction each write ran in, counted from those the action opened.
    depth = len(connection.atomic_blocks)

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(WRITES):
            writes.append(sql)
            opened = connection.atomic_blocks[depth:]
            # The block itself, not its id: ids of freed blocks are reused.
            writes.transactions.append(opened[0] if opened else None)
            if number is not None and len(writes) == number:
                raise InjectedFault(f"fault before write {number}: {sql[:120]}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield writes


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, as text: a partial insert, update or delete shows."""
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            rows[table] = sorted(repr(row) for row in cursor.fetchall())
    return rows


def differences(before: dict, after: dict) -> list[str]:
    return [
        table
        for table in before.keys() | after.keys()
        if before.get(table) != after.get(table)
    ]


@pytest.fixture
def enqueued(monkeypatch):
    """Record every background task queued (emails, webhooks, notifications)."""
    from django_tasks.backends.immediate import ImmediateBackend

    queued: list[str] = []
    original = ImmediateBackend.enqueue

    def record(self, task, args, kwargs):
        queued.append(task.module_path)
        return original(self, task, args, kwargs)

    monkeypatch.setattr(ImmediateBackend, "enqueue", record)
    return queued


@pytest.fixture
def webhooks_everywhere(db):
    """Make every organisation created from now on listen to every event."""

    def subscribe(organisations):
        every = [key for key, _ in webhook_events.all_types()]
        for organisation in organisations:
            Endpoint.objects.get_or_create(
                organisation=organisation,
                url=f"https://hooks.example/{organisation.slug}",
                defaults={"event_types": every},
            )

    return subscribe


# --- the cases: each returns the action, run as often as the test needs -----------


def _referrals(request):
    from kindred.organisations.models import Organisation

    refer = request.getfixturevalue("refer")
    request.getfixturevalue("webhooks_everywhere")(Organisation.objects.all())
    return refer


def referral_send(request):
    refer = _referrals(request)
    request.getfixturevalue("webhooks_everywhere")(
        [request.getfixturevalue("receiving_org")]
    )
    return lambda: refer()


def _move(request, to: str, *, before=(), **arguments):
    from kindred.referrals import services
    from kindred.referrals.models import Referral

    refer = _referrals(request)
    receiver = request.getfixturevalue("receiver")
    referral = refer()
    for step in before:
        services.transition(referral, by=receiver, to=step)
    request.getfixturevalue("webhooks_everywhere")(
        [referral.referring_organisation, request.getfixturevalue("receiving_org")]
    )
    return lambda: services.transition(
        Referral.objects.get(pk=referral.pk), by=receiver, to=to, **arguments
    )


def referral_accept(request):
    return _move(request, flow.ACCEPTED)


def referral_forward(request):
    return _move(
        request,
        flow.REDIRECTED,
        redirect_to=request.getfixturevalue("other_service"),
    )


def referral_close(request):
    from kindred.referrals.models import Outcome
    from kindred.referrals.services import OutcomeInput

    return _move(
        request,
        flow.COMPLETED,
        before=(flow.ACCEPTED, flow.IN_PROGRESS),
        outcome=OutcomeInput(kind=Outcome.Kind.GOT_HELP),
    )


def referral_decline(request):
    return _move(request, flow.DECLINED, reason="no_capacity", note="We are full.")


def referral_message(request):
    from kindred.referrals import services
    from kindred.referrals.models import Referral

    refer = _referrals(request)
    receiver = request.getfixturevalue("receiver")
    referral = refer()
    return lambda: services.post_message(
        Referral.objects.get(pk=referral.pk), by=receiver, body="Tuesday at ten?"
    )


def peerhelp_ask(request):
    from kindred.peerhelp import services

    author = request.getfixturevalue("asker")
    topic = request.getfixturevalue("finance")
    request.getfixturevalue("offer")
    return lambda: services.create_ask(
        by=author, title="How do I price a service?", topics=[topic]
    )


def peerhelp_answer(request):
    from kindred.peerhelp import services
    from kindred.peerhelp.models import Ask

    question = request.getfixturevalue("ask")
    answerer = request.getfixturevalue("helper")
    return lambda: services.respond(
        Ask.objects.get(pk=question.pk), by=answerer, body="Start from your costs."
    )


def peerhelp_thank(request):
    from kindred.peerhelp import services
    from kindred.peerhelp.models import Response

    question = request.getfixturevalue("ask")
    author = request.getfixturevalue("asker")
    answerer = request.getfixturevalue("helper")
    response = services.respond(question, by=answerer, body="Start from your costs.")
    return lambda: services.mark_helpful(
        Response.objects.get(pk=response.pk), by=author, note="Thank you!", public=True
    )


def events_register(request):
    from kindred.events import services
    from kindred.events.models import Event

    event = request.getfixturevalue("small_event")
    request.getfixturevalue("webhooks_everywhere")(event.organisations.all())
    person = make_person("guest@example.org", "Gus Guest")
    question = event.questions.order_by("pk").first()
    return lambda: services.register(
        Event.objects.get(pk=event.pk),
        by=person,
        answers={question.pk: "My opening line."},
    )


def learning_enrol(request):
    from kindred.learning import services
    from kindred.learning.models import Course

    published = request.getfixturevalue("course")
    learner = make_person("learner@example.org", "Lea Learner")
    return lambda: services.enrol(
        Course.objects.get(pk=published.pk), learner, by=learner
    )


def learning_complete(request):
    from kindred.learning import selectors, services

    published = request.getfixturevalue("course")
    learner = make_person("learner@example.org", "Lea Learner")
    services.enrol(published, learner, by=learner)
    lesson = selectors.ordered_lessons(published)[0]
    return lambda: services.complete_lesson(lesson, by=learner)


def collaboration_propose(request):
    from kindred.collaboration import services

    organisation = request.getfixturevalue("organisation")
    owner = request.getfixturevalue("owner")
    partner = request.getfixturevalue("partner_org")
    request.getfixturevalue("webhooks_everywhere")([organisation, partner])
    return lambda: services.propose_partnership(
        organisation, by=owner, partner=partner, description="Joint export clinic."
    )


def collaboration_accept(request):
    from kindred.collaboration import services
    from kindred.collaboration.models import Partnership

    organisation = request.getfixturevalue("organisation")
    owner = request.getfixturevalue("owner")
    partner = request.getfixturevalue("partner_org")
    their_admin = request.getfixturevalue("partner_admin")
    request.getfixturevalue("webhooks_everywhere")([organisation, partner])
    proposal = services.propose_partnership(
        organisation, by=owner, partner=partner, description="Joint export clinic."
    )
    return lambda: services.accept_partnership(
        Partnership.objects.get(pk=proposal.pk), by=their_admin
    )


def programmes_place(request):
    from kindred.programmes import services
    from kindred.programmes.models import Cohort

    spring = request.getfixturevalue("cohort")
    programme_lead = request.getfixturevalue("lead")
    person = request.getfixturevalue("entrepreneur")
    return lambda: services.add_place(
        Cohort.objects.get(pk=spring.pk), participant=person, by=programme_lead
    )


CASES: dict[str, Callable] = {
    "referrals: send": referral_send,
    "referrals: accept": referral_accept,
    "referrals: forward": referral_forward,
    "referrals: close with an outcome": referral_close,
    "referrals: decline": referral_decline,
    "referrals: message": referral_message,
    "peer help: ask": peerhelp_ask,
    "peer help: answer": peerhelp_answer,
    "peer help: thank": peerhelp_thank,
    "events: register": events_register,
    "learning: enrol": learning_enrol,
    "learning: complete a lesson": learning_complete,
    "collaboration: propose a partnership": collaboration_propose,
    "collaboration: accept a partnership": collaboration_accept,
    "programmes: place": programmes_place,
}


def fault_points(count: int) -> list[int]:
    """The second write, the last, and up to four between them."""
    between = list(range(3, count))
    step = max(1, len(between) // 4)
    return sorted({2, count, *between[::step][:4]})


def assert_all_or_nothing(action, enqueued, capture_on_commit) -> None:
    """Fail unless `action` writes twice or more and a fault before any of its
    writes leaves every table as it was, with nothing sent or queued."""
    mail.outbox.clear()
    enqueued.clear()
    before = snapshot()

    # A dry run, undone: count the writes. Nothing may leave before commit.
    with pytest.raises(_Undo), transaction.atomic():
        with failing_write(None) as writes:
            action()
        raise _Undo
    assert len(writes) >= 2, f"only {len(writes)} write: not a case for this test"
    assert None not in writes.transactions, "a write outside any transaction"
    assert len({id(t) for t in writes.transactions}) == 1, (
        "writes split across transactions"
    )
    assert mail.outbox == [], "email sent before the transaction committed"
    assert enqueued == [], f"tasks queued before commit: {enqueued}"
    assert differences(before, snapshot()) == []

    for number in fault_points(len(writes)):
        with (
            capture_on_commit() as callbacks,
            failing_write(number),
            pytest.raises(InjectedFault),
        ):
            action()
        changed = differences(before, snapshot())
        assert changed == [], f"fault before write {number}: {changed} kept writes"
        assert callbacks == [], f"fault before write {number}: work left queued"
        assert mail.outbox == []
        assert enqueued == []

    # And the action still works when nothing fails.
    with capture_on_commit(execute=True):
        action()
    assert differences(before, snapshot()) != []


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_fault_between_two_writes_leaves_nothing_behind(
    case, request, enqueued, django_capture_on_commit_callbacks
):
    assert_all_or_nothing(case(request), enqueued, django_capture_on_commit_callbacks)


# --- the injector itself can fail -------------------------------------------------


def _two_tags(*, atomic: bool, email: bool = False):
    from django.core.mail import send_mail

    from kindred.core.models import Topic

    def action():
        Topic.objects.create(name="First half", slug="first-half")
        if email:
            send_mail("Done", "Both halves written.", None, ["ops@example.org"])
        Topic.objects.create(name="Second half", slug="second-half")

    return transaction.atomic(action) if atomic else action


def test_the_check_catches_a_half_written_action(
    enqueued, django_capture_on_commit_callbacks
):
    """Without a transaction the first row would stay: the check fails."""
    with pytest.raises(AssertionError, match="outside any transaction"):
        assert_all_or_nothing(
            _two_tags(atomic=False), enqueued, django_capture_on_commit_callbacks
        )


def test_the_check_catches_an_email_sent_before_commit(
    enqueued, django_capture_on_commit_callbacks
):
    with pytest.raises(AssertionError, match="email sent before"):
        assert_all_or_nothing(
            _two_tags(atomic=True, email=True),
            enqueued,
            django_capture_on_commit_callbacks,
        )


def test_the_check_passes_an_atomic_action(
    enqueued, django_capture_on_commit_callbacks
):
    assert_all_or_nothing(
        _two_tags(atomic=True), enqueued, django_capture_on_commit_callbacks
    )


def test_the_check_catches_two_transactions_in_a_row(
    enqueued, django_capture_on_commit_callbacks
):
    """Each half committed on its own is still half a change when the second fails."""
    from kindred.core.models import Topic

    def action():
        with transaction.atomic():
            Topic.objects.create(name="First half", slug="first-half")
        with transaction.atomic():
            Topic.objects.create(name="Second half", slug="second-half")

    with pytest.raises(AssertionError, match="split across transactions"):
        assert_all_or_nothing(action, enqueued, django_capture_on_commit_callbacks)
