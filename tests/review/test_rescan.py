"""Retroactive review: a shadow rescan from the 2023 pack to the 2025 pack reports what would change
and writes nothing; promotion records decisions, takes actions through the ladder and opens cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from review.fixtures import load, names
from warden.detect.signals import Signal
from warden.enforce import directory
from warden.enforce.cybertip import ReporterInfo
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.principal import SYSTEM
from warden.review import rescan
from warden.review.engine import Reviewer
from warden.review.record import store_submission, stored_submissions
from warden.review.report import Outcome
from warden.store import Database
from warden.store.tables import ActionRecord, AuditEvent, Case, DecisionRecord

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
CYBERTIP = CyberTipSettings(endpoint=None, reporter=ReporterInfo(first_name="T", last_name="R", email="t@example.invalid"))
APPS = ["apps/gpt-recipe-helper", "apps/gpt-ai-girlfriend", "apps/gpt-card-checkout", "apps/gpt-homework-buddy",
        "apps/gpt-mlm-recruiter", "plugins/flight-deals-steering"]


def test_shadow_rescan_reports_newly_failing_rules(reviewers: dict[str, Reviewer]) -> None:
    impact = rescan.shadow([load(n) for n in names()], reviewers["2023-03-23"], reviewers["2025-01-29"])
    assert impact.reviewed == len(names()) and impact.shadow
    by_id = {c.submission_id: c for c in impact.changes}
    card = by_id["gpt-card-checkout"]
    assert (card.allowed_before, card.allowed_after) == (Outcome.PASS, Outcome.FAIL)
    assert card.newly_failing == ["gpt.privacy.sensitive-identifiers"]
    girlfriend = by_id["gpt-ai-girlfriend"]
    assert girlfriend.allowed_after is Outcome.PASS and girlfriend.store_after.value == "ineligible"
    assert impact.newly_failing_by_rule["store.romantic-companionship"] == 3
    mlm = by_id["gpt-mlm-recruiter"]
    assert mlm.no_longer_failing == ["disallowed.economic-harm.mlm"] and mlm.allowed_after is Outcome.PASS
    assert "gpt-recipe-helper" not in by_id, "unchanged apps are not listed"


def test_renamed_rules_that_fail_in_both_versions_are_not_new(reviewers: dict[str, Reviewer]) -> None:
    app = load("apps/gpt-betting-edge")
    old, new = reviewers["2023-03-23"].review(app), reviewers["2025-01-29"].review(app)
    assert [r.rule_id for r in old.failures] == ["disallowed.economic-harm.gambling"]
    assert [r.rule_id for r in new.failures] == ["gpt.high-stakes.gambling-lending"]  # supersedes the 2023 rule
    impact = rescan.shadow([app], reviewers["2023-03-23"], reviewers["2025-01-29"])
    assert impact.changes == [] and impact.newly_failing_by_rule == {}


def _world(db: Database) -> tuple[str, dict[str, str]]:
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="Builders Inc"))
        builder = directory.create_account(s, SYSTEM, directory.AccountIn(org_id=org.id, kind="builder"))
        items = {}
        for name in APPS:
            sub = load(name)
            app = directory.create_app(s, SYSTEM, directory.AppIn(org_id=org.id, name=sub.name,
                                                                  owner_account_id=builder.id, reach=500))
            items[name] = store_submission(s, SYSTEM, org_id=org.id, app_id=app.id, submission=sub, now=NOW).id
    return org.id, items


def _counts(s: Session) -> tuple[int, ...]:
    return tuple(s.scalar(select(func.count()).select_from(t)) or 0
                 for t in (DecisionRecord, ActionRecord, Case, AuditEvent))


def test_stored_submissions_round_trip(db: Database) -> None:
    org_id, items = _world(db)
    with db.transaction() as s:
        stored = stored_submissions(s, org_id)
    assert sorted(item.id for item, _ in stored) == sorted(items.values())
    assert {sub.name for _, sub in stored} == {load(n).name for n in APPS}


def test_shadow_writes_nothing_and_promote_enforces(db: Database, reviewers: dict[str, Reviewer]) -> None:
    org_id, items = _world(db)
    with db.transaction() as s:
        before = _counts(s)
        impact = rescan.shadow([sub for _, sub in stored_submissions(s, org_id)],
                               reviewers["2023-03-23"], reviewers["2025-01-29"])
        assert _counts(s) == before
    assert {c.name for c in impact.newly_failing_apps} == {"QuickBook Travel"}

    # the shipped promotion, as `warden rescan --promote` runs it
    promoted = rescan.promote(db, SYSTEM, reviewers["2025-01-29"], org_id=org_id, cybertip=CYBERTIP, now=NOW)
    results = {p.content_id: (p.report, p.recorded) for p in promoted}
    with db.transaction() as s:
        card_report, card = results[items["apps/gpt-card-checkout"]]
        assert card.actions, "a failing rule is enforced through the ladder"
        action = s.get_one(ActionRecord, card.actions[0])
        assert action.source == "re_review" and "gpt.privacy.sensitive-identifiers" in action.rule_ids
        assert s.get_one(DecisionRecord, card.decision_id).policy_revision == card_report.policy_revision

        _, homework = results[items["apps/gpt-homework-buddy"]]
        assert homework.actions == [] and homework.case_id is not None
        case = s.get_one(Case, homework.case_id)
        assert (case.kind, case.subject_type, case.rule_ids) == ("re_review", "app", ["gpt.minors.under-13"])

        _, recipe = results[items["apps/gpt-recipe-helper"]]
        assert recipe.actions == [] and recipe.case_id is None
        girlfriend_report, girlfriend = results[items["apps/gpt-ai-girlfriend"]]
        assert girlfriend_report.allowed is Outcome.PASS and girlfriend.actions
        assert s.get_one(ActionRecord, girlfriend.actions[0]).rule_ids == ["store.romantic-companionship"]


def test_promotion_reviews_outside_any_write_transaction(db: Database, reviewers: dict[str, Reviewer]) -> None:
    import sqlite3

    import pytest
    from sqlalchemy.engine import make_url

    from warden.detect.testing import KeywordDetector

    if db.dialect != "sqlite":
        pytest.skip("probes SQLite's write lock")
    path, free = str(make_url(db.url).database), []

    class Probe(KeywordDetector):
        def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
            probe = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                free.append(True)
            except sqlite3.OperationalError:
                free.append(False)
            finally:
                probe.close()
            return super().detect_texts(texts)

    org_id, _ = _world(db)
    candidate = Reviewer(reviewers["2025-01-29"].policy, [Probe({})])
    promoted = rescan.promote(db, SYSTEM, candidate, org_id=org_id, cybertip=CYBERTIP, now=NOW)
    assert len(promoted) == len(APPS) and free and all(free)


OVERLAY = """\
overlay: {id: builders, title: Builders Inc, layer: operator}
adjust:
  - {rule: universal.laws.regulated-activity, min_score: 0.5}
