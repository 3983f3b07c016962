from __future__ import annotations

import datetime as dt

import pytest

from warden.enforce import directory
from warden.enforce.cybertip import ReporterInfo
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.principal import SYSTEM, Principal, Role
from warden.store import Database


@pytest.fixture
def cybertip() -> CyberTipSettings:
    return CyberTipSettings(endpoint=None, reporter=ReporterInfo(first_name="Test", last_name="Reporter",
                                                                 email="ts@example.invalid"))


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


class World:
    """An organization with two end users and principals for every role."""

    def __init__(self, db: Database) -> None:
        with db.transaction() as s:
            org = directory.create_org(s, SYSTEM, directory.OrgIn(name="Acme"))
            self.org_id = org.id
            self.alice = directory.create_account(s, SYSTEM, directory.AccountIn(org_id=org.id)).id
            self.bob = directory.create_account(s, SYSTEM, directory.AccountIn(org_id=org.id)).id
        self.service = Principal(key_id="k-svc", role=Role.SERVICE, subject="svc", org_id=self.org_id)
        self.reviewer_a = Principal(key_id="k-ra", role=Role.REVIEWER, subject="rita")
        self.reviewer_b = Principal(key_id="k-rb", role=Role.REVIEWER, subject="rob")
        self.admin = SYSTEM


@pytest.fixture
def world(db: Database) -> World:
    return World(db)
