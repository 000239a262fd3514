from django.urls import path

from kindred.programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.programme_new, name="new"),
    path("<int:pk>/", views.programme_detail, name="programme"),
    path("<int:pk>/edit/", views.programme_edit, name="edit"),
    path("<int:pk>/cohorts/new/", views.cohort_new, name="cohort_new"),
    path("<int:pk>/surveys/new/", views.instrument_new, name="instrument_new"),
    path(
        "<int:pk>/surveys/<int:instrument_pk>/",
        views.instrument_detail,
        name="instrument",
    ),
    path(
        "<int:pk>/waiting/<int:entry_pk>/place/",
        views.waiting_place,
        name="waiting_place",
    ),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort"),
    path("cohorts/<int:pk>/places/", views.place_add, name="place_add"),
    path(
        "cohorts/<int:pk>/places/<int:place_pk>/withdraw/",
        views.place_withdraw,
        name="place_withdraw",
    ),
    path("cohorts/<int:pk>/status/", views.cohort_status, name="cohort_status"),
    path("cohorts/<int:pk>/survey/<slug:kind>/", views.survey, name="survey"),
    path("cohorts/<int:pk>/evaluation/", views.evaluation, name="evaluation"),
    path(
        "cohorts/<int:pk>/evaluation/answers.csv",
        views.evaluation_export,
        name="export",
    ),
]
