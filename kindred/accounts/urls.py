from django.urls import path

from kindred.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.settings_home, name="settings"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
