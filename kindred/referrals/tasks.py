"""Background work for referrals."""

from __future__ import annotations

from django_tasks import task


@task()
def remind_overdue() -> None:
    """Chase referrals that have waited past their response time."""
    from kindred.referrals import services

    services.remind_overdue()
