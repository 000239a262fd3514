"""The registry of content that members can report and stewards can moderate.

Each app that owns reportable content registers its models once, from its
AppConfig.ready()::

    from kindred.moderation import registry

    registry.register(
        Ask,
        label=_("ask"),
        author=lambda ask: ask.author,
        title=lambda ask: ask.title,
        url=lambda ask: ask.get_absolute_url(),
        hide=services.hide_ask,          # (obj, by) -> None
        restore=services.restore_ask,    # (obj, by) -> None
        can_see=permissions.can_see_ask, # (user, obj) -> bool
    )

Optional: ``is_hidden=(obj) -> bool`` lets the queue show whether content is hidden,
and ``queryset=() -> QuerySet`` lets it fetch many objects in one query.

Moderation never touches another app's tables: it asks the registered callables.
Models are looked up by label, "app_label.modelname" (``Model._meta.label_lower``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise

from kindred.accounts.models import User

Author = Callable[[Any], "User | None"]
Text = Callable[[Any], str]
Change = Callable[[Any, User], None]
CanSee = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Moderated:
    """How moderation reads and changes one kind of content."""

    model: type[models.Model]
    label: str | Promise  # "ask", "project": shown to people
    author: Author  # obj -> the person who wrote it, or None
    title: Text  # obj -> a short title to show in the queue
    url: Text  # obj -> the address of the content
    hide: Change  # (obj, by) -> None: hide it from everyone but its author
    restore: Change  # (obj, by) -> None: undo hide
    can_see: CanSee  # (user, obj) -> bool: may `user` see it now?
    is_hidden: Callable[[Any], bool] | None = None  # obj -> bool, when known
    # () -> QuerySet used to fetch many objects at once for the queue (e.g. with
    # select_related("author")), so that author()/title() do not query per row.
    queryset: Callable[[], models.QuerySet[Any]] | None = None

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    def objects(self) -> models.QuerySet[Any]:
        if self.queryset is not None:
            return self.queryset()
        return self.model._default_manager.all()

    def get_object(self, pk: int) -> models.Model | None:
        """Return the object by primary key, or None."""
        return self.objects().filter(pk=pk).first()


_REGISTRY: dict[str, Moderated] = {}


def register(
    model: type[models.Model],
    *,
    label: str | Promise,
    author: Author,
    title: Text,
    url: Text,
    hide: Change,
    restore: Change,
    can_see: CanSee,
    is_hidden: Callable[[Any], bool] | None = None,
    queryset: Callable[[], models.QuerySet[Any]] | None = None,
) -> Moderated:
    """Make `model` reportable; call from the owning app's AppConfig.ready()."""
    entry = Moderated(
        model=model,
        label=label,
        author=author,
        title=title,
        url=url,
        hide=hide,
        restore=restore,
        can_see=can_see,
        is_hidden=is_hidden,
        queryset=queryset,
    )
    _REGISTRY[entry.key] = entry
    return entry


def get(key: str) -> Moderated:
    """Return the registration for "app_label.modelname"; raise LookupError."""
    try:
        return _REGISTRY[key.lower()]
    except (KeyError, AttributeError):
        raise LookupError(f"{key!r} is not registered for moderation.") from None


def for_object(obj: models.Model) -> Moderated:
    """Return the registration for an instance's model; raise LookupError."""
    return get(obj._meta.label_lower)


def is_registered(key_or_obj: str | models.Model) -> bool:
    if isinstance(key_or_obj, models.Model):
        key_or_obj = key_or_obj._meta.label_lower
    return key_or_obj.lower() in _REGISTRY


def all_registered() -> list[Moderated]:
    return sorted(_REGISTRY.values(), key=lambda entry: entry.key)


def unregister(key: str) -> None:
    """Forget a registration (for tests that register throwaway models)."""
    _REGISTRY.pop(key.lower(), None)
