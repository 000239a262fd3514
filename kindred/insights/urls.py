from django.urls import path

from kindred.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("following/", views.following, name="following"),
    path("follow/topic/", views.follow_topic, name="follow_topic"),
    path("follow/person/<int:profile_pk>/", views.follow_person, name="follow_person"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/react/", views.react, name="react"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path(
        "<int:pk>/comments/<int:comment_pk>/edit/",
        views.comment_edit,
        name="comment_edit",
    ),
]
