"""Cost of a policy decision (signals + context -> Decision) under the bundled policy in force.

The detector's latency is measured by speed.py; this is the step after it: the
policy's rules indexed by the signals and context fields they read, conditions
compiled once by the native CEL runtime (warden.policy.expr). Per-case p50/p99,
then the throughput of one thread (one core) deciding the cases in turn for
--seconds. The machine may be shared: p99 and throughput are noisy, p50 less so.
Prints a table and writes benchmarks/results/decide.json.

Usage: .venv/bin/python benchmarks/decide.py [--runs 2000] [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from warden.decide import decide
from warden.policy import PolicyLibrary

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"

CASES = {
    "content, no app context": ({"hate": 0.2, "unsafe": 0.3}, {}),
    "content with app context": (
        {"hate": 0.2, "unsafe": 0.3},
        {"app": {"name": "Helper", "categories": ["medical"], "disclosures": {"ai": True}}},
    ),
    "violating content": ({"hate": 0.9, "unsafe": 0.95, "violence": 0.7}, {}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    policy = PolicyLibrary.discover().effective()
    rows = {}
    for name, (scores, context) in CASES.items():
        decide(policy, scores, context, "api")  # compile and cache the conditions first
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            decide(policy, scores, context, "api")
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        rows[name] = {"p50_ms": statistics.median(times), "p99_ms": times[int(len(times) * 0.99) - 1]}
    cases = list(CASES.values())
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        for scores, context in cases:
            decide(policy, scores, context, "api")
        done += len(cases)
    per_second = done / (time.perf_counter() - start)
    print(f"policy {policy.revision}: {len(policy.active('api'))} active rules on the api surface")
    print(f"{'case':<28}{'p50 ms':>10}{'p99 ms':>10}")
    for name, row in rows.items():
        print(f"{name:<28}{row['p50_ms']:>10.3f}{row['p99_ms']:>10.3f}")
    print(f"one thread, cases in turn: {per_second:,.0f} decisions/s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "decide.json").write_text(json.dumps({"revision": policy.revision, "cases": rows,
                                                         "decisions_per_second_one_thread": per_second}, indent=2))


if __name__ == "__main__":
    main()
