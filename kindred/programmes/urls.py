from django.urls import path

from kindred.programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.index, name="index"),
]
