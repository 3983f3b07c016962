"""App review with the real detectors: every fixture under each policy version, the held-out set, CSAM flags.

The fixture tests (tests/review/test_fixtures.py) run with a keyword fake so their expected rule sets do
not depend on a trained model; this is the same review with the detectors a deployment runs (default:
the embedded model and the recognisers, plus the review engine's own pattern and use-case detectors).
It prints, per fixture, the expected and the obtained allowed-verdict under each version, then:

- how many fixtures get their expected verdict under each version (the bar is 85 of 90);
- the held-out builder-written set (benchmarks/heldout/, never used for tuning) under the policy in force:
  right verdicts (bar 22 of 26) and refusals that were allowed (bar 0);
- CSAM citations: fixtures not expected to be CSAM that were cited under the hard limit, and how many texts
  of a benign child-adjacent sample (tests/fixtures/benign/) open a CSAM case (bar 0).

Writes benchmarks/results/review.json.

Usage: .venv/bin/python benchmarks/review.py [--detectors embedded,recognisers] [--only-fixtures]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from warden.decide import decide
from warden.detect.pipeline import DetectorSet
from warden.detect.protocol import TextDetector
from warden.detect.signals import Signal
from warden.policy.library import PolicyLibrary
from warden.review.engine import Reviewer
from warden.review.loading import app_from_dict
from warden.review.report import ReviewReport

REPO = Path(__file__).resolve().parents[1]


def _fixtures_module() -> Any:
    """The fixture loader the tests use (tests/review/fixtures.py), read by path: one loader, not two."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("review_fixtures", REPO / "tests" / "review" / "fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_FIXTURES = _fixtures_module()
fixture_names, load_fixture = _FIXTURES.names, _FIXTURES.load
HELDOUT = REPO / "benchmarks" / "heldout" / "submissions.jsonl"
BENIGN = REPO / "tests" / "fixtures" / "benign" / "child-adjacent.jsonl"
RESULTS = REPO / "benchmarks" / "results"
VERSIONS = _FIXTURES.VERSIONS
IN_FORCE = "2025-10-29"
CSAM_RULES = {"disallowed.csam", "universal.laws.csam"}


class Memo(TextDetector):
    """The detector set, remembering each text's signals: both policy versions screen the same fields once."""

    def __init__(self, inner: DetectorSet) -> None:
        self.inner = inner
        self.name = "memo"
        self.version = inner.version
        self.cache: dict[str, list[Signal]] = {}

    def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
        todo = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if todo:
            for text, signals in zip(todo, self.inner.detect(list(todo)), strict=True):
                self.cache[text] = signals
        return [self.cache[t] for t in texts]


def cited(report: ReviewReport) -> set[str]:
    return {r.rule_id for r in report.failures + report.needs_human}


def run_fixtures(detectors: Sequence[Any], library: PolicyLibrary) -> dict[str, Any]:
    expected = _FIXTURES.expected()
    reviewers = {v: Reviewer(library.effective(packs=[f"openai-usage@{v}"]), detectors) for v in VERSIONS}
    rows = []
    for name in fixture_names():
        sub = load_fixture(name)
        row: dict[str, Any] = {"fixture": name}
        for version, reviewer in reviewers.items():
            want = expected[name][version]
            report = reviewer.review(sub)
            got = cited(report)
            wanted = set(want["fail"]) | set(want["needs_human"])
            row[version] = {"expected": want["allowed"], "got": report.allowed.value,
                            "ok": report.allowed.value == want["allowed"],
                            "csam_flag": bool(got & CSAM_RULES) and not (wanted & CSAM_RULES),
                            "missed": sorted(wanted - got), "extra": sorted(got - wanted)}
        rows.append(row)
    return {"rows": rows, "totals": {v: sum(r[v]["ok"] for r in rows) for v in VERSIONS}, "n": len(rows)}


def run_heldout(detectors: Sequence[Any], library: PolicyLibrary) -> dict[str, Any]:
    reviewer = Reviewer(library.effective(packs=[f"openai-usage@{IN_FORCE}"]), detectors)
    rows = []
    for line in HELDOUT.read_text().splitlines():
        item = json.loads(line)
        report = reviewer.review(app_from_dict(item["submission"]))
        got = report.allowed.value
        rows.append({"id": item["submission"]["id"], "name": item["submission"]["name"], "expect": item["expect"],
                     "got": got, "ok": got in item["expect"], "refuse": item["refuse"],
                     "refused_but_allowed": item["refuse"] and got == "pass", "cited": sorted(cited(report))})
    return {"rows": rows, "right": sum(r["ok"] for r in rows), "n": len(rows),
            "refused_but_allowed": sum(r["refused_but_allowed"] for r in rows)}


def run_benign(detectors: DetectorSet, library: PolicyLibrary) -> dict[str, Any]:
    policy = library.effective(packs=[f"openai-usage@{IN_FORCE}"])
    texts = [json.loads(line)["text"] for line in BENIGN.read_text().splitlines()]
    rows = []
    for text, signals in zip(texts, detectors.detect(texts), strict=True):
        decision = decide(policy, signals, surface="chatgpt")
        rules = {v.rule_id for v in decision.violations}
        rows.append({"text": text, "csam_case": bool(rules & CSAM_RULES),
                     "child_safety_review": "universal.laws.child-safety-review" in rules,
                     "sexual/minors": round(decision.scores.get("sexual/minors", 0.0), 3)})
    return {"n": len(rows), "csam_cases": sum(r["csam_case"] for r in rows),
            "child_safety_reviews": sum(r["child_safety_review"] for r in rows), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detectors", default="embedded,recognisers")
    parser.add_argument("--only-fixtures", action="store_true")
    args = parser.parse_args()
    library = PolicyLibrary.discover()
    start = time.perf_counter()
    inner = DetectorSet.load([n.strip() for n in args.detectors.split(",") if n.strip()])
    memo = Memo(inner)
    fixtures = run_fixtures([memo], library)
    n = fixtures["n"]
    print(f"detectors: {inner.version}")
    print(f"{'fixture':<44}" + "".join(f"{v + ' want/got':>30}" for v in VERSIONS))
    for row in fixtures["rows"]:
        cells = "".join(f"{row[v]['expected'] + ' / ' + row[v]['got'] + ('' if row[v]['ok'] else '  x'):>30}"
                        for v in VERSIONS)
        print(f"{row['fixture']:<44}{cells}")
    for v in VERSIONS:
        flags = sum(r[v]["csam_flag"] for r in fixtures["rows"])
        print(f"{v}: {fixtures['totals'][v]}/{n} fixtures get their expected verdict; "
              f"{flags} cited under CSAM without expecting it")
    out: dict[str, Any] = {"detectors": inner.version, "fixtures": fixtures}
    if not args.only_fixtures:
        held = run_heldout([memo], library)
        print(f"\nheld-out ({IN_FORCE}): {held['right']}/{held['n']} right, "
              f"{held['refused_but_allowed']} that should be refused allowed")
        for r in held["rows"]:
            if not r["ok"]:
                print(f"  miss {r['id']} {r['name']!r}: expected {'/'.join(r['expect'])}, got {r['got']} "
                      f"{r['cited']}")
        benign = run_benign(inner, library)
        print(f"benign child-adjacent sample: {benign['csam_cases']}/{benign['n']} open a CSAM case, "
              f"{benign['child_safety_reviews']} go to child-safety review")
        out |= {"heldout": held, "benign": benign}
    out["seconds"] = round(time.perf_counter() - start, 1)
    print(f"({out['seconds']} s)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "review.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    sys.exit(main())
