from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from kindred.api import views

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("me", views.MeView.as_view(), name="me"),
    path("members", views.MemberList.as_view(), name="members"),
    path("members/<int:pk>", views.MemberDetail.as_view(), name="member"),
    path("organisations", views.OrganisationList.as_view(), name="organisations"),
    path("organisations/<slug:slug>", views.OrganisationDetail.as_view(), name="organisation"),
    path("organisations/<slug:slug>/members", views.OrganisationMembers.as_view(), name="organisation-members"),
    path("organisations/<slug:slug>/members/<int:pk>", views.OrganisationMember.as_view(), name="organisation-member"),
    path("organisations/<slug:slug>/invitations", views.OrganisationInvitations.as_view(), name="organisation-invitations"),
    path("organisations/<slug:slug>/join-requests", views.OrganisationJoinRequests.as_view(), name="organisation-join-requests"),
    path("organisations/<slug:slug>/join-requests/<int:pk>/decision", views.OrganisationJoinRequestDecision.as_view(), name="organisation-join-decision"),
    path("topics", views.TopicList.as_view(), name="topics"),
    path("regions", views.RegionList.as_view(), name="regions"),
    path("sectors", views.SectorList.as_view(), name="sectors"),
]
