"""`warden rescan --engine local|ray` decides stored content items; without --engine it re-reviews apps."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from typer.testing import CliRunner

from warden.cli import app
from warden.store import Database
from warden.store.tables import ContentItem, DecisionRecord, Organization

POLICY = "openai-usage@2025-01-29"


def _seed(db: Database, n: int) -> None:
    with db.transaction() as s:
        s.add(Organization(id="org_a", name="A"))
        s.flush()
        s.add_all([ContentItem(id=f"cnt_{i:03d}", org_id="org_a", text=f"call me at 555-01{i:02d}", sha256="0" * 64)
                   for i in range(n)])


def _decisions(db: Database) -> int:
    with db.transaction() as s:
        return int(s.execute(select(func.count()).select_from(DecisionRecord)).scalar_one())


def test_rescan_with_an_engine_writes_a_decision_per_stored_item_once(db: Database) -> None:
    _seed(db, 12)
    args = ["rescan", "--engine", "local", "--policy", POLICY, "--database", db.url, "--detectors", "recognisers"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert (report["engine"], report["scanned"], report["written"]) == ("local", 12, 12)
    assert report["policy_revision"].startswith(POLICY)
    assert _decisions(db) == 12
    again = json.loads(CliRunner().invoke(app, args).stdout)
    assert (again["scanned"], again["written"]) == (12, 0)


def test_rescan_refuses_app_options_with_an_engine_and_engine_options_without_one() -> None:
    mixed = CliRunner().invoke(app, ["rescan", "--engine", "local", "--policy", POLICY, "--shadow"])
    assert mixed.exit_code == 2 and "--engine rescans stored content items" in mixed.output
    stray = CliRunner().invoke(app, ["rescan", "--policy", POLICY, "--shadow", "--workers", "2"])
    assert stray.exit_code == 2 and "go with --engine" in stray.output
    unknown = CliRunner().invoke(app, ["rescan", "--engine", "spark", "--policy", POLICY, "--database",
                                       "sqlite://"])
    assert unknown.exit_code == 2 and "no scan engine 'spark'" in unknown.output


def test_an_org_id_of_another_shape_is_refused_before_anything_runs(db: Database) -> None:
    _seed(db, 2)
    args = ["rescan", "--engine", "ray", "--policy", POLICY, "--database", db.url, "--detectors", "recognisers",
            "--org", "org_a' OR '1'='1"]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2 and "not an organization id" in refused.output
    assert _decisions(db) == 0
