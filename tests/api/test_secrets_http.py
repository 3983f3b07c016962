"""No secret rests in an idempotency record, and the records expire."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from warden.api.auth import REDACTED
from warden.store import Database
from warden.store.tables import IdempotencyRecord


def _records(db: Database) -> list[IdempotencyRecord]:
    with db.transaction() as s:
        return list(s.execute(select(IdempotencyRecord)).scalars())


def test_a_new_key_is_shown_once_and_never_stored_or_replayed(client: TestClient, admin_key: str,
                                                              db: Database) -> None:
    admin = {"Authorization": f"Bearer {admin_key}"}
    body = {"role": "reviewer", "subject": "rita"}
    first = client.post("/v1/keys", json=body, headers=admin | {"Idempotency-Key": "new-key-1"})
    assert first.status_code == 201
    secret = first.json()["key"]
    assert secret.startswith("wdn_") and client.get("/v1/cases", headers={"Authorization": f"Bearer {secret}"}) \
        .status_code == 200
    [record] = _records(db)
    assert secret not in json.dumps(record.response) and secret.split("_", 2)[2] not in json.dumps(record.response)
    replay = client.post("/v1/keys", json=body, headers=admin | {"Idempotency-Key": "new-key-1"})
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["key"] == REDACTED and replay.json()["id"] == first.json()["id"]


def test_a_webhook_secret_is_redacted_too(client: TestClient, admin_key: str, db: Database) -> None:
    admin = {"Authorization": f"Bearer {admin_key}"}
    made = client.post("/v1/subscriptions", json={"channel": "log", "target": "warden.test", "secret": "s" * 20},
                       headers=admin | {"Idempotency-Key": "sub-1"})
    assert made.status_code == 201, made.text
    [record] = _records(db)
    assert record.response["secret"] == REDACTED and "s" * 20 not in json.dumps(record.response)


def test_idempotency_records_expire(client: TestClient, admin_key: str, db: Database, clock: Any) -> None:
    admin = {"Authorization": f"Bearer {admin_key}"}
    assert client.post("/v1/organizations", json={"name": "One"}, headers=admin | {"Idempotency-Key": "o"}) \
        .status_code == 201
    reused = client.post("/v1/organizations", json={"name": "Two"}, headers=admin | {"Idempotency-Key": "o"})
    assert reused.status_code == 409  # within its lifetime the key is bound to its first request
    clock.offset = dt.timedelta(hours=25)  # past WARDEN_IDEMPOTENCY_TTL (24 h)
    again = client.post("/v1/organizations", json={"name": "Two"}, headers=admin | {"Idempotency-Key": "o"})
    assert again.status_code == 201 and again.json()["name"] == "Two"
    assert [r.response["name"] for r in _records(db)] == ["Two"]  # the expired record was purged
