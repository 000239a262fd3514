"""A task that does nothing, for measuring the queue itself (loaded by the worker)."""

from django_tasks import task


@task()
def noop() -> None:
    """Do nothing."""
