from django.urls import path

from kindred.core import steward_views as views

app_name = "steward"
urlpatterns = [
    path("", views.console, name="console"),
    path("topics/", views.topics, name="topics"),
    path("tasks/", views.background_work, name="tasks"),
    path("tasks/<uuid:pk>/retry/", views.task_retry, name="task_retry"),
    path("topics/<int:pk>/", views.topic_edit, name="topic_edit"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/suspend/", views.person_suspend, name="person_suspend"),
    path("people/<int:pk>/reinstate/", views.person_reinstate, name="person_reinstate"),
    path("people/<int:pk>/steward/", views.person_steward, name="person_steward"),
    path("organisations/", views.organisations, name="organisations"),
    path(
        "organisations/<int:pk>/active/",
        views.organisation_active,
        name="organisation_active",
    ),
]
