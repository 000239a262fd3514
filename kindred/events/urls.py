from django.urls import path

from kindred.events import views

app_name = "events"

urlpatterns = [
    path("", views.calendar, name="calendar"),
]
