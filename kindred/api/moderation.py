"""REST API for moderation; its urlpatterns are appended in kindred/api/urls.py."""

from __future__ import annotations

urlpatterns: list = []
