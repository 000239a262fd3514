"""Unique, readable slugs for objects people name."""

from __future__ import annotations

from collections.abc import Collection

from django.db import models
from django.utils.text import slugify


def unique_slug(
    model: type[models.Model],
    name: str,
    *,
    fallback: str,
    reserved: Collection[str] = (),
    max_length: int = 70,
) -> str:
    """Return slugify(name), with -2, -3... added until no `model` row uses it."""
    base = slugify(name)[:max_length] or fallback
    slug, n = base, 2
    while slug in reserved or model._default_manager.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
