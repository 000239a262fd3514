"""Writes for the shared vocabularies, which only stewards curate."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import require_steward
from kindred.core import audit
from kindred.core.errors import KindredError
from kindred.core.models import Topic
from kindred.core.slugs import unique_slug


class TaxonomyError(KindredError):
    pass


@transaction.atomic
def save_topic(
    topic: Topic | None,
    *,
    by: User,
    name: str,
    description: str = "",
    parent: Topic | None = None,
    is_active: bool = True,
) -> Topic:
    """Create a topic (when `topic` is None) or change one."""
    require_steward(by)
    name = name.strip()
    if not name:
        raise TaxonomyError(_("A topic needs a name."), field="name")
    clash = Topic.objects.filter(name__iexact=name)
    if topic is not None:
        clash = clash.exclude(pk=topic.pk)
    if clash.exists():
        raise TaxonomyError(
            _("There is already a topic called “%(name)s”.") % {"name": name},
            field="name",
        )
    if topic is not None and parent is not None and parent.pk == topic.pk:
        raise TaxonomyError(
            _("A topic cannot be its own broader topic."), field="parent"
        )
    created = topic is None
    topic = topic or Topic(slug=unique_slug(Topic, name, fallback="topic"))
    topic.name = name
    topic.description = description.strip()
    topic.parent = parent
    topic.is_active = is_active
    topic.save()
    audit.record(
        "topic.created" if created else "topic.updated", actor=by, target=topic
    )
    return topic


@transaction.atomic
def retry_failed_task(result_id: str, *, by: User) -> None:
    """Queue a failed background task again with the same arguments (stewards)."""
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    require_steward(by)
    result = DBTaskResult.objects.select_for_update().filter(pk=result_id).first()
    if result is None or result.status != "FAILED":
        raise KindredError(_("Only a failed task can be retried."))
    task = import_string(result.task_path)
    kwargs = {k: v for k, v in result.args_kwargs["kwargs"].items() if k != "_attempt"}
    task.enqueue(*result.args_kwargs["args"], **kwargs)
    audit.record(
        "task.retried",
        actor=by,
        target=result,
        task=result.task_path,
        error=result.exception_class_path,
    )
    result.delete()  # the new attempt replaces it
