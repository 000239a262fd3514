from django.urls import path, register_converter

from kindred.moderation import views


class ContentKeyConverter:
    """ "app_label.modelname", the registry's key."""

    regex = r"[a-z0-9_]{1,50}\.[a-z0-9_]{1,50}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ContentKeyConverter, "contentkey")

app_name = "moderation"

urlpatterns = [
    path("", views.index, name="index"),
    path("report/<contentkey:key>/<int:pk>/", views.report, name="report"),
    path("content/<contentkey:key>/<int:pk>/", views.content, name="content"),
]
