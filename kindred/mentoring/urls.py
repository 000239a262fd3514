from django.urls import path

from kindred.mentoring import views

app_name = "mentoring"

P = "<int:pk>"
W = "pairs/<int:pk>"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.programme_new, name="new"),
    path("requests/", views.requests, name="requests"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path(f"{P}/", views.programme_detail, name="programme"),
    path(f"{P}/edit/", views.programme_edit, name="edit"),
    path(f"{P}/status/", views.programme_status, name="status"),
    path(f"{P}/apply/<str:side>/", views.apply, name="apply"),
    path(f"{P}/withdraw/", views.withdraw, name="withdraw"),
    path(f"{P}/applications/", views.applications, name="applications"),
    path(f"{P}/forbid/", views.forbid, name="forbid"),
    path(f"{P}/matching/", views.matching, name="matching"),
    path(f"{P}/matching/run/", views.matching_run, name="run"),
    path(f"{P}/matching/add/", views.pair_add, name="pair_add"),
    path(f"{P}/matching/publish/", views.publish, name="publish"),
    path(f"{P}/matching/<int:pair_pk>/remove/", views.pair_remove, name="pair_remove"),
    path(f"{P}/matching/<int:pair_pk>/swap/", views.pair_swap, name="pair_swap"),
    path(f"{P}/dashboard/", views.dashboard, name="dashboard"),
    path(f"{P}/request/", views.request_mentors, name="request"),
    path(f"{P}/request/withdraw/", views.withdraw_requests, name="withdraw_requests"),
    path(f"{W}/", views.pair_detail, name="pair"),
    path(f"{W}/agreement/", views.pair_agreement, name="agreement"),
    path(f"{W}/goals/", views.pair_goal, name="goal"),
    path(
        f"{W}/goals/<int:goal_pk>/milestones/", views.pair_milestone, name="milestone"
    ),
    path(f"{W}/<str:kind>/<int:item_pk>/done/", views.pair_done, name="done"),
    path(f"{W}/sessions/", views.pair_session, name="session"),
    path(
        f"{W}/sessions/<int:session_pk>.ics",
        views.session_calendar,
        name="session_ics",
    ),
    path(f"{W}/notes/", views.pair_note, name="note"),
    path(
        f"{W}/notes/<int:note_pk>/delete/", views.pair_note_delete, name="note_delete"
    ),
    path(f"{W}/check-in/", views.pair_check_in, name="check_in"),
    path(f"{W}/close/", views.pair_close, name="close"),
]
