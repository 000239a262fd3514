from django.urls import path

from kindred.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.project_new, name="new"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/updates/", views.updates, name="updates"),
    path("<int:pk>/roles/<int:role_pk>/volunteer/", views.volunteer, name="volunteer"),
    path("<int:pk>/volunteers/<int:volunteer_pk>/decide/", views.decide, name="decide"),
    path(
        "<int:pk>/volunteers/<int:volunteer_pk>/withdraw/",
        views.withdraw,
        name="withdraw",
    ),
    path("businesses/", views.business_list, name="businesses"),
    path("businesses/new/", views.business_new, name="business_new"),
    path("businesses/<slug:slug>/", views.business_detail, name="business"),
    path("businesses/<slug:slug>/edit/", views.business_edit, name="business_edit"),
]
