from django.urls import path

from kindred.accounts import views

app_name = "members"
urlpatterns = [
    path("", views.member_directory, name="directory"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/photo", views.member_photo, name="photo"),
]
