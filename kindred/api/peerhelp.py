"""REST API for peerhelp; its urlpatterns are appended in kindred/api/urls.py."""

from __future__ import annotations

urlpatterns: list = []
