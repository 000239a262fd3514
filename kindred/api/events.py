"""REST API for events; its urlpatterns are appended in kindred/api/urls.py."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
