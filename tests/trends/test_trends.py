"""Trend monitoring over a seeded history: decisions over fourteen days through the real enforcement
path (bundled policy), with one category rising and, in the last day, a new cluster of similar texts.
`warden trends` must name the rising category and the new cluster, and so must the console's pages
(the cluster view embeds with the embedded detector's real encoder)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from warden.api.app import create_app
from warden.cli import app as cli
from warden.detect.pipeline import DetectorSet
from warden.detect.prototypes import load_rules
from warden.detect.testing import KeywordDetector
from warden.enforce import directory, keys, submissions
from warden.enforce.cybertip import ReporterInfo
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.principal import SYSTEM, Role
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.store import Database
from warden.store.tables import ContentItem, DecisionRecord
from warden.store.testing import FreshDatabases
from warden.trends import aggregates

NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)
CYBERTIP = CyberTipSettings(endpoint=None, reporter=ReporterInfo(first_name="T", last_name="S",
                                                                 email="ts@example.invalid"))
INSULTS = ["you are a worthless idiot and everyone knows it", "shut up you pathetic loser",
           "nobody likes you, you disgusting creep", "you are so stupid it hurts to read this",
           "get lost, you miserable clown", "what a moron, go away"]
BENIGN = ["what is the capital of France", "write a haiku about autumn", "how do I bake sourdough bread",
          "summarise this article about trains", "translate good morning into Spanish", "help me plan a trip"]
INVOICES = ["urgent: your invoice is overdue, wire the payment to this new account today",
            "we changed bank details, pay the attached invoice to the new IBAN immediately"]
SCAMS = ["Send me your wallet seed phrase and I will double your crypto in 24 hours",
         "Give me your seed phrase now, I double any bitcoin you send me today",
         "DM me your recovery phrase and get double the ETH back, guaranteed",
         "Share your secret recovery words and I'll double the coins in your wallet",
         "I double all crypto sent to me, just send your seed words first",
         "Type your 12-word seed phrase here and your bitcoin will be doubled"]


def _submit(s: Any, org: str, account: str, text: str, signals: dict[str, float], at: dt.datetime,
            policies: PolicyProvider) -> None:
    sub = submissions.Submission(org_id=org, account_id=account, content=text, signals=signals, surface="api")
    result = submissions.submit(s, SYSTEM, sub, policies, CYBERTIP, at)
    s.execute(update(DecisionRecord).where(DecisionRecord.content_id == result.content_id).values(created_at=at))
    s.execute(update(ContentItem).where(ContentItem.id == result.content_id).values(created_at=at))


@pytest.fixture(scope="module")
def policies() -> PolicyProvider:
    return PolicyProvider.load()


@pytest.fixture(scope="module")
def db(fresh: FreshDatabases) -> Iterator[Database]:
    """One database for the module: the history is seeded once and only read by the tests."""
    database = fresh.new()
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def seeded(db: Database, policies: PolicyProvider) -> dict[str, str]:
    """Fourteen days: benign traffic and harassment every day; fraud rare in the first week and frequent
    in the second; in the last 24 hours a burst of seed-phrase scams nobody sent before."""
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="Acme")).id
        users = [directory.create_account(s, SYSTEM, directory.AccountIn(org_id=org)).id for _ in range(40)]
        n = 0
        for day in range(14, 0, -1):
            base = NOW - dt.timedelta(days=day) + dt.timedelta(hours=1)
            for i, text in enumerate(BENIGN):
                _submit(s, org, users[n % 40], f"{text} ({day})", {}, base + dt.timedelta(minutes=i), policies)
                n += 1
            for i in range(2):
                _submit(s, org, users[n % 40], INSULTS[(day + i) % len(INSULTS)], {"harassment": 0.95},
                        base + dt.timedelta(minutes=10 + i), policies)
                n += 1
            frauds = 1 if day > 7 and day % 3 == 0 else (3 if 1 < day <= 7 else 0)
            for i in range(frauds):
                _submit(s, org, users[n % 40], INVOICES[i % 2] + f" ref {day}-{i}", {"fraud": 0.95},
                        base + dt.timedelta(minutes=20 + i), policies)
                n += 1
        for i, text in enumerate(SCAMS):  # the last 24 hours
            _submit(s, org, users[n % 40], text, {"fraud": 0.95}, NOW - dt.timedelta(hours=6, minutes=i), policies)
            n += 1
        for i, text in enumerate(INSULTS[:3]):
            _submit(s, org, users[n % 40], text, {"harassment": 0.95}, NOW - dt.timedelta(hours=3, minutes=i),
                    policies)
            n += 1
        key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.REVIEWER, subject="trend-watcher")).key
    return {"org": org, "key": key}


def test_aggregates_are_stored_and_idempotent(db: Database, seeded: dict[str, str]) -> None:
    with db.transaction() as s:
        first = aggregates.refresh(s, NOW - dt.timedelta(days=20), NOW + dt.timedelta(days=1))
    with db.transaction() as s:
        again = aggregates.refresh(s, NOW - dt.timedelta(days=20), NOW + dt.timedelta(days=1))
        report = aggregates.report(s, SYSTEM, now=NOW, window=dt.timedelta(days=7))
    assert first == again and first.decisions == 14 * 8 + 2 + 6 * 3 + len(SCAMS) + 3
    by = {c.category: c for c in report.categories}
    assert by["fraud"].rising and by["fraud"].last == 5 * 3 + len(SCAMS) and by["fraud"].previous == 3 + 2
    assert not by["harassment"].rising
    # the two windows hold every decision but day 14's (before the earlier window began)
    assert sum(p.decisions for p in report.totals) == first.decisions - 8


def test_warden_trends_reports_the_rising_category_and_the_new_cluster(db: Database, seeded: dict[str, str]) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["trends", "--database", db.url, "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    rising = [line for line in result.output.splitlines() if "RISING" in line]
    assert len(rising) == 1 and "fraud" in rising[0], result.output
    # the scams form one new cluster (one of the six paraphrases may stand alone at the default join of 0.6)
    assert re.search(r"cluster 1: [56] texts, NEW", result.output), result.output
    assert "seed phrase" in result.output
    as_json = json.loads(runner.invoke(cli, ["trends", "--database", db.url, "--now", NOW.isoformat(),
                                             "--json"]).output)
    clusters = as_json["clusters"]["clusters"]
    new = [c for c in clusters if c["new"]]
    assert len(new) == 1 and new[0]["size"] >= len(SCAMS) - 1
    assert all("seed" in t or "recovery" in t for t in new[0]["samples"])
    assert all(c["new"] is False for c in clusters if c is not new[0])  # harassment was there the day before


def test_console_trend_and_cluster_pages(db: Database, seeded: dict[str, str], policies: PolicyProvider,
                                        tmp_path: Path) -> None:
    rt = Runtime(db=db, policies=policies, detectors=DetectorSet([KeywordDetector({})]), cybertip=CYBERTIP, clock=lambda: NOW)
    with TestClient(create_app(rt)) as client:
        client.post("/console/login", data={"api_key": seeded["key"], "next": "/console/trends"})
        page = client.get("/console/trends")
        assert page.status_code == 200
        assert page.text.count("<svg") == 2 and "<polyline" in page.text
        row = re.search(r'<tr class="rising"><td><code>([^<]+)</code>', page.text)
        assert row is not None and row.group(1) == "fraud"
        view = client.get("/console/trends/clusters")
        assert view.status_code == 200
        assert re.search(r"New cluster 1: [56] texts", view.text) and "seed phrase" in view.text
        # a reviewer names the new cluster: a prototype rule drafted from its texts, loadable by the detector
        first = view.text.split('aria-label="Name cluster 1"', 1)[1].split("</form>", 1)[0]
        form = {"csrf": re.findall(r'name="csrf" value="([^"]+)"', view.text)[0], "name": "seed phrase doubling",
                "category": "fraud", "content_ids": re.findall(r'name="content_ids" value="([^"]+)"', first)}
        drafted = client.post("/console/trends/clusters/rule", data=form)
        assert drafted.status_code == 200, drafted.text
        text = html.unescape(re.search(r'<textarea id="rule-yaml"[^>]*>(.*?)</textarea>', drafted.text, re.S)[1])
        (tmp_path / "rules.yaml").write_text(text)
        [rule] = load_rules(tmp_path / "rules.yaml")  # the file WARDEN_PROTOTYPE_RULES would name
        assert rule.name == "seed-phrase-doubling" and rule.category == "fraud"
        assert len(rule.positives) == len(form["content_ids"]) and all("seed" in t or "recovery" in t
                                                                        for t in rule.positives)
        refused = client.post("/console/trends/clusters/rule", data={**form, "category": "not-a-category"})
        assert refused.status_code == 400
