"""Background and scheduled tasks for mentoring programmes."""

from __future__ import annotations

from django_tasks import task

from kindred.mentoring import services


@task()
def move_expired_requests() -> None:
    """Self-match: requests a mentor did not answer in time move to the next choice."""
    services.move_expired_requests()


@task()
def prompt_check_ins() -> None:
    """Ask due pairs "still meeting?"; prompt pairs that went quiet."""
    services.prompt_check_ins()
