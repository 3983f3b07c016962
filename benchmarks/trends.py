"""What the trend views and the console cost a user, on this machine.

Seeds a temporary SQLite store through the enforcement services (bundled policy, explicit signals):
N decisions over 14 days, a share of them flagged, and a last day with a burst of similar texts.
Then times: refreshing the stored aggregates over the 14 days, the trend report, the emerging-cluster
view (the embedded detector's real encoder over the last and previous day's flagged texts), and
console pages through the app (TestClient, in process: the queue, a case page with its evidence
spans from the real detectors, the trends page, the clusters page). Prints a table and writes
benchmarks/results/trends.json.

Usage: .venv/bin/python benchmarks/trends.py [--decisions 2000] [--runs 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from warden.api.app import create_app
from warden.enforce import directory, keys, submissions
from warden.enforce.cybertip import ReporterInfo
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.principal import SYSTEM, Role
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime, load_detectors
from warden.settings import Settings
from warden.store import Database
from warden.store.tables import ContentItem, DecisionRecord
from warden.trends import aggregates, clusters

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
NOW = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
CYBERTIP = CyberTipSettings(endpoint=None, reporter=ReporterInfo(first_name="B", last_name="M",
                                                                 email="bench@example.invalid"))
WORDS = ["idiot", "loser", "creep", "clown", "moron", "fool", "jerk", "pathetic", "stupid", "worthless", "ugly",
         "lazy", "awful", "rude", "invoice", "payment", "wallet", "account", "refund", "prize", "winner", "offer",
         "click", "link", "urgent"]


def _text(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def seed(db: Database, n: int, policies: PolicyProvider) -> dict[str, str]:
    rng = random.Random(7)
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="Bench")).id
        users = [directory.create_account(s, SYSTEM, directory.AccountIn(org_id=org)).id for _ in range(200)]
        case_id = ""
        for i in range(n):
            at = NOW - dt.timedelta(minutes=rng.randrange(14 * 24 * 60))
            burst = i < n // 20
            if burst:
                at = NOW - dt.timedelta(minutes=rng.randrange(24 * 60))
                text = f"send your seed phrase and I will double your crypto, offer {i}"
                signals = {"fraud": 0.95}
            elif rng.random() < 0.25:
                text, signals = _text(rng), {rng.choice(["harassment", "hate", "sexual"]): 0.62}
            else:
                text, signals = _text(rng), {}
            sub = submissions.Submission(org_id=org, account_id=rng.choice(users), content=text, signals=signals,
                                         surface="api")
            result = submissions.submit(s, SYSTEM, sub, policies, CYBERTIP, at)
            s.execute(update(DecisionRecord).where(DecisionRecord.content_id == result.content_id)
                      .values(created_at=at))
            s.execute(update(ContentItem).where(ContentItem.id == result.content_id).values(created_at=at))
            if result.enforcement is not None and result.enforcement.case_id and not case_id:
                case_id = result.enforcement.case_id
        key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.REVIEWER, subject="bench")).key
    return {"org": org, "key": key, "case": case_id}


def _timed(fn: Any, runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "max_ms": round(times[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    db = Database(f"sqlite:///{folder / 'bench.db'}")
    policies = PolicyProvider.load()
    start = time.perf_counter()
    ids = seed(db, args.decisions, policies)
    seeded_s = time.perf_counter() - start
    rows: dict[str, Any] = {}

    def refresh() -> None:
        with db.transaction() as s:
            aggregates.refresh(s, NOW - dt.timedelta(days=14), NOW + dt.timedelta(hours=1))

    rows["aggregates refresh, 14 days"] = _timed(refresh, max(3, args.runs // 3))

    def report() -> None:
        with db.transaction() as s:
            aggregates.report(s, SYSTEM, now=NOW, window=dt.timedelta(days=7))

    rows["trend report from the buckets"] = _timed(report, args.runs)
    encoder = clusters.default_embedder()
    with db.transaction() as s:
        windows = clusters.load(s, SYSTEM, now=NOW, window=dt.timedelta(days=1))
    found = clusters.cluster(windows, encoder)
    rows[f"emerging clusters ({len(windows.last)} + {len(windows.previous)} texts, real encoder)"] = _timed(
        lambda: clusters.cluster(windows, encoder), max(3, args.runs // 3))
    settings = Settings.from_env().model_copy(update={"detectors": ("embedded", "recognisers")})
    rt = Runtime(db=db, policies=policies, detectors=load_detectors(settings, policies), cybertip=CYBERTIP,
                 settings=settings, clock=lambda: NOW)
    with TestClient(create_app(rt)) as client:
        client.post("/console/login", data={"api_key": ids["key"], "next": "/console/queue"})
        for name, path in [("console queue page", "/console/queue"),
                           ("console case page (detectors for the evidence spans)", f"/console/cases/{ids['case']}"),
                           ("console trends page (refresh + report + SVG)", "/console/trends"),
                           ("console clusters page", "/console/trends/clusters")]:
            assert client.get(path).status_code == 200, path
            rows[name] = _timed(lambda p=path: client.get(p), args.runs)
        metrics = client.get("/metrics").text
    new = [c for c in found.clusters if c.new]
    out = {"decisions": args.decisions, "seed_seconds": round(seeded_s, 1), "timings": rows,
           "clusters": {"found": len(found.clusters), "new": len(new),
                        "largest_new_size": max((c.size for c in new), default=0),
                        "burst_size": args.decisions // 20},
           "metrics_lines": len([m for m in metrics.splitlines() if re.match(r"^warden_", m)])}
    print(f"{args.decisions} decisions seeded in {seeded_s:.1f} s")
    print(f"{'measure':<72} {'p50 ms':>8} {'max ms':>8}")
    for name, t in rows.items():
        print(f"{name:<72} {t['p50_ms']:>8} {t['max_ms']:>8}")
    print(f"clusters: {out['clusters']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "trends.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
