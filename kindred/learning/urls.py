from django.urls import path

from kindred.learning import views

app_name = "learning"

C = "<slug:slug>/"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.course_new, name="new"),
    path("certificates/<str:code>/", views.verify, name="verify"),
    path(C, views.course_detail, name="course"),
    path(f"{C}edit/", views.course_edit, name="edit"),
    path(f"{C}publish/", views.course_publish, name="publish"),
    path(f"{C}manage/", views.manage, name="manage"),
    path(f"{C}modules/", views.module_add, name="module_add"),
    path(f"{C}modules/<int:pk>/move/", views.module_move, name="module_move"),
    path(f"{C}modules/<int:pk>/lessons/", views.lesson_add, name="lesson_add"),
    path(f"{C}lessons/<int:pk>/", views.lesson_detail, name="lesson"),
    path(f"{C}lessons/<int:pk>/edit/", views.lesson_edit, name="lesson_edit"),
    path(f"{C}lessons/<int:pk>/move/", views.lesson_move, name="lesson_move"),
    path(f"{C}lessons/<int:pk>/files/", views.resource_add, name="resource_add"),
    path(f"{C}lessons/<int:pk>/quiz/", views.quiz_set, name="quiz_set"),
    path(f"{C}lessons/<int:pk>/complete/", views.lesson_complete, name="complete"),
    path(f"{C}lessons/<int:pk>/attempts/", views.quiz_attempt, name="attempt"),
    path(f"{C}files/<int:pk>/", views.resource_download, name="resource"),
    path(f"{C}enrol/", views.enrol, name="enrol"),
    path(f"{C}enrolments/", views.enrolments, name="enrolments"),
    path(
        f"{C}enrolments/<int:pk>/decide/",
        views.enrolment_decide,
        name="enrolment_decide",
    ),
    path(
        f"{C}enrolments/<int:pk>/revoke/",
        views.certificate_revoke,
        name="revoke",
    ),
    path(f"{C}report/", views.report, name="report"),
    path(f"{C}certificate/", views.certificate_download, name="certificate"),
]
