"""Background tasks for courses and certificates."""

from __future__ import annotations