"""


def test_promote_reviews_each_app_under_its_owners_tiers(db: Database) -> None:
    from warden.enforce import overlays
    from warden.policy.provider import PolicyProvider

    org_id, _ = _world(db)
    provider = PolicyProvider.load(overlays=overlays.StoredOverlays(db))
    with db.transaction() as s:
        pushed = overlays.push(s, SYSTEM, overlays.OverlayIn(org_id=org_id, text=OVERLAY, filename="b.yaml"),
                               provider)
        overlays.activate(s, SYSTEM, pushed.id, provider, NOW)
    asked: list[tuple[str, str | None, str | None]] = []

    def tiers(org: str, workspace: str | None, account: str | None) -> Any:
        asked.append((org, workspace, account))
        return provider.effective(org, workspace, account, packs=["openai-usage@2025-01-29"])

    candidate = Reviewer(provider.effective(packs=["openai-usage@2025-01-29"]))
    promoted = rescan.promote(db, SYSTEM, candidate, org_id=org_id, cybertip=CYBERTIP, now=NOW, tiers=tiers)
    assert len(asked) == 1 and asked[0][0] == org_id and asked[0][2] is not None, "one resolution per owner"
    assert all("+builders#" in p.report.policy_revision for p in promoted), "the operator overlay applies"
    with db.transaction() as s:
        stored = s.get_one(DecisionRecord, promoted[0].recorded.decision_id)
        assert "+builders#" in stored.policy_revision
