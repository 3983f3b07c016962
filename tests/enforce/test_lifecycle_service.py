"""The lifecycle through the service layer: ladder outcomes, hard limits, second reviewers,
reports merging, appeal windows, strike decay."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from sqlalchemy import func, select

from warden.enforce import actions, appeals, cases, casework, directory, reports, submissions
from warden.enforce.cybertip import SEQUENCES
from warden.enforce.errors import Conflict, Forbidden, Invalid
from warden.enforce.ladder import Ladder, Step
from warden.enforce.principal import SYSTEM
from warden.policy.model import Action
from warden.store import Database
from warden.store.tables import ActionRecord, Case, ContentItem, Evidence, MandatoryReport, Notice, Strike


def _submit(db: Database, world: Any, policy: Any, cybertip: Any, now: dt.datetime, signals: dict[str, float],
            account: str | None = None, text: str = "some content") -> submissions.SubmissionResult:
    with db.transaction() as s:
        return submissions.submit(s, world.service, submissions.Submission(
            org_id=world.org_id, account_id=account or world.alice, content=text, signals=signals),
            lambda *_: policy, cybertip, now)


def _decide(db: Database, case_id: str, who: Any, outcome: str, policy: Any, cybertip: Any, now: dt.datetime,
            rule_ids: list[str] | None = None) -> casework.CaseResult:
    with db.transaction() as s:
        cases.claim(s, case_id, who, now)
        return casework.decide_case(s, case_id, casework.Review(
            principal=who, decision=casework.CaseDecision(outcome=casework.CaseOutcome(outcome), reason="reviewed",
                                                        rule_ids=rule_ids or []),
            policy=lambda *_: policy, cybertip=cybertip, now=now))


def _kinds(db: Database, account: str) -> list[tuple[str, str]]:
    with db.transaction() as s:
        rows = s.execute(select(ActionRecord).where(ActionRecord.account_id == account)
                         .order_by(ActionRecord.created_at)).scalars()
        return [(a.kind, a.status) for a in rows]


def test_clean_content_is_allowed_and_recorded(db: Database, world: Any, mini_policy: Any, cybertip: Any,
                                               now: dt.datetime) -> None:
    result = _submit(db, world, mini_policy, cybertip, now, {"hate": 0.1})
    assert result.outcome == "allowed" and result.decision.policy_revision == mini_policy.revision
    assert _kinds(db, world.alice) == []


def test_repeat_violations_climb_the_default_ladder_with_a_warning_first(
        db: Database, world: Any, mini_policy: Any, cybertip: Any, now: dt.datetime) -> None:
    for i in range(4):  # medium = 2 points each: 2, 4, 6, 8
        _submit(db, world, mini_policy, cybertip, now + dt.timedelta(minutes=i), {"hate": 0.95})
    # the third violation (6 points) reaches the feature restriction already in force for the same rule:
    # it attaches to it instead of stacking a duplicate
    assert [k for k, _ in _kinds(db, world.alice)] == ["warning", "feature_restriction", "suspension"]
    with db.transaction() as s:
        st = actions.standing(s, world.alice, now + dt.timedelta(minutes=5))
    assert st.status == "suspended" and st.strike_points == 8
    assert st.until is not None and st.until > now + dt.timedelta(days=29)


def test_strikes_expire_after_the_window(db: Database, world: Any, mini_policy: Any, cybertip: Any,
                                         now: dt.datetime) -> None:
    _submit(db, world, mini_policy, cybertip, now, {"hate": 0.95})
    with db.transaction() as s:
        assert actions.standing(s, world.alice, now + dt.timedelta(days=89)).strike_points == 2
        assert actions.standing(s, world.alice, now + dt.timedelta(days=91)).strike_points == 0


def test_no_suspension_without_a_prior_warning(db: Database, world: Any, mini_policy: Any, cybertip: Any,
                                               now: dt.datetime) -> None:
    with db.transaction() as s:  # a ladder whose first rung is already a suspension
        directory.set_ladder(s, SYSTEM, world.org_id, Ladder(steps=[Step(points=1, action=Action.SUSPENSION)]))
    _submit(db, world, mini_policy, cybertip, now, {"hate": 0.95})
    _submit(db, world, mini_policy, cybertip, now + dt.timedelta(minutes=1), {"hate": 0.95})
    assert _kinds(db, world.alice) == [("warning", "active"), ("suspension", "active")]


def test_hard_limit_skips_the_ladder_seals_evidence_and_drafts_a_cybertip(
        db: Database, world: Any, mini_policy: Any, cybertip: Any, now: dt.datetime) -> None:
    result = _submit(db, world, mini_policy, cybertip, now, {"sexual/minors": 0.8}, text="forbidden text")
    assert result.outcome == "actioned" and result.enforcement is not None
    assert _kinds(db, world.alice) == [("termination", "active")]
    with db.transaction() as s:
        content = s.get_one(ContentItem, result.content_id)
        assert content.text is None and content.restricted  # never shown in clear again
        evidence = s.execute(select(Evidence).where(Evidence.content_id == content.id)).scalar_one()
        assert b"forbidden text" not in evidence.data and evidence.key_id == cybertip.keyring.current  # encrypted
        assert cybertip.keyring.open(evidence.key_id, evidence.data, evidence.id) == b"forbidden text"
        assert evidence.preserve_until - now >= dt.timedelta(days=365)
        report = s.get_one(MandatoryReport, result.enforcement.mandatory_report_id)
        confirm_case = s.get_one(Case, result.enforcement.case_id)
    assert report.status == "draft" and "forbidden text" not in report.report_xml + report.file_xml
    assert confirm_case.kind == "confirmation"
    root = ET.fromstring(report.report_xml)
    assert [c.tag for c in root] == ["incidentSummary", "internetDetails", "reporter", "personOrUserReported"]
    for parent in root.iter():
        order = SEQUENCES.get(parent.tag)
        if order:
            tags = [c.tag for c in parent]
            assert tags == sorted(tags, key=order.index), parent.tag
    assert root.findtext("incidentSummary/incidentType").startswith("Child Pornography")
    assert root.findtext("personOrUserReported/espIdentifier") == world.alice
    files = ET.fromstring(report.file_xml)
    assert files.find("fileAnnotations/generativeAi") is not None
    assert {h.get("hashType"): h.text for h in files.findall("originalFileHash")}["SHA256"] == evidence.sha256


def test_a_termination_waits_for_a_second_reviewer(db: Database, world: Any, mini_policy: Any, cybertip: Any,
                                                   now: dt.datetime) -> None:
    with db.transaction() as s:
        directory.set_ladder(s, SYSTEM, world.org_id, Ladder(steps=[
            Step(points=1, action=Action.WARNING), Step(points=4, action=Action.TERMINATION)]))
    _submit(db, world, mini_policy, cybertip, now, {"hate": 0.95})
    queued = _submit(db, world, mini_policy, cybertip, now, {"hate": 0.6})
    assert queued.enforcement is not None and queued.enforcement.case_id is not None
    upheld = _decide(db, queued.enforcement.case_id, world.reviewer_a, "uphold", mini_policy, cybertip, now)
    assert _kinds(db, world.alice)[-1] == ("termination", "pending_confirmation")
    with db.transaction() as s:
        confirm = s.execute(select(Case).where(Case.kind == "confirmation")).scalar_one()
        assert actions.standing(s, world.alice, now).status == "active"  # not in effect yet
    with pytest.raises(Forbidden):  # the proposer cannot confirm their own termination
        _decide(db, confirm.id, world.reviewer_a, "uphold", mini_policy, cybertip, now)
    _decide(db, confirm.id, world.reviewer_b, "uphold", mini_policy, cybertip, now)
    assert _kinds(db, world.alice)[-1] == ("termination", "active")
    with db.transaction() as s:
        assert actions.standing(s, world.alice, now).status == "terminated"
        assert s.get_one(ActionRecord, upheld.actions[0]).confirmed_by == "rob"


def test_duplicate_reports_merge_and_every_reporter_hears_the_outcome(
        db: Database, world: Any, mini_policy: Any, cybertip: Any, now: dt.datetime) -> None:
    allowed = _submit(db, world, mini_policy, cybertip, now, {}, text="borderline post")
    results = []
    for who in (world.bob, None, None):
        with db.transaction() as s:
            results.append(reports.file(s, world.service, reports.ReportIn(
                subject_type="content", subject_id=allowed.content_id, reason="this is hateful", category="hate",
                reporter_account_id=who, reporter_contact=None if who else f"anon-{len(results)}@example.org")))
    assert len({r.case_id for r in results}) == 1 and [r.merged for r in results] == [False, True, True]
    assert results[-1].report_count == 3
    _decide(db, results[0].case_id, world.reviewer_a, "uphold", mini_policy, cybertip, now, ["mini.hate"])
    with db.transaction() as s:
        outcomes = s.execute(select(Notice).where(Notice.event == "report.outcome")).scalars().all()
        assert sorted(n.recipient_id or "" for n in outcomes) == sorted(
            [world.bob, "anon-1@example.org", "anon-2@example.org"])
        assert {n.payload["outcome"] for n in outcomes} == {"action_taken"}
    assert _kinds(db, world.alice) == [("warning", "active")]


def test_upholding_needs_rules_of_the_effective_policy(db: Database, world: Any, mini_policy: Any,
                                                       cybertip: Any, now: dt.datetime) -> None:
    queued = _submit(db, world, mini_policy, cybertip, now, {"hate": 0.6})
    assert queued.enforcement is not None and queued.enforcement.case_id
    with pytest.raises(Invalid, match="not in the effective policy"):
        _decide(db, queued.enforcement.case_id, world.reviewer_a, "uphold", mini_policy, cybertip, now,
                ["made.up"])
    with db.transaction() as s:  # the failed decision changed nothing
        assert s.get_one(Case, queued.enforcement.case_id).status == "open"
        assert s.execute(select(func.count()).select_from(Strike)).scalar_one() == 0


def test_appeals_respect_the_window_and_the_affected_party(db: Database, world: Any, mini_policy: Any,
                                                          cybertip: Any, now: dt.datetime) -> None:
    result = _submit(db, world, mini_policy, cybertip, now, {"hate": 0.95})
    assert result.enforcement is not None
    action_id = result.enforcement.actions[0]
    body = appeals.AppealIn(action_id=action_id, account_id=world.bob, statement="not me")
    with pytest.raises(Invalid), db.transaction() as s:
        appeals.file(s, world.service, body, now)
    late = now + dt.timedelta(days=181)
    with pytest.raises(Conflict, match="window closed"), db.transaction() as s:
        appeals.file(s, world.service, appeals.AppealIn(action_id=action_id, statement="late"), late)
    with db.transaction() as s:
        appeal = appeals.file(s, world.service, appeals.AppealIn(action_id=action_id, statement="context"), now)
        assert appeal.retain_until - now >= dt.timedelta(days=182)
    _decide(db, appeal.case_id, world.reviewer_a, "uphold", mini_policy, cybertip, now)  # appeal denied
    assert _kinds(db, world.alice) == [("warning", "active")]
