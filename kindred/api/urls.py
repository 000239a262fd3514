from csp.decorators import csp_update
from django.urls import path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView

from kindred.api import (
    analytics,
    collaboration,
    communities,
    consents,
    directory,
    events,
    insights,
    learning,
    mentoring,
    moderation,
    networking,
    peerhelp,
    privacy,
    programmes,
    projects,
    referrals,
    views,
)

app_name = "api"

# Swagger UI styles its widgets inline, so the docs page alone allows inline styles.
api_docs = csp_update({"style-src": ["'unsafe-inline'"]})(
    TemplateView.as_view(template_name="api/docs.html")
)
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("services", directory.ServiceList.as_view(), name="services"),
    path("services/search", directory.ServiceSearch.as_view(), name="service-search"),
    path("services/<int:pk>", directory.ServiceDetail.as_view(), name="service"),
    path(
        "services/<int:pk>/review",
        directory.ServiceReview.as_view(),
        name="service-review",
    ),
    path(
        "organisations/<slug:slug>/services",
        directory.OrganisationServices.as_view(),
        name="organisation-services",
    ),
    path("navigator", directory.Navigator.as_view(), name="navigator"),
    path("plans", directory.PlanList.as_view(), name="plans"),
    path("plans/<int:pk>", directory.PlanDetail.as_view(), name="plan"),
    path(
        "plans/<int:pk>/items/<int:item>",
        directory.PlanItemDetail.as_view(),
        name="plan-item",
    ),
    path("plans/<int:pk>/shares", directory.PlanShares.as_view(), name="plan-shares"),
    path(
        "plans/<int:pk>/shares/<int:member>",
        directory.PlanShare.as_view(),
        name="plan-share",
    ),
    path("docs/", api_docs, name="docs"),
    path("me", views.MeView.as_view(), name="me"),
    path("members", views.MemberList.as_view(), name="members"),
    path("members/<int:pk>", views.MemberDetail.as_view(), name="member"),
    path("organisations", views.OrganisationList.as_view(), name="organisations"),
    path(
        "organisations/<slug:slug>",
        views.OrganisationDetail.as_view(),
        name="organisation",
    ),
    path(
        "organisations/<slug:slug>/members",
        views.OrganisationMembers.as_view(),
        name="organisation-members",
    ),
    path(
        "organisations/<slug:slug>/members/<int:pk>",
        views.OrganisationMember.as_view(),
        name="organisation-member",
    ),
    path(
        "organisations/<slug:slug>/invitations",
        views.OrganisationInvitations.as_view(),
        name="organisation-invitations",
    ),
    path(
        "organisations/<slug:slug>/join-requests",
        views.OrganisationJoinRequests.as_view(),
        name="organisation-join-requests",
    ),
    path(
        "organisations/<slug:slug>/join-requests/<int:pk>/decision",
        views.OrganisationJoinRequestDecision.as_view(),
        name="organisation-join-decision",
    ),
    path(
        "organisations/<slug:slug>/webhooks",
        views.WebhookList.as_view(),
        name="webhooks",
    ),
    path(
        "organisations/<slug:slug>/webhooks/<int:pk>",
        views.WebhookDetail.as_view(),
        name="webhook",
    ),
    path(
        "organisations/<slug:slug>/webhooks/<int:pk>/test",
        views.WebhookTest.as_view(),
        name="webhook-test",
    ),
    path(
        "organisations/<slug:slug>/webhooks/<int:pk>/deliveries",
        views.WebhookDeliveries.as_view(),
        name="webhook-deliveries",
    ),
    path("topics", views.TopicCreate.as_view(), name="topics"),
    path("topics/<int:pk>", views.TopicDetail.as_view(), name="topic"),
    path(
        "members/<int:pk>/suspension",
        views.MemberSuspension.as_view(),
        name="member-suspension",
    ),
    path(
        "invitations/<str:token>/accept",
        views.InvitationAccept.as_view(),
        name="invitation-accept",
    ),
    path("notifications", views.NotificationList.as_view(), name="notifications"),
    path(
        "notifications/read-all",
        views.NotificationReadAll.as_view(),
        name="notifications-read-all",
    ),
    path(
        "notifications/<int:pk>/read",
        views.NotificationRead.as_view(),
        name="notification-read",
    ),
    path("tokens", views.TokenList.as_view(), name="tokens"),
    path("tokens/<int:pk>", views.TokenDetail.as_view(), name="token"),
    path("regions", views.RegionList.as_view(), name="regions"),
    path("sectors", views.SectorList.as_view(), name="sectors"),
]
urlpatterns += (
    referrals.urlpatterns
    + collaboration.urlpatterns
    + communities.urlpatterns
    + events.urlpatterns
    + peerhelp.urlpatterns
    + insights.urlpatterns
    + projects.urlpatterns
    + moderation.urlpatterns
    + mentoring.urlpatterns
    + learning.urlpatterns
    + programmes.urlpatterns
    + networking.urlpatterns
    + analytics.urlpatterns
    + consents.urlpatterns
    + privacy.urlpatterns
)
