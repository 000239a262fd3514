from django.urls import path

from kindred.launch import views

app_name = "launch"
urlpatterns = [
    path("", views.first_run, name="first_run"),
    path("wizard/", views.wizard, name="wizard"),
    path("name/", views.name, name="name"),
    path("import/", views.import_directory, name="import"),
    path(
        "import/kindred-directory-template.csv",
        views.directory_template,
        name="directory_template",
    ),
    path("invite/", views.invite, name="invite"),
    path(
        "invite/kindred-invitations-template.csv",
        views.invite_template,
        name="invite_template",
    ),
    path("open/", views.open_doors, name="open"),
    path("skip/", views.skip, name="skip"),
    path("leave/", views.leave, name="leave"),
    path("done/", views.done, name="done"),
]
