"""OpenAPI schema: bearer auth and problem+json error responses on every operation."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(allow_blank=True)
    errors = serializers.DictField(required=False)


class KindredAutoSchema(AutoSchema):
    def get_response_serializers(self) -> Any:
        responses = super().get_response_serializers()
        if not isinstance(responses, dict):
            code = "201" if self.method == "POST" else "200"
            if self.method == "DELETE":
                code = "204"
            responses = {code: responses}
        problem = OpenApiResponse(ProblemSerializer, description="A problem (RFC 9457).")
        errors = ["401", "403", "404", "429"]
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view():
            errors.append("400")
        if self.method not in ("GET", "HEAD"):
            errors.append("415")
        errors.append("406")
        for status in errors:
            responses.setdefault(status, problem)
        return responses

    def _get_response_for_code(self, serializer: Any, status_code: str, media_types: Any = None, direction: str = "response") -> Any:
        if not status_code.startswith("2"):
            media_types = ["application/problem+json"]
        return super()._get_response_for_code(serializer, status_code, media_types, direction)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "kindred.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token from your account settings.",
        }
