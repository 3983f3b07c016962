"""`/v1/statements` is an export: it needs EXPORT_STATEMENTS (platform administrators), not READ_ENFORCEMENT."""

from __future__ import annotations

from fastapi.testclient import TestClient

from warden.enforce import keys
from warden.enforce.principal import SYSTEM, Role
from warden.store import Database


def test_only_exporters_export_statements(client: TestClient, admin_key: str, db: Database) -> None:
    admin = {"Authorization": f"Bearer {admin_key}"}
    org = client.post("/v1/organizations", json={"name": "Acme"}, headers=admin).json()["id"]
    with db.transaction() as s:
        service = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.SERVICE, subject="svc", org_id=org)).key
        reviewer = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.REVIEWER, subject="rev")).key
    for key in (service, reviewer):
        refused = client.get("/v1/statements", headers={"Authorization": f"Bearer {key}"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert client.get("/v1/statements", headers=admin).status_code == 200
