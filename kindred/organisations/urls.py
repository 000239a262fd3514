from django.urls import path

from kindred.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="create"),
    path("invitations/<str:token>/", views.invitation_respond, name="invitation"),
    path("<slug:slug>/", views.organisation_detail, name="detail"),
    path("<slug:slug>/logo", views.organisation_logo, name="logo"),
    path("<slug:slug>/edit/", views.organisation_edit, name="edit"),
    path("<slug:slug>/manage/", views.organisation_manage, name="manage"),
    path("<slug:slug>/invite/", views.organisation_invite, name="invite"),
    path(
        "<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("<slug:slug>/members/<int:pk>/role/", views.member_role, name="member_role"),
    path(
        "<slug:slug>/members/<int:pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("<slug:slug>/join/", views.join_request_create, name="join"),
    path(
        "<slug:slug>/join-requests/<int:pk>/",
        views.join_request_decide,
        name="join_decide",
    ),
]
