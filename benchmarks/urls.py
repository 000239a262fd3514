"""Kindred's URLs plus the two baselines the benchmarks compare with: a hello-world
view, and an empty page in Kindred's layout (what every page costs before its own
content: session, person, navigation, notification badge)."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from kindred.urls import handler400, handler403, handler404, handler500  # noqa: F401
from kindred.urls import urlpatterns as kindred_urlpatterns


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world", content_type="text/plain")


_EMPTY = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<h1>Empty</h1>{% endblock %}'
)


def empty_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_EMPTY.render(request=request))


urlpatterns = [
    path("bench/hello", hello),
    path("bench/empty", empty_page),
    *kindred_urlpatterns,
]
