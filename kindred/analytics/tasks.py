"""Background work of ecosystem analytics."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def take_monthly_snapshot() -> None:
    """Collect new ties and snapshot the month that just ended, if not done yet."""
    from kindred.analytics import services

    since = timezone.localdate() - timedelta(days=services.LOOK_BACK_DAYS)
    added = services.collect_ties(since=since)
    month = services.snapshot_due()
    if month is not None:
        snapshot = services.take_snapshot(month)
        logger.info(
            "analytics: %s ties added, snapshot %s in %.1f s",
            added,
            snapshot,
            snapshot.took_seconds,
        )
