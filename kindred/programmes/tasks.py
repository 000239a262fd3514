"""Background and scheduled tasks for cohort programmes."""

from __future__ import annotations

from django_tasks import task


@task()
def send_survey_reminders() -> None:
    """Tell participants whose entry, exit or follow-up survey is due."""
    from kindred.programmes import services

    services.send_survey_reminders()
