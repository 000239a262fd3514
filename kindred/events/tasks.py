"""Background work for events."""

from __future__ import annotations

from django_tasks import task


@task()
def send_reminders() -> None:
    """Remind registered people a day and an hour before their events."""
    from kindred.events import services

    services.send_reminders()
