from django.urls import path

from kindred.collaboration import views

app_name = "collaboration"

urlpatterns = [
    path("partnerships/", views.partnerships, name="partnerships"),
    path(
        "partnerships/propose/",
        views.partnership_propose,
        name="partnership_propose",
    ),
    path(
        "partnerships/<int:pk>/accept/",
        views.partnership_accept,
        name="partnership_accept",
    ),
    path(
        "partnerships/<int:pk>/decline/",
        views.partnership_decline,
        name="partnership_decline",
    ),
    path("partnerships/<int:pk>/end/", views.partnership_end, name="partnership_end"),
    path("calls/", views.calls, name="calls"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/interest/", views.call_interest, name="call_interest"),
    path("calls/<int:pk>/choose/", views.call_choose, name="call_choose"),
    path("calls/<int:pk>/close/", views.call_close, name="call_close"),
    path("stories/", views.stories, name="stories"),
    path("stories/new/", views.story_create, name="story_create"),
    path("stories/<int:pk>/", views.story_detail, name="story"),
    path("stories/<int:pk>/edit/", views.story_edit, name="story_edit"),
    path("stories/<int:pk>/publish/", views.story_publish, name="story_publish"),
    path("stories/<int:pk>/decline/", views.story_decline, name="story_decline"),
    path("stories/<int:pk>/withdraw/", views.story_withdraw, name="story_withdraw"),
    path("stories/<int:pk>/name/", views.story_name, name="story_name"),
    path("stories/<int:pk>/celebrate/", views.story_celebrate, name="story_celebrate"),
]
