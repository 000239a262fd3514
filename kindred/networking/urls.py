from django.urls import path

from kindred.networking import views

app_name = "networking"

urlpatterns = [
    path("", views.index, name="index"),
]
