"""Property-based fuzzing of every route from the served OpenAPI schema (schemathesis).

Whatever the generated input, no route may answer with a server error: bad input
is a 4xx in the shared error shape, never a 500. Examples are derandomized so CI is
reproducible; run `schemathesis run URL/openapi.json` against a server for a wider search.
"""

from __future__ import annotations

import json
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


# --- the input classes that once answered 500, generated for every field of every route ---------------

LONE_SURROGATE = "\ud800 half a pair"
HUGE = [2**63, -(2**70)]
WRONG_TYPES: list[Any] = [None, True, 1.5, "text", [1, "x"], {"a": {"b": None}}]


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _fields(spec: dict[str, Any], operation: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Body property names, query parameter names and path parameter names of one operation."""
    body = _resolve(spec, operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                    .get("schema", {}))
    props = list((body or {}).get("properties", {}))
    params = [_resolve(spec, p) for p in operation.get("parameters", [])]
    return props, [p["name"] for p in params if p["in"] == "query"], [p["name"] for p in params if p["in"] == "path"]


def _other_tenant(client: Any, admin: dict[str, str]) -> dict[str, str]:
    """Real records of another organization, by the kind of id a field names."""
    org = client.post("/v1/organizations", json={"name": "Other"}, headers=admin).json()["id"]
    account = client.post("/v1/accounts", json={"org_id": org}, headers=admin).json()["id"]
    workspace = client.post("/v1/workspaces", json={"org_id": org, "name": "w"}, headers=admin).json().get("id", "")
    app_id = client.post("/v1/apps", json={"org_id": org, "name": "a"}, headers=admin).json()["id"]
    made = client.post("/v1/submissions", json={"org_id": org, "account_id": account, "content": "HATEFUL words",
                                                "signals": {"hate": 0.95}}, headers=admin).json()
    ids = {"org": org, "account": account, "workspace": workspace, "app": app_id,
           "content": made.get("content_id", ""), "decision": made.get("decision", {}).get("id", "")}
    enforcement = made.get("enforcement") or {}
    ids |= {"case": enforcement.get("case_id") or "", "action": (enforcement.get("action_ids") or [""])[0]}
    return {k: v for k, v in ids.items() if v}


def _kind(name: str) -> str:
    return name.removesuffix("_id").removesuffix("s")


def test_every_field_takes_every_hostile_input_class_without_a_server_error(app: Any, db: Database) -> None:
    """Each class of the issue's 500s, put in every body field, query and path parameter of every route:
    lone surrogates, integers beyond 64 bits, wrong JSON types, and (for a tenant-bound key) another
    organization's real ids. Every answer is a 2xx/4xx in the shared error shape, never a 5xx."""
    from fastapi.testclient import TestClient

    with db.transaction() as s:
        admin_key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="fuzz")).key
    admin = {"Authorization": f"Bearer {admin_key}"}
    failures: list[str] = []
    sent = 0
    with TestClient(app, raise_server_exceptions=False) as client:
        spec = client.get("/openapi.json").json()
        own = client.post("/v1/organizations", json={"name": "Own"}, headers=admin).json()["id"]
        other = _other_tenant(client, admin)
        with db.transaction() as s:
            tenant_keys = [keys.issue(s, SYSTEM, keys.KeyIn(role=role, subject=f"t-{role.value}", org_id=own)).key
                           for role in (Role.SERVICE, Role.OPERATOR_ADMIN)]
        for path, methods in spec["paths"].items():
            for method, operation in methods.items():
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                props, query, path_params = _fields(spec, operation)
                trials: list[tuple[dict[str, str], str, dict[str, Any], dict[str, Any]]] = []
                base_path = path
                for name in path_params:
                    base_path = base_path.replace("{" + name + "}", "x_1")
                for field in props:
                    for value in [LONE_SURROGATE, *HUGE, *WRONG_TYPES]:
                        trials.append((admin, base_path, {field: value}, {}))
                # a URL carries a lone surrogate only percent-encoded (as bytes that are not UTF-8)
                for name in query:
                    for value in ["%ED%A0%80", str(2**64), "-" + str(2**70), "[]", "%00"]:
                        trials.append((admin, f"{base_path}?{name}={value}", {}, {}))
                for name in path_params:
                    for value in ["%ED%A0%80", str(2**64), "%00"]:
                        trials.append((admin, path.replace("{" + name + "}", value), {}, {}))
                for key in tenant_keys:  # another tenant's real ids wherever an id goes
                    headers = {"Authorization": f"Bearer {key}"}
                    for field in [f for f in props + query if f.endswith("_id")]:
                        if _kind(field) in other:
                            where = "body" if field in props else "query"
                            trials.append((headers, base_path, {field: other[_kind(field)]} if where == "body"
                                           else {}, {field: other[_kind(field)]} if where == "query" else {}))
                    for name in path_params:
                        if _kind(name) in other:
                            trials.append((headers, path.replace("{" + name + "}", other[_kind(name)]), {}, {}))
                for headers, url, body, params in trials:
                    content = json.dumps(body).encode() if method in {"post", "put", "patch"} else None
                    response = client.request(method.upper(), url, content=content, params=params or None,
                                              headers=headers | {"content-type": "application/json"})
                    sent += 1
                    if response.status_code >= 500:
                        failures.append(f"{method.upper()} {url} {body or params}: {response.status_code} "
                                        f"{response.text[:160]}")
                    elif response.status_code >= 400 and response.headers.get("content-type", "").startswith(
                            "application/json"):
                        assert set(response.json()["error"]) == {"message", "type", "param", "code"}
    assert sent > 500 and not failures, "\n".join(failures[:30])
