"""Property-based fuzzing of every route from the served OpenAPI schema (schemathesis).

Whatever the generated input, no route may answer with a server error: bad input
is a 4xx in the shared error shape, never a 500. Examples are derandomized so CI is
reproducible; run `schemathesis run URL/openapi.json` against a server for a wider search.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from warden.enforce import keys
from warden.enforce.principal import SYSTEM, Role
from warden.store import Database


def test_no_input_makes_a_route_fail_with_a_server_error(app: Any, db: Database) -> None:
    with db.transaction() as s:
        key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="fuzz")).key
    headers = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    statuses: list[int] = []

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case: Any) -> None:
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
            statuses.append(response.status_code)

        fuzz()
    # Every operation was exercised, and generated junk was mostly turned away with a 4xx.
    assert len(statuses) >= len(operations) and any(400 <= code < 500 for code in statuses)
