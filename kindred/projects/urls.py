from django.urls import path

from kindred.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.index, name="detail"),
    path("businesses/<slug:slug>/", views.index, name="business"),
]
