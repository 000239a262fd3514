"""OpenAPI schema: bearer auth and problem+json error responses on every operation."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(allow_blank=True)
    errors = serializers.DictField(required=False)


class KindredAutoSchema(AutoSchema):
    """Document the problem+json errors every operation can answer with."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction=direction)
        # Any operation may meet a bad request, missing or refused credentials,
        # an object the caller may not see, content negotiation or a rate limit.
        errors = ["400", "401", "403", "404", "406", "429"]
        if self.method in ("POST", "PUT", "PATCH"):
            errors.append("415")
        if self.method == "POST":
            errors += ["409", "422"]  # Idempotency-Key still running, or reused
        if self.method in ("PUT", "PATCH"):
            errors.append("412")  # If-Match names an older version
        problem = OpenApiResponse(
            ProblemSerializer, description="A problem (RFC 9457)."
        )
        for status in errors:
            if status not in responses:
                responses[status] = self._get_response_for_code(
                    problem,
                    status,
                    media_types=["application/problem+json"],
                    direction=direction,
                )
        return responses

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method in ("PUT", "PATCH"):
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        "The ETag you read: the change is refused with 412 if the "
                        "object has changed since."
                    ),
                )
            )
        if self.method == "POST":
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        "Send the same key when retrying: the first successful "
                        "answer is replayed instead of acting twice (24 hours)."
                    ),
                )
            )
        return parameters


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "kindred.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token from your account settings.",
        }
