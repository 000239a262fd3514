"""Input and output serializers of the REST API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kindred.accounts.models import (
    LANGUAGE_CHOICES,
    TIME_ZONE_CHOICES,
    ApiToken,
    Profile,
    Stage,
    Visibility,
)
from kindred.core.models import Region, Sector, Topic
from kindred.organisations.models import (
    Invitation,
    JoinRequest,
    Organisation,
    Role,
)

ID_MAX = 2**31 - 1


class StrictCharField(serializers.CharField):
    """A string field that refuses numbers and booleans instead of coercing them."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false in JSON; no "yes", 1 or "0"."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def _id_list(model: Any) -> serializers.ListField:
    """A JSON list of ids of active `model` terms (a list, never an object)."""
    return serializers.ListField(
        child=serializers.PrimaryKeyRelatedField(
            queryset=model.objects.filter(is_active=True)
        ),
        required=False,
        max_length=50,
    )


class TermSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)


class TopicSerializer(TermSerializer):
    description = serializers.CharField(read_only=True)
    parent = serializers.IntegerField(
        source="parent_id", read_only=True, allow_null=True
    )
    is_active = serializers.BooleanField(read_only=True)


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class MembershipOutSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    title = serializers.CharField(read_only=True)


class MemberSerializer(serializers.Serializer):
    """A member as the caller may see them; hidden fields are null or empty."""

    id = serializers.IntegerField(source="pk", read_only=True)
    display_name = serializers.CharField(read_only=True)
    headline = serializers.CharField(read_only=True)
    bio = serializers.CharField(read_only=True)
    has_photo = serializers.SerializerMethodField()
    region = TermSerializer(read_only=True, allow_null=True)
    sectors = TermSerializer(many=True, read_only=True)
    stage = serializers.CharField(read_only=True)
    topics_offered = TermSerializer(many=True, read_only=True)
    topics_needed = TermSerializer(many=True, read_only=True)
    time_zone = serializers.CharField(read_only=True)
    languages = serializers.ListField(
        child=serializers.CharField(), source="language_codes", read_only=True
    )
    organisations = OrganisationRefSerializer(many=True, read_only=True)

    def get_has_photo(self, member: Any) -> bool:
        return bool(member.photo)


VISIBILITY_FIELD_NAMES = [f"{f}_visibility" for f in Profile.PERSONAL_FIELDS]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    is_steward = serializers.BooleanField(source="user.is_steward", read_only=True)
    profile_id = serializers.IntegerField(source="pk", read_only=True)
    display_name = serializers.CharField(read_only=True)
    headline = serializers.CharField(read_only=True)
    bio = serializers.CharField(read_only=True)
    region = TermSerializer(read_only=True, allow_null=True)
    sectors = TermSerializer(many=True, read_only=True)
    stage = serializers.CharField(read_only=True)
    topics_offered = TermSerializer(many=True, read_only=True)
    topics_needed = TermSerializer(many=True, read_only=True)
    time_zone = serializers.CharField(read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    visibility = serializers.SerializerMethodField()
    memberships = MembershipOutSerializer(
        many=True, read_only=True, source="user.memberships"
    )

    def get_visibility(self, profile: Profile) -> dict[str, str]:
        return {f: getattr(profile, f"{f}_visibility") for f in Profile.PERSONAL_FIELDS}


class VisibilitySerializer(serializers.Serializer):
    """Who may see each personal field: members, organisations or only_me."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            field: serializers.ChoiceField(choices=Visibility.choices, required=False)
            for field in Profile.PERSONAL_FIELDS
        }


class MeUpdateSerializer(serializers.Serializer):
    display_name = StrictCharField(max_length=120, required=False)
    headline = StrictCharField(max_length=160, required=False, allow_blank=True)
    bio = StrictCharField(max_length=5000, required=False, allow_blank=True)
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(is_active=True), required=False, allow_null=True
    )
    sectors = _id_list(Sector)
    stage = serializers.ChoiceField(
        choices=[("", _("Not set")), *Stage.choices], required=False, allow_blank=True
    )
    topics_offered = _id_list(Topic)
    topics_needed = _id_list(Topic)
    time_zone = serializers.ChoiceField(choices=TIME_ZONE_CHOICES, required=False)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CHOICES),
        required=False,
        max_length=20,
    )
    visibility = VisibilitySerializer(required=False)

    def validate_display_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("Your name cannot be empty."))
        return value.strip()


class OrganisationSerializer(serializers.ModelSerializer):
    regions = TermSerializer(many=True, read_only=True)
    # Plain strings: either may be empty, which "uri"/"email" formats forbid.
    website = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    member_count = serializers.SerializerMethodField()
    has_logo = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "summary",
            "description",
            "website",
            "email",
            "regions",
            "member_count",
            "has_logo",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields

    def get_member_count(self, organisation: Organisation) -> int:
        count = getattr(organisation, "member_count", None)
        if count is None:
            count = organisation.memberships.filter(user__is_active=True).count()
        return count

    def get_has_logo(self, organisation: Organisation) -> bool:
        return bool(organisation.logo)


class OrganisationWriteSerializer(serializers.Serializer):
    name = StrictCharField(max_length=160)
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    summary = StrictCharField(max_length=200, required=False, allow_blank=True)
    description = StrictCharField(max_length=10000, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True, max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True)
    regions = _id_list(Region)

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("A name is required."))
        return value.strip()


class OrganisationMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    member_id = serializers.IntegerField(source="user.profile.pk", read_only=True)
    display_name = serializers.CharField(
        source="user.profile.display_name", read_only=True
    )
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    title = serializers.CharField(read_only=True)
    joined_at = serializers.DateTimeField(read_only=True)


class RoleUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "created_at", "expires_at"]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.PRACTITIONER)


class JoinRequestSerializer(serializers.ModelSerializer):
    member_id = serializers.IntegerField(source="user.profile.pk", read_only=True)
    display_name = serializers.CharField(
        source="user.profile.display_name", read_only=True
    )

    class Meta:
        model = JoinRequest
        fields = ["id", "member_id", "display_name", "message", "status", "created_at"]
        read_only_fields = fields


class JoinRequestCreateSerializer(serializers.Serializer):
    message = StrictCharField(max_length=500, required=False, allow_blank=True)


class JoinDecisionSerializer(serializers.Serializer):
    approve = StrictBooleanField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class MemberFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    # Ids are capped: a larger number cannot name a row, and SQLite refuses it.
    topic_offered = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX
    )
    topic_needed = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX
    )
    region = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    sector = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    organisation = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX
    )


class OrganisationFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices, required=False)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=80)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(
        read_only=True, help_text="Shown once; store it safely."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class TopicWriteSerializer(serializers.Serializer):
    name = StrictCharField(max_length=80)
    description = StrictCharField(max_length=300, required=False, allow_blank=True)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Topic.objects.filter(parent__isnull=True),
        required=False,
        allow_null=True,
    )
    is_active = StrictBooleanField(required=False, default=True)


class SuspensionSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=300)


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    read_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ReadAllSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField(read_only=True)


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    event_types = serializers.ListField(child=serializers.CharField(), read_only=True)
    secret = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    failing_since = serializers.DateTimeField(read_only=True, allow_null=True)
    disabled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=StrictCharField(max_length=80), min_length=1, max_length=50
    )


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    event_id = serializers.UUIDField(read_only=True)
    event_type = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    attempts = serializers.IntegerField(read_only=True)
    last_status_code = serializers.IntegerField(read_only=True, allow_null=True)
    last_error = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    delivered_at = serializers.DateTimeField(read_only=True, allow_null=True)
