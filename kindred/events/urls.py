from django.urls import path

from kindred.events import views

app_name = "events"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("mine/feed/", views.feed_create, name="feed_create"),
    path("mine/feed/revoke/", views.feed_revoke, name="feed_revoke"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/event.ics", views.event_ics, name="ics"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/unregister/", views.unregister, name="unregister"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path(
        "<int:pk>/attendance/<int:registration_pk>/",
        views.attendance,
        name="attendance",
    ),
    path("<int:pk>/cohost/<int:organisation_pk>/", views.cohost, name="cohost"),
]
