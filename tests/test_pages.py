"""One pagination type: every listing's limit is bounded."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from warden.enforce.pages import MAX_LIMIT, Page


def test_a_limit_is_always_bounded() -> None:
    assert Page.of(None).limit == 100 and Page.of(None, default=50).limit == 50
    assert Page.of(10**9).limit == MAX_LIMIT and Page.of(0).limit == 1 and Page.of(-5).limit == 1


def test_listings_take_the_page(db: Any, mini_policy: Any) -> None:
    from warden.api.app import create_app
    from warden.detect.pipeline import DetectorSet
    from warden.detect.testing import KeywordDetector
    from warden.enforce import directory, keys
    from warden.enforce.principal import SYSTEM, Role
    from warden.policy.provider import PolicyProvider
    from warden.runtime import Runtime

    with db.transaction() as s:
        for i in range(3):
            directory.create_org(s, SYSTEM, directory.OrgIn(name=f"org {i}"))
        key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="root")).key
    runtime = Runtime(db=db, policies=PolicyProvider.fixed(mini_policy), detectors=DetectorSet([KeywordDetector({})]))
    client = TestClient(create_app(runtime))
    headers = {"Authorization": f"Bearer {key}"}
    assert len(client.get("/v1/organizations", headers=headers).json()["data"]) == 3
    assert len(client.get("/v1/organizations?limit=2", headers=headers).json()["data"]) == 2
    assert len(client.get(f"/v1/organizations?limit={10**9}", headers=headers).json()["data"]) == 3
