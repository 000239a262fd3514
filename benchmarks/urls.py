"""Kindred's URLs plus a hello-world view: the baseline the benchmarks compare with."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from kindred.urls import handler400, handler403, handler404, handler500  # noqa: F401
from kindred.urls import urlpatterns as kindred_urlpatterns


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [path("bench/hello", hello), *kindred_urlpatterns]
