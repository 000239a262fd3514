from django.urls import path

from kindred.peerhelp import views

app_name = "peerhelp"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.ask_new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.ask_edit, name="edit"),
    path("<int:pk>/close/", views.ask_close, name="close"),
    path("<int:pk>/reopen/", views.ask_reopen, name="reopen"),
    path("<int:pk>/respond/", views.respond, name="respond"),
    path("<int:pk>/call/", views.offer_call, name="call"),
    path(
        "<int:pk>/responses/<int:response_pk>/call.ics",
        views.call_ics,
        name="call_ics",
    ),
    path(
        "<int:pk>/responses/<int:response_pk>/helpful/",
        views.mark_helpful,
        name="helpful",
    ),
    path("offers/", views.offers, name="offers"),
    path("offers/new/", views.offer_form, name="offer_new"),
    path("offers/<int:pk>/edit/", views.offer_form, name="offer_edit"),
    path("offers/<int:pk>/toggle/", views.offer_toggle, name="offer_toggle"),
    path("thanks/", views.thanks_mine, name="thanks_mine"),
    path("thanks/<int:profile_pk>/", views.thanks_public, name="thanks"),
]
