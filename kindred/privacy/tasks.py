"""Background work of data rights."""

from __future__ import annotations

from django_tasks import task


@task()
def purge_expired() -> None:
    """Delete or anonymise personal records past their retention period."""
