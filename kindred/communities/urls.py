from django.urls import path

from kindred.communities import views

app_name = "communities"

urlpatterns = [
    path("", views.group_list, name="list"),
    path("propose/", views.group_propose, name="propose"),
    path("proposals/", views.group_proposals, name="proposals"),
    path("<slug:slug>/", views.group_detail, name="detail"),
    path("<slug:slug>/approve/", views.group_approve, name="approve"),
    path("<slug:slug>/decline/", views.group_decline, name="decline"),
    path("<slug:slug>/join/", views.group_join, name="join"),
    path("<slug:slug>/leave/", views.group_leave, name="leave"),
    path("<slug:slug>/members/", views.group_members, name="members"),
    path("<slug:slug>/archive/", views.group_archive, name="archive"),
    path("<slug:slug>/reopen/", views.group_reopen, name="reopen"),
    path("<slug:slug>/manage/", views.group_manage, name="manage"),
    path("<slug:slug>/manage/invite/", views.manage_invite, name="invite"),
    path(
        "<slug:slug>/manage/requests/<int:pk>/",
        views.manage_request,
        name="answer_request",
    ),
    path(
        "<slug:slug>/manage/members/<int:pk>/remove/",
        views.manage_remove,
        name="remove_member",
    ),
    path(
        "<slug:slug>/manage/members/<int:pk>/role/",
        views.manage_role,
        name="member_role",
    ),
    path("<slug:slug>/threads/new/", views.thread_create, name="thread_create"),
    path("<slug:slug>/threads/<int:pk>/", views.thread_detail, name="thread"),
    path("<slug:slug>/threads/<int:pk>/reply/", views.thread_reply, name="reply"),
    path("<slug:slug>/threads/<int:pk>/edit/", views.thread_edit, name="thread_edit"),
    path("<slug:slug>/threads/<int:pk>/answer/", views.thread_answer, name="answer"),
    path("<slug:slug>/threads/<int:pk>/follow/", views.thread_follow, name="follow"),
    path("<slug:slug>/threads/<int:pk>/pin/", views.thread_pin, name="pin"),
    path("<slug:slug>/threads/<int:pk>/hide/", views.thread_hide, name="thread_hide"),
    path(
        "<slug:slug>/threads/<int:pk>/replies/<int:reply>/edit/",
        views.reply_edit,
        name="reply_edit",
    ),
    path(
        "<slug:slug>/threads/<int:pk>/replies/<int:reply>/hide/",
        views.reply_hide,
        name="reply_hide",
    ),
    path("<slug:slug>/resources/", views.resource_list, name="resources"),
    path("<slug:slug>/resources/link/", views.resource_link, name="resource_link"),
    path(
        "<slug:slug>/resources/upload/", views.resource_upload, name="resource_upload"
    ),
    path(
        "<slug:slug>/resources/<int:pk>/download/",
        views.resource_download,
        name="download",
    ),
    path(
        "<slug:slug>/resources/<int:pk>/useful/", views.resource_useful, name="useful"
    ),
    path(
        "<slug:slug>/resources/<int:pk>/hide/",
        views.resource_hide,
        name="resource_hide",
    ),
]
