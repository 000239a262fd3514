from django.urls import path

from kindred.learning import views

app_name = "learning"

urlpatterns = [
    path("", views.index, name="index"),
]
