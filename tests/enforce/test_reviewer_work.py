"""Reviewer work: the action picked from the rules' allowed ladder, deduplicated cases and actions,
overturning a decision with everything it caused, and `warden cases show`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from warden.cli import app as cli
from warden.decide import Violation
from warden.enforce import appeals, casedetail, cases, casework, choices, submissions
from warden.enforce.errors import Invalid
from warden.enforce.ladder import DEFAULT_LADDER
from warden.policy import PolicyLibrary
from warden.policy.model import Action
from warden.store import Database
from warden.store.tables import ActionRecord, AuditEvent, Case, StatementOfReasons, Strike


def _submit(db: Database, world: Any, policy: Any, cybertip: Any, now: dt.datetime, score: float,
            account: str | None = None) -> submissions.SubmissionResult:
    with db.transaction() as s:
        return submissions.submit(s, world.service, submissions.Submission(
            org_id=world.org_id, account_id=account or world.alice, content="you people are vermin",
            signals={"hate": score}), lambda *_: policy, cybertip, now)


def _decide(db: Database, case_id: str, who: Any, outcome: str, policy: Any, cybertip: Any, now: dt.datetime,
            action: Action | None = None, rule_ids: list[str] | None = None) -> casework.CaseResult:
    with db.transaction() as s:
        cases.claim(s, case_id, who, now)
        return casework.decide_case(s, case_id, casework.Review(
            principal=who, decision=casework.CaseDecision(outcome=casework.CaseOutcome(outcome), reason="reviewed",
                                                        rule_ids=rule_ids or [], action=action),
            policy=lambda *_: policy, cybertip=cybertip, now=now))


def _violation(policy: Any, rule_id: str) -> Violation:
    from warden.enforce.handlers import violations_for

    [v] = violations_for(policy, [rule_id], {})
    return v


def test_the_allowed_ladder_of_the_bundled_packs() -> None:
    policy = PolicyLibrary.discover().effective(packs=["openai-usage@2025-01-29"])
    gpt = _violation(policy, "enforcement.gpt-consequences")  # monetization ineligibility, a GPT measure
    on_app = choices.Target(org_id="o", account_id="a", app_id="g")
    got = choices.allowed([gpt], DEFAULT_LADDER, on_app)
    assert {Action.MONETIZATION_INELIGIBILITY, Action.STORE_DELISTING, Action.SHARING_RESTRICTION,
            Action.WARNING, Action.FEATURE_RESTRICTION, Action.SUSPENSION} <= set(got)
    assert Action.CONTENT_REMOVAL not in got  # no content to remove
    # without an app the GPT measures have nothing to fall on
    assert not set(choices.allowed([gpt], DEFAULT_LADDER, choices.Target(org_id="o", account_id="a"))) & {
        Action.MONETIZATION_INELIGIBILITY, Action.STORE_DELISTING}


def test_decide_with_a_chosen_action_and_refuse_one_off_the_ladder(
        db: Database, world: Any, mini_policy: Any, cybertip: Any, now: dt.datetime) -> None:
    flagged = _submit(db, world, mini_policy, cybertip, now, 0.6)  # below the auto-action bar: queued
    assert flagged.enforcement is not None and flagged.enforcement.case_id
    case_id = flagged.enforcement.case_id
    with db.transaction() as s:
        found = casedetail.detail(s, world.reviewer_a, case_id, lambda *_: mini_policy, now)
    assert found.choices is not None
    assert found.choices.default is Action.WARNING  # the ladder's next step: 0 + 2 points, no warning yet
    assert found.choices.allowed == [Action.WARNING, Action.CONTENT_REMOVAL, Action.FEATURE_RESTRICTION,
                                     Action.SUSPENSION, Action.TERMINATION]
    assert (found.choices.strike_points, found.choices.points_after) == (0, 2)

    with pytest.raises(Invalid, match="not on the allowed ladder"):
        _decide(db, case_id, world.reviewer_a, "uphold", mini_policy, cybertip, now,
                action=Action.MONETIZATION_INELIGIBILITY)
    with db.transaction() as s:  # refused: nothing was written, the case is still open
        assert s.get_one(Case, case_id).status == "open"
        assert s.execute(select(ActionRecord)).first() is None
    with pytest.raises(Invalid, match="only when upholding"):
        _decide(db, case_id, world.reviewer_a, "overturn", mini_policy, cybertip, now, action=Action.WARNING)

    result = _decide(db, case_id, world.reviewer_a, "uphold", mini_policy, cybertip, now,
                     action=Action.FEATURE_RESTRICTION)
    with db.transaction() as s:
        [act] = [s.get_one(ActionRecord, a) for a in result.actions]
        assert act.kind == "feature_restriction" and act.status == "active"
        assert act.ends_at is not None and act.ends_at - act.starts_at == dt.timedelta(days=7)  # the ladder's days
        assert [x.weight for x in s.execute(select(Strike)).scalars()] == [2.0]  # strikes as the ladder counts


def test_cases_and_actions_are_deduplicated_per_account_and_rule(
        db: Database, world: Any, mini_policy: Any, cybertip: Any, now: dt.datetime) -> None:
    first = _submit(db, world, mini_policy, cybertip, now, 0.6)
    second = _submit(db, world, mini_policy, cybertip, now + dt.timedelta(minutes=1), 0.7)
    other = _submit(db, world, mini_policy, cybertip, now, 0.6, account=world.bob)
    assert first.enforcement and second.enforcement and other.enforcement
    assert second.enforcement.case_id == first.enforcement.case_id  # attached to the open case
    assert other.enforcement.case_id != first.enforcement.case_id  # another account: its own case
    with db.transaction() as s:
        attached = s.execute(select(AuditEvent).where(AuditEvent.action == "case.attached")).scalars().all()
        assert [e.subject_id for e in attached] == [first.enforcement.case_id]
        assert attached[0].data["subject"] == f"content:{second.content_id}"
    # two automated warnings for the same rule while the first is in force: one action, the second attached
    a = _submit(db, world, mini_policy, cybertip, now, 0.95, account=world.bob)
    assert a.enforcement and a.enforcement.actions
    with db.transaction() as s:
        kinds = [x.kind for x in s.execute(select(ActionRecord).where(ActionRecord.account_id == world.bob))
                 .scalars()]
    assert kinds == ["warning"]
    b = _submit(db, world, mini_policy, cybertip, now + dt.timedelta(minutes=1), 0.95, account=world.bob)
    assert b.enforcement and b.enforcement.actions  # 4 points: feature restriction, a different action
    c = _submit(db, world, mini_policy, cybertip, now + dt.timedelta(minutes=2), 0.95, account=world.bob)
    assert c.enforcement and c.enforcement.actions == b.enforcement.actions  # 6 points: the same one, attached
    with db.transaction() as s:
        kinds = [x.kind for x in s.execute(select(ActionRecord).where(ActionRecord.account_id == world.bob)
                                           .order_by(ActionRecord.created_at)).scalars()]
    assert kinds == ["warning", "feature_restriction"]


def test_overturning_reverses_the_decision_its_escalations_and_updates_the_statement(
        db: Database, world: Any, mini_policy: Any, cybertip: Any, now: dt.datetime) -> None:
    warned = _submit(db, world, mini_policy, cybertip, now, 0.95)  # 2 points: warning
    restricted = _submit(db, world, mini_policy, cybertip, now + dt.timedelta(minutes=1), 0.95)  # 4: restriction
    assert warned.enforcement and restricted.enforcement
    [warning] = warned.enforcement.actions
    [restriction] = restricted.enforcement.actions
    with db.transaction() as s:
        appeal = appeals.file(s, world.service, appeals.AppealIn(action_id=warning, statement="I was quoting"),
                              now + dt.timedelta(minutes=2))
    result = _decide(db, appeal.case_id, world.reviewer_b, "overturn", mini_policy, cybertip,
                     now + dt.timedelta(hours=1))
    assert result.reversed_actions == [warning, restriction]
    with db.transaction() as s:
        rows = s.execute(select(ActionRecord).where(ActionRecord.account_id == world.alice)
                         .order_by(ActionRecord.created_at)).scalars().all()
        assert [(a.kind, a.status) for a in rows] == [("warning", "reversed"), ("feature_restriction", "reversed"),
                                                      ("warning", "active")]  # the ladder re-stepped: 2 points
        assert "re-stepped" in rows[2].reason and rows[2].decision_id == rows[1].decision_id
        live = s.execute(select(Strike).where(Strike.account_id == world.alice, Strike.revoked_at.is_(None))
                         ).scalars().all()
        assert [x.decision_id for x in live] == [rows[1].decision_id]  # the overturned decision's strike is gone
        sors = s.execute(select(StatementOfReasons).where(StatementOfReasons.action_id == warning)
                         .order_by(StatementOfReasons.created_at)).scalars().all()
        assert len(sors) == 2
        assert sors[1].body["supersedes_puid"] == sors[0].puid and sors[1].body["decision_status"] == "REVERSED"
        assert sors[1].puid == f"{sors[0].puid}-rev1"
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "decision.overturned")).scalar_one()
        assert event.data["actions_undone"] == [warning, restriction] and event.data["strikes_revoked"] == 1


def test_cases_show(db: Database, world: Any, mini_policy: Any, cybertip: Any, now: dt.datetime,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    from warden.enforce import cli as enforce_cli
    from warden.policy.provider import PolicyProvider

    monkeypatch.setattr(enforce_cli, "_policies", lambda: PolicyProvider.fixed(mini_policy))
    flagged = _submit(db, world, mini_policy, cybertip, now, 0.6)
    assert flagged.enforcement and flagged.enforcement.case_id
    run = CliRunner().invoke(cli, ["cases", "show", flagged.enforcement.case_id, "--json", "--database", db.url])
    assert run.exit_code == 0, run.output
    got = json.loads(run.output)
    assert got["view"]["content"]["excerpt"] == "you people are vermin"
    assert got["view"]["account"]["id"] == world.alice
    assert got["choices"]["default"] == "warning"
    text = CliRunner().invoke(cli, ["cases", "show", flagged.enforcement.case_id, "--database", db.url])
    assert text.exit_code == 0 and "warning (default)" in text.output and "you people are vermin" in text.output
    missing = CliRunner().invoke(cli, ["cases", "show", "case_nope", "--database", db.url])
    assert missing.exit_code == 1 and "no such case" in missing.output
    bad = CliRunner().invoke(cli, ["cases", "decide", flagged.enforcement.case_id, "--outcome", "uphold",
                                   "--reason", "hateful", "--reviewer", "rita", "--action", "store_delisting",
                                   "--database", db.url])
    assert bad.exit_code == 1 and "not on the allowed ladder" in bad.output
