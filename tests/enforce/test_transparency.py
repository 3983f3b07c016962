"""The transparency report over a period: actions by ground, category and source (automated, report,
proactive), appeals and reversals, median time to action; the same figures from `warden transparency`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import update
from typer.testing import CliRunner

from warden.cli import app as cli
from warden.enforce import appeals, cases, casework, reports, submissions, transparency
from warden.enforce.principal import SYSTEM, Principal, Role
from warden.policy.provider import PolicyProvider
from warden.store import Database
from warden.store.tables import ContentItem, Report


def _submit(db: Database, world: Any, policy: Any, cybertip: Any, now: dt.datetime, signals: dict[str, float],
            text: str, account: str | None = None) -> submissions.SubmissionResult:
    with db.transaction() as s:
        return submissions.submit(s, world.service, submissions.Submission(
            org_id=world.org_id, account_id=account or world.alice, content=text, signals=signals),
            PolicyProvider.fixed(policy), cybertip, now)


def _decide(db: Database, case_id: str, who: Any, outcome: str, policy: Any, cybertip: Any, now: dt.datetime,
            rule_ids: list[str]) -> casework.CaseResult:
    with db.transaction() as s:
        cases.claim(s, case_id, who, now)
        return casework.decide_case(s, case_id, casework.Review(
            principal=who, decision=casework.CaseDecision(outcome=casework.CaseOutcome(outcome), reason="reviewed",
                                                        rule_ids=rule_ids),
            policy=PolicyProvider.fixed(policy), cybertip=cybertip, now=now))


def test_transparency_figures(db: Database, world: Any, mini_policy: Any, cybertip: Any, now: dt.datetime) -> None:
    automated = _submit(db, world, mini_policy, cybertip, now, {"hate": 0.95}, "hateful slur")  # auto-actioned
    assert automated.enforcement is not None and automated.enforcement.actions
    # bob's flag and report: an appeal granted on alice's action re-steps none of his (see reversal)
    flagged = _submit(db, world, mini_policy, cybertip, now, {"hate": 0.6}, "borderline", world.bob)  # queued
    assert flagged.enforcement is not None and flagged.enforcement.case_id
    _decide(db, flagged.enforcement.case_id, world.reviewer_a, "uphold", mini_policy, cybertip,
            now + dt.timedelta(hours=2), ["mini.hate"])
    allowed = _submit(db, world, mini_policy, cybertip, now, {}, "reported later", world.bob)
    with db.transaction() as s:
        report = reports.file(s, world.service, reports.ReportIn(
            subject_type="content", subject_id=allowed.content_id, reason="this is hateful", category="hate",
            reporter_contact="r@example.org"))
        s.execute(update(Report).where(Report.id == report.report_id).values(created_at=now))  # filed on the day
    _decide(db, report.case_id, world.reviewer_a, "uphold", mini_policy, cybertip, now + dt.timedelta(hours=4),
            ["mini.hate"])
    with db.transaction() as s:  # the content of the automated action was posted an hour before it was screened
        s.execute(update(ContentItem).where(ContentItem.id == automated.content_id)
                  .values(created_at=now - dt.timedelta(hours=1)))
        appeal = appeals.file(s, world.service, appeals.AppealIn(action_id=automated.enforcement.actions[0],
                                                                 statement="I was quoting someone"), now)
    _decide(db, appeal.case_id, world.reviewer_b, "overturn", mini_policy, cybertip, now + dt.timedelta(hours=6), [])

    with db.transaction() as s:
        got = transparency.report(s, SYSTEM, now - dt.timedelta(days=1), now + dt.timedelta(days=1))
    assert got.actions == 3
    assert got.by_source == {"automated": 1, "report": 1, "proactive": 1}
    assert sum(got.by_kind.values()) == 3
    assert got.by_ground == {"DECISION_GROUND_INCOMPATIBLE_CONTENT": 3}
    # as the statements of reasons say it: only the auto-actioned one rests on an automated decision
    assert got.by_category == {"STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH": 3} and got.automated_detection == 1
    assert got.reports_received == 1
    assert (got.appeals.filed, got.appeals.granted, got.appeals.denied) == (1, 1, 0)
    assert got.appeals.median_hours_to_decide == 6.0
    assert got.reversals == 1
    assert got.median_hours_to_action == 2.0  # 1 h (automated), 2 h (flag upheld), 4 h (report upheld)

    outsider = Principal(key_id="k-x", role=Role.OPERATOR_ADMIN, subject="x", org_id="org_other")
    with db.transaction() as s:
        assert transparency.report(s, outsider, now - dt.timedelta(days=1), now + dt.timedelta(days=1)).actions == 0

    day = now.date().isoformat()
    result = CliRunner().invoke(cli, ["transparency", "--from", day, "--to", day, "--database", db.url])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["actions"] == 3 and body["by_source"] == got.by_source and body["reversals"] == 1
    bad = CliRunner().invoke(cli, ["transparency", "--from", day, "--to", "2000-01-01", "--database", db.url])
    assert bad.exit_code != 0
