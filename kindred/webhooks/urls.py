from django.urls import path

from kindred.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("<slug:slug>/webhooks/", views.endpoint_list, name="list"),
    path(
        "<slug:slug>/webhooks/<int:pk>/<str:action>/",
        views.endpoint_action,
        name="action",
    ),
]
