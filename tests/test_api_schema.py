"""schemathesis walks the whole OpenAPI schema: no 5xx, responses match the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from kindred.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@pytest.fixture
def bearer(db, owner, organisation, outsider):
    from kindred.accounts.services import create_api_token

    _token, raw = create_api_token(by=owner, name="schemathesis")
    return {"Authorization": f"Bearer {raw}"}


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, bearer):
    case.call_and_validate(headers=bearer)
