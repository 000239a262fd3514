from django.urls import path

from kindred.communities import views

app_name = "communities"

urlpatterns = [
    path("", views.group_list, name="list"),
]
