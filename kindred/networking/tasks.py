"""Background and scheduled tasks for networking rounds."""

from __future__ import annotations

from django_tasks import task

from kindred.networking import services


@task()
def run_due_rounds() -> None:
    """Generate every networking round whose date has come (once per date)."""
    services.run_due_rounds()


@task()
def ask_did_you_meet() -> None:
    """After a round, ask each person "did you meet?"."""
    services.ask_did_you_meet()
