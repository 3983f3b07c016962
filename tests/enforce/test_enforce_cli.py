"""The hand-run commands: keys, queue, decide, statements export, audit verify."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import text
from typer.testing import CliRunner

from warden.cli import app
from warden.enforce import submissions
from warden.policy.provider import PolicyProvider
from warden.store import Database

runner = CliRunner()


def test_cli_walks_the_queue_and_checks_the_audit_chain(db: Database, world: Any, mini_policy: Any,
                                                         cybertip: Any, now: dt.datetime, tmp_path: Path,
                                                         monkeypatch: Any) -> None:
    url = ["--database", db.url]
    created = runner.invoke(app, ["keys", "create", "--role", "reviewer", "--subject", "rita", *url])
    assert created.exit_code == 0 and json.loads(created.stdout)["key"].startswith("wdn_")
    refused = runner.invoke(app, ["keys", "create", "--role", "service", "--subject", "x", *url])
    assert refused.exit_code == 1 and "organization" in refused.stderr

    with db.transaction() as s:
        queued = submissions.submit(s, world.service, submissions.Submission(
            org_id=world.org_id, account_id=world.alice, content="c", signals={"hate": 0.6}),
            lambda *_: mini_policy, cybertip, now)
    listed = runner.invoke(app, ["queue", "list", "--json", *url])
    assert listed.exit_code == 0
    assert [c["id"] for c in json.loads(listed.stdout)] == [queued.enforcement.case_id]

    monkeypatch.setattr("warden.enforce.cli._policies", lambda: PolicyProvider.fixed(mini_policy))
    decided = runner.invoke(app, ["cases", "decide", queued.enforcement.case_id, "--outcome", "uphold",
                                  "--reason", "hate speech", "--reviewer", "rita", "--rule", "mini.hate", *url])
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.stdout)["outcome"] == "uphold"

    out = tmp_path / "sor.jsonl"
    exported = runner.invoke(app, ["statements", "export", "--out", str(out), *url])
    assert exported.exit_code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["decision_visibility"] == ["DECISION_VISIBILITY_OTHER"]

    assert runner.invoke(app, ["audit", "verify", *url]).exit_code == 0
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET action = 'nothing.happened' WHERE seq = 2"))
    broken = runner.invoke(app, ["audit", "verify", *url])
    assert broken.exit_code == 1 and "event 2" in broken.stderr
