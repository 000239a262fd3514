"""Background work of data rights."""

from __future__ import annotations

from django_tasks import task


@task()
def purge_expired() -> dict[str, int]:
    """Delete or anonymise personal records past their retention period."""
    from kindred.privacy import services

    return services.purge_expired()
