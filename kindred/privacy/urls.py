from django.urls import path

from kindred.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.your_data, name="index"),
    path("export/", views.export_download, name="export"),
    path("delete/", views.delete_account, name="delete"),
    path("deleted/", views.deleted, name="deleted"),
    path("requests/", views.subject_requests, name="requests"),
    path("requests/<int:pk>/export/", views.subject_export, name="subject_export"),
    path("requests/<int:pk>/erase/", views.subject_erase, name="subject_erase"),
]
