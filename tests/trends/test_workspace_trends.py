"""Trends through a workspace-bound key: its own workspace's decisions, never another's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update

from warden.enforce import directory, submissions
from warden.enforce.cybertip import ReporterInfo
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.principal import SYSTEM, Principal, Role
from warden.store import Database
from warden.store.tables import DecisionRecord
from warden.trends import aggregates

NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)
CYBERTIP = CyberTipSettings(endpoint=None, reporter=ReporterInfo(first_name="T", last_name="S",
                                                                 email="t@example.invalid"))


def _flagged(report: aggregates.TrendReport, category: str) -> int:
    return next((c.last for c in report.categories if c.category == category), 0)


def test_a_workspace_key_sees_its_workspaces_trends_only(db: Database, mini_policy: Any) -> None:
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="Acme")).id
        red = directory.create_workspace(s, SYSTEM, directory.WorkspaceIn(org_id=org, name="red")).id
        blue = directory.create_workspace(s, SYSTEM, directory.WorkspaceIn(org_id=org, name="blue")).id
        in_red = directory.create_account(s, SYSTEM, directory.AccountIn(org_id=org, workspace_id=red)).id
        in_blue = directory.create_account(s, SYSTEM, directory.AccountIn(org_id=org, workspace_id=blue)).id
        for account, hate, n in [(in_red, 0.6, 3), (in_blue, 0.6, 5), (in_blue, 0.0, 2)]:
            for _ in range(n):
                submissions.submit(s, SYSTEM, submissions.Submission(
                    org_id=org, account_id=account, content="text", signals={"hate": hate}),
                    lambda *_: mini_policy, CYBERTIP, NOW)
        # decisions are stamped by the database clock; put them on the test's day
        s.execute(update(DecisionRecord).where(DecisionRecord.org_id == org).values(created_at=NOW))
        aggregates.refresh(s, NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1))

    def seen(principal: Principal) -> aggregates.TrendReport:
        with db.transaction() as s:
            return aggregates.report(s, principal, now=NOW + dt.timedelta(hours=1))

    admin = Principal(key_id="k-a", role=Role.OPERATOR_ADMIN, subject="ops", org_id=org)
    red_admin = Principal(key_id="k-r", role=Role.OPERATOR_ADMIN, subject="red-ops", org_id=org, workspace_id=red)
    blue_admin = Principal(key_id="k-b", role=Role.OPERATOR_ADMIN, subject="blue-ops", org_id=org,
                           workspace_id=blue)
    whole = seen(admin)
    assert _flagged(whole, "hate") == 8 and sum(p.decisions for p in whole.totals) == 10
    mine = seen(red_admin)
    assert _flagged(mine, "hate") == 3 and sum(p.decisions for p in mine.totals) == 3
    theirs = seen(blue_admin)
    assert _flagged(theirs, "hate") == 5 and sum(p.decisions for p in theirs.totals) == 7
