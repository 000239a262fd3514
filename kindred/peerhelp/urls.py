from django.urls import path

from kindred.peerhelp import views

app_name = "peerhelp"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
]
