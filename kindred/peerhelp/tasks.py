"""Background work for peer help."""

from __future__ import annotations

from django_tasks import task


@task()
def invite_helpers_for_ask(ask_id: int) -> None:
    """Recommend and invite helpers for a new ask (idempotent)."""
    from kindred.peerhelp import services
    from kindred.peerhelp.models import Ask

    ask = Ask.objects.filter(pk=ask_id).first()
    if ask is not None:
        services.invite_helpers(ask)
