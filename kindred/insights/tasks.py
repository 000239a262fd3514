"""Background work for insights."""

from __future__ import annotations

from django_tasks import task


@task()
def fetch_link_preview(insight_id: int) -> None:
    """Fetch the preview of an insight's link (title, description, site name)."""
    from kindred.insights import services

    services.refresh_preview(insight_id)
