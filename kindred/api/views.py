"""REST API endpoints: parse, call one service or selector, respond."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.reauthentication import (
    did_recently_reauthenticate,  # allauth is pinned; the decorator's own check
)
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.accounts import selectors as account_selectors
from kindred.accounts import services as account_services
from kindred.accounts.models import ApiToken, Profile, User
from kindred.accounts.permissions import get_profile_for_user, require_steward
from kindred.api import serializers as s
from kindred.api.concurrency import check_if_match, with_etag
from kindred.api.idempotency import idempotent
from kindred.api.pagination import IdCursorPagination
from kindred.core import services as core_services
from kindred.core.models import Region, Sector, Topic
from kindred.notifications import services as notification_services
from kindred.notifications.models import Notification
from kindred.organisations import selectors as organisation_selectors
from kindred.organisations import services as organisation_services
from kindred.organisations.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
)
from kindred.organisations.permissions import (
    get_organisation_for_user,
    require_org_admin,
)
from kindred.webhooks import services as webhook_services
from kindred.webhooks.models import Delivery, Endpoint


def _me(request: Request) -> Profile:
    return (
        Profile.objects.select_related("user", "region")
        .prefetch_related(
            "sectors",
            "topics_offered",
            "topics_needed",
            "user__memberships__organisation",
        )
        .get(user=request.user)
    )


class MeView(APIView):
    @extend_schema(responses=s.MeSerializer, summary="Your own account and profile")
    def get(self, request: Request) -> Response:
        return with_etag(Response(s.MeSerializer(_me(request)).data))

    @extend_schema(
        request=s.MeUpdateSerializer,
        responses=s.MeSerializer,
        summary="Change your profile",
    )
    def patch(self, request: Request) -> Response:
        serializer = s.MeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        for field, level in data.pop("visibility", {}).items():
            data[f"{field}_visibility"] = level
        with transaction.atomic():
            Profile.objects.select_for_update().filter(user=request.user).first()
            profile = _me(request)
            check_if_match(request, s.MeSerializer(profile).data)
            account_services.update_profile(profile, by=request.user, **data)
        return with_etag(Response(s.MeSerializer(_me(request)).data))


MEMBER_FILTERS = [
    OpenApiParameter("q", str, description="Part of a name or headline"),
    OpenApiParameter("topic_offered", int, description="Topic id they offer help with"),
    OpenApiParameter("topic_needed", int, description="Topic id they want help with"),
    OpenApiParameter("region", int),
    OpenApiParameter("sector", int),
    OpenApiParameter("stage", str, enum=[c for c, _ in s.Stage.choices]),
    OpenApiParameter("organisation", int, description="Organisation id"),
]


class MemberList(generics.ListAPIView):
    serializer_class = s.MemberSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Profile.objects.none()
        params = s.MemberFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        filters = account_selectors.MemberFilters(**params.validated_data)
        profiles = account_selectors.search_members(self.request.user, filters)
        return account_selectors.with_card_data(profiles.order_by("pk"))

    @extend_schema(parameters=MEMBER_FILTERS, summary="Search the member directory")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        cards = account_selectors.visible_profiles(page or [], request.user)
        return self.get_paginated_response(self.get_serializer(cards, many=True).data)


class MemberDetail(APIView):
    @extend_schema(
        responses=s.MemberSerializer, summary="One member, as you may see them"
    )
    def get(self, request: Request, pk: int) -> Response:
        profile = get_profile_for_user(request.user, pk)
        profile = account_selectors.with_card_data(
            Profile.objects.filter(pk=profile.pk)
        ).get()
        member = account_selectors.visible_profile(profile, request.user)
        return Response(s.MemberSerializer(member).data)


class OrganisationList(generics.ListAPIView):
    serializer_class = s.OrganisationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Organisation.objects.none()
        params = s.OrganisationFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        return organisation_selectors.list_organisations(**params.validated_data)

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Part of the name or summary"),
            OpenApiParameter("kind", str, enum=list(Organisation.Kind.values)),
        ],
        summary="List organisations",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.OrganisationWriteSerializer,
        responses={201: s.OrganisationSerializer},
        summary="Create an organisation (you become its admin)",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = s.OrganisationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organisation = organisation_services.create_organisation(
            by=request.user, regions=data.pop("regions", []), **data
        )
        return Response(
            s.OrganisationSerializer(organisation).data, status=status.HTTP_201_CREATED
        )


def _organisation(request: Request, slug: str) -> Organisation:
    return get_organisation_for_user(request.user, slug)


class OrganisationDetail(APIView):
    @extend_schema(responses=s.OrganisationSerializer, summary="One organisation")
    def get(self, request: Request, slug: str) -> Response:
        organisation = _organisation(request, slug)
        return with_etag(Response(s.OrganisationSerializer(organisation).data))

    @extend_schema(
        request=s.OrganisationWriteSerializer(partial=True),
        responses=s.OrganisationSerializer,
        summary="Change an organisation (admins)",
    )
    def patch(self, request: Request, slug: str) -> Response:
        organisation = _organisation(request, slug)
        require_org_admin(request.user, organisation)
        serializer = s.OrganisationWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        with transaction.atomic():
            organisation = Organisation.objects.select_for_update().get(
                pk=organisation.pk
            )
            check_if_match(request, s.OrganisationSerializer(organisation).data)
            organisation = organisation_services.update_organisation(
                organisation, by=request.user, regions=data.pop("regions", None), **data
            )
        return with_etag(Response(s.OrganisationSerializer(organisation).data))


class OrganisationMembers(generics.ListAPIView):
    serializer_class = s.OrganisationMemberSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return organisation_selectors.organisation_members(
            _organisation(self.request, self.kwargs["slug"])
        ).order_by("id")

    @extend_schema(summary="Members of an organisation")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OrganisationMember(APIView):
    def _membership(self, request: Request, slug: str, pk: int) -> Membership:
        organisation = _organisation(request, slug)
        return get_object_or_404(Membership, pk=pk, organisation=organisation)

    @extend_schema(
        request=s.RoleUpdateSerializer,
        responses=s.OrganisationMemberSerializer,
        summary="Change a member's role (admins)",
    )
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        membership = self._membership(request, slug, pk)
        require_org_admin(request.user, membership.organisation)
        serializer = s.RoleUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            membership = (
                Membership.objects.select_for_update(of=("self",))
                .select_related("organisation", "user__profile")
                .get(pk=membership.pk)
            )
            check_if_match(request, s.OrganisationMemberSerializer(membership).data)
            membership = organisation_services.set_member_role(
                membership, by=request.user, role=serializer.validated_data["role"]
            )
        return with_etag(Response(s.OrganisationMemberSerializer(membership).data))

    @extend_schema(responses={204: None}, summary="Remove a member, or leave")
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        membership = self._membership(request, slug, pk)
        organisation_services.remove_member(membership, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganisationInvitations(APIView):
    @extend_schema(
        responses=s.InvitationSerializer(many=True),
        summary="Pending invitations (admins)",
    )
    def get(self, request: Request, slug: str) -> Response:
        organisation = _organisation(request, slug)
        require_org_admin(request.user, organisation)
        invitations = organisation_selectors.pending_invitations(organisation)
        return Response(s.InvitationSerializer(invitations, many=True).data)

    @extend_schema(
        request=s.InvitationCreateSerializer,
        responses={201: s.InvitationSerializer},
        summary="Invite someone by email (admins)",
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        organisation = _organisation(request, slug)
        require_org_admin(request.user, organisation)
        serializer = s.InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = organisation_services.invite_member(
            organisation, by=request.user, **serializer.validated_data
        )
        return Response(
            s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED
        )


class OrganisationJoinRequests(APIView):
    @extend_schema(
        responses=s.JoinRequestSerializer(many=True),
        summary="Pending join requests (admins)",
    )
    def get(self, request: Request, slug: str) -> Response:
        organisation = _organisation(request, slug)
        require_org_admin(request.user, organisation)
        join_requests = organisation_selectors.pending_join_requests(organisation)
        return Response(s.JoinRequestSerializer(join_requests, many=True).data)

    @extend_schema(
        request=s.JoinRequestCreateSerializer,
        responses={201: s.JoinRequestSerializer},
        summary="Ask to join an organisation",
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        organisation = _organisation(request, slug)
        serializer = s.JoinRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        join_request = organisation_services.request_to_join(
            organisation,
            by=request.user,
            message=serializer.validated_data.get("message", ""),
        )
        return Response(
            s.JoinRequestSerializer(join_request).data, status=status.HTTP_201_CREATED
        )


class OrganisationJoinRequestDecision(APIView):
    @extend_schema(
        request=s.JoinDecisionSerializer,
        responses=s.JoinRequestSerializer,
        summary="Approve or decline a join request (admins)",
    )
    @idempotent
    def post(self, request: Request, slug: str, pk: int) -> Response:
        organisation = _organisation(request, slug)
        require_org_admin(request.user, organisation)
        join_request = get_object_or_404(JoinRequest, pk=pk, organisation=organisation)
        serializer = s.JoinDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        join_request = organisation_services.decide_join_request(
            join_request, by=request.user, **serializer.validated_data
        )
        return Response(s.JoinRequestSerializer(join_request).data)


class TopicList(generics.ListAPIView):
    serializer_class = s.TopicSerializer
    filter_backends: list[Any] = []
    queryset = Topic.objects.order_by("id")

    @extend_schema(summary="The shared taxonomy of business-support topics")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RegionList(generics.ListAPIView):
    serializer_class = s.TermSerializer
    filter_backends: list[Any] = []
    queryset = Region.objects.order_by("id")


class SectorList(generics.ListAPIView):
    serializer_class = s.TermSerializer
    filter_backends: list[Any] = []
    queryset = Sector.objects.order_by("id")


class InvitationAccept(APIView):
    @extend_schema(
        request=None,
        responses={201: s.MembershipOutSerializer},
        summary="Accept an invitation sent to your email address",
    )
    @idempotent
    def post(self, request: Request, token: str) -> Response:
        invitation = (
            Invitation.objects.select_related("organisation")
            .filter(token=token)
            .first()
        )
        if invitation is None:
            raise Http404
        membership = organisation_services.accept_invitation(
            invitation, by=request.user
        )
        return Response(
            s.MembershipOutSerializer(membership).data, status=status.HTTP_201_CREATED
        )


class TokenList(generics.ListAPIView):
    serializer_class = s.ApiTokenSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user).order_by("id")

    @extend_schema(summary="Your personal access tokens (never their keys)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.ApiTokenCreateSerializer,
        responses={201: s.ApiTokenCreatedSerializer},
        summary="Create a token; its key is in this answer only",
    )
    def post(self, request: Request) -> Response:
        # Not idempotent on purpose: replaying would mean storing the raw key.
        if isinstance(request.auth, ApiToken):
            # A token cannot mint tokens: that would let a leaked token outlive
            # its own expiry. New tokens come from a re-authenticated session.
            raise PermissionDenied(
                _("Create tokens from your account settings, not with a token.")
            )
        if not did_recently_reauthenticate(request._request):
            # As on the tokens page: a session that has not confirmed the password
            # lately (a borrowed laptop, a stolen cookie) cannot mint a token.
            raise PermissionDenied(
                _("Confirm your password on the API tokens page, then try again.")
            )
        serializer = s.ApiTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, raw = account_services.create_api_token(
            by=request.user, **serializer.validated_data
        )
        data = {**s.ApiTokenSerializer(token).data, "key": raw}
        return Response(data, status=status.HTTP_201_CREATED)


class TokenDetail(APIView):
    @extend_schema(responses={204: None}, summary="Revoke one of your tokens")
    def delete(self, request: Request, pk: int) -> Response:
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        account_services.revoke_api_token(token, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TopicCreate(TopicList):
    """Stewards add topics to the shared taxonomy."""

    @extend_schema(
        request=s.TopicWriteSerializer,
        responses={201: s.TopicSerializer},
        summary="Add a topic (stewards)",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        require_steward(request.user)
        serializer = s.TopicWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        topic = core_services.save_topic(
            None, by=request.user, **serializer.validated_data
        )
        return Response(s.TopicSerializer(topic).data, status=status.HTTP_201_CREATED)


class TopicDetail(APIView):
    @extend_schema(
        request=s.TopicWriteSerializer,
        responses=s.TopicSerializer,
        summary="Rename, describe, move or retire a topic (stewards)",
    )
    def put(self, request: Request, pk: int) -> Response:
        require_steward(request.user)
        serializer = s.TopicWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            topic = get_object_or_404(Topic.objects.select_for_update(), pk=pk)
            check_if_match(request, s.TopicSerializer(topic).data)
            topic = core_services.save_topic(
                topic, by=request.user, **serializer.validated_data
            )
        return with_etag(Response(s.TopicSerializer(topic).data))


class MemberSuspension(APIView):
    def _person(self, request: Request, pk: int) -> User:
        require_steward(request.user)
        return get_object_or_404(Profile.objects.select_related("user"), pk=pk).user

    @extend_schema(
        request=s.SuspensionSerializer,
        responses={201: s.SuspensionSerializer},
        summary="Suspend a member's account (stewards)",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        person = self._person(request, pk)
        serializer = s.SuspensionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account_services.suspend_user(
            person, by=request.user, **serializer.validated_data
        )
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={204: None}, summary="Reinstate a suspended account (stewards)"
    )
    def delete(self, request: Request, pk: int) -> Response:
        account_services.reinstate_user(self._person(request, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationList(generics.ListAPIView):
    serializer_class = s.NotificationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user).order_by("id")

    @extend_schema(summary="Your notifications, oldest first (cursor pages)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class NotificationRead(APIView):
    @extend_schema(
        request=None, responses=s.NotificationSerializer, summary="Mark one read"
    )
    def post(self, request: Request, pk: int) -> Response:
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        notification = notification_services.mark_read(notification, by=request.user)
        return Response(s.NotificationSerializer(notification).data)


class NotificationReadAll(APIView):
    @extend_schema(request=None, responses=s.ReadAllSerializer, summary="Mark all read")
    def post(self, request: Request) -> Response:
        count = notification_services.mark_all_read(by=request.user)
        return Response({"marked_read": count})


def _admin_organisation(request: Request, slug: str) -> Organisation:
    organisation = _organisation(request, slug)
    require_org_admin(request.user, organisation)
    return organisation


class WebhookList(generics.ListAPIView):
    serializer_class = s.WebhookEndpointSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Endpoint.objects.none()
        organisation = _admin_organisation(self.request, self.kwargs["slug"])
        return organisation.webhook_endpoints.order_by("id")

    @extend_schema(summary="An organisation's webhooks (admins)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.WebhookEndpointCreateSerializer,
        responses={201: s.WebhookEndpointSerializer},
        summary="Register a webhook (admins)",
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        organisation = _admin_organisation(request, slug)
        serializer = s.WebhookEndpointCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = webhook_services.create_endpoint(
            organisation, by=request.user, **serializer.validated_data
        )
        return Response(
            s.WebhookEndpointSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )


def _webhook(request: Request, slug: str, pk: int) -> Endpoint:
    organisation = _admin_organisation(request, slug)
    return get_object_or_404(Endpoint, pk=pk, organisation=organisation)


class WebhookDetail(APIView):
    @extend_schema(responses={204: None}, summary="Remove a webhook (admins)")
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        webhook_services.delete_endpoint(_webhook(request, slug, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookTest(APIView):
    @extend_schema(
        request=None,
        responses={202: s.WebhookDeliverySerializer},
        summary="Send a test event (admins)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        delivery = webhook_services.send_test_event(
            _webhook(request, slug, pk), by=request.user
        )
        return Response(
            s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED
        )


class NewestFirstPagination(IdCursorPagination):
    ordering = "-id"


class WebhookDeliveries(generics.ListAPIView):
    serializer_class = s.WebhookDeliverySerializer
    filter_backends: list[Any] = []
    pagination_class = NewestFirstPagination

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        endpoint = _webhook(self.request, self.kwargs["slug"], self.kwargs["pk"])
        return endpoint.deliveries.order_by("-id")

    @extend_schema(summary="A webhook's delivery log, newest first (admins)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
