"""Background housekeeping for the API."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from kindred.api.idempotency import KEEP_FOR
from kindred.api.models import IdempotencyRecord


@task()
def prune_idempotency_keys() -> int:
    """Forget answers kept for Idempotency-Key replays once they are a day old."""
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - KEEP_FOR
    ).delete()
    return deleted
