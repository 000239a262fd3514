from django.urls import path

from kindred.consents import views

app_name = "consents"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("access/", views.access, name="access"),
]
