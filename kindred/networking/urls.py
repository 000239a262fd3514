from django.urls import path

from kindred.networking import views

app_name = "networking"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.programme_new, name="new"),
    path("do-not-pair/", views.do_not_pair, name="do_not_pair"),
    path(
        "do-not-pair/<int:user_pk>/remove/",
        views.do_not_pair_remove,
        name="do_not_pair_remove",
    ),
    path("<int:pk>/", views.programme_detail, name="programme"),
    path("<int:pk>/edit/", views.programme_edit, name="edit"),
    path("<int:pk>/stats/", views.programme_stats, name="stats"),
    path("<int:pk>/join/", views.join, name="join"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("<int:pk>/snooze/", views.snooze, name="snooze"),
    path("<int:pk>/unsnooze/", views.unsnooze, name="unsnooze"),
    path("<int:pk>/topic/", views.topic_line, name="topic"),
    path("<int:pk>/run/", views.run_now, name="run"),
    path("introductions/<int:pk>/", views.introduction, name="introduction"),
    path("introductions/<int:pk>/time/", views.choose_time, name="time"),
    path("introductions/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("introductions/<int:pk>/calendar.ics", views.calendar, name="calendar"),
]
