"""REST API for this app; its urlpatterns are appended in kindred/api/urls.py."""

from __future__ import annotations

urlpatterns: list = []
