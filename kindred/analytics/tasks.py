"""Background work of ecosystem analytics."""

from __future__ import annotations

from django_tasks import task


@task()
def take_monthly_snapshot() -> None:
    """Collect new ties and snapshot the month that just ended, if not done yet."""
