from django.urls import path

from kindred.moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.index, name="index"),
]
