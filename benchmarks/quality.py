"""Quality of the embedded detector on the held-out dev split, through the `warden eval` harness.

Exports the dev split of ../shared/data (20 % of texts by hash, never trained
or tuned on; see warden.detect.data) to benchmarks/results/dev.jsonl in the
harness's format, evaluates the cascade and each stage alone, prints the
tables and writes benchmarks/results/quality.json.

Usage: .venv/bin/python benchmarks/quality.py [--data DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from warden.detect import data
from warden.detect.cli import _table
from warden.detect.embedded.detector import EmbeddedDetector
from warden.detect.evaluate import evaluate
from warden.detect.moderate import Moderator

RESULTS = Path(__file__).resolve().parent / "results"


def export_dev(folder: Path | None, target: Path) -> int:
    rows = 0
    with target.open("w", encoding="utf-8") as fh:
        for ex in data.load(folder):
            if ex.split != "dev":
                continue
            row: dict[str, object] = {"text": ex.text, "flagged": ex.flagged, "source": ex.source}
            if ex.categories:
                row["categories"] = {k: v for k, v in ex.categories.items() if v}
            if ex.flagged and not any(ex.categories.values()):
                row.pop("categories", None)  # category unknown: counts for the overall figures only
            fh.write(json.dumps(row) + "\n")
            rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="Dev-split quality of the embedded detector")
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    dev = RESULTS / "dev.jsonl"
    n = export_dev(args.data, dev)
    console = Console()
    console.print(f"dev split: {n} rows -> {dev}")
    out: dict[str, object] = {}
    for mode in ("cascade", "static", "minilm"):
        report = evaluate(dev, Moderator(EmbeddedDetector(mode=mode), None))  # type: ignore[arg-type]
        report.path = f"dev split, {mode}"
        console.print(_table(report))
        out[mode] = report.as_dict()
    (RESULTS / "quality.json").write_text(json.dumps(out, indent=2) + "\n")
    console.print(f"wrote {RESULTS / 'quality.json'}")


if __name__ == "__main__":
    main()
