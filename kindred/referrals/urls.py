from django.urls import path

from kindred.referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_new, name="new"),
    path("report/", views.report, name="report"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/move/", views.referral_move, name="move"),
    path("<int:pk>/messages/", views.referral_message, name="message"),
    path("<int:pk>/outcomes/", views.referral_outcome, name="outcome"),
    path(
        "<int:pk>/outcomes/<int:outcome>/confirm/",
        views.outcome_confirm,
        name="outcome_confirm",
    ),
    path("<int:pk>/consent/", views.consent_answer, name="consent_answer"),
    path("<int:pk>/consent/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path(
        "organisations/<slug:slug>/log/",
        views.organisation_log,
        name="organisation_log",
    ),
]
