from django.urls import path

from kindred.directory import views

app_name = "directory"
urlpatterns = [
    path("directory/", views.search, name="search"),
    path("directory/people/", views.people, name="people"),
    path("directory/services/<int:pk>/", views.service_detail, name="service"),
    path("directory/services/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path(
        "directory/services/<int:pk>/review/",
        views.service_review,
        name="service_review",
    ),
    path(
        "directory/services/<int:pk>/delete/",
        views.service_delete,
        name="service_delete",
    ),
    path(
        "directory/organisations/<slug:slug>/services/",
        views.organisation_services,
        name="organisation_services",
    ),
    path(
        "directory/organisations/<slug:slug>/services/new/",
        views.service_create,
        name="service_create",
    ),
    path("navigator/", views.navigator, name="navigator"),
    path("navigator/save/", views.plan_save, name="plan_save"),
    path("navigator/plans/", views.plan_list, name="plans"),
    path("navigator/plans/<int:pk>/", views.plan_detail, name="plan"),
    path(
        "navigator/plans/<int:pk>/items/<int:item>/",
        views.plan_item_toggle,
        name="plan_item",
    ),
    path("navigator/plans/<int:pk>/share/", views.plan_share, name="plan_share"),
    path(
        "navigator/plans/<int:pk>/unshare/<int:user>/",
        views.plan_unshare,
        name="plan_unshare",
    ),
    path("navigator/plans/<int:pk>/delete/", views.plan_delete, name="plan_delete"),
    path("steward/directory/", views.steward_directory, name="steward"),
    path("steward/directory/import/", views.steward_import, name="steward_import"),
    path("steward/directory/export/", views.steward_export, name="steward_export"),
    path("steward/directory/jobs/<int:pk>/", views.steward_job, name="steward_job"),
    path(
        "steward/directory/jobs/<int:pk>/download/",
        views.steward_job_download,
        name="steward_job_download",
    ),
    path(
        "steward/directory/settings/", views.steward_settings, name="steward_settings"
    ),
]
