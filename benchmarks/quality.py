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

import numpy as np
from rich.console import Console

from warden.detect import data
from warden.detect.cli import _table
from warden.detect.embedded.detector import EmbeddedDetector, flag_score
from warden.detect.evaluate import evaluate
from warden.detect.metrics import binary
from warden.detect.moderate import Moderator

RESULTS = Path(__file__).resolve().parent / "results"
# Sources added on 2026-11-23: the dev rows without them are the 7,846-row dev split of earlier figures.
NEW_SOURCES = ["s-labs", "yanismiraoui", "hatexplain"]


def export_dev(folder: Path | None, target: Path) -> int:
    rows = 0
    with target.open("w", encoding="utf-8") as fh:
        for ex in data.load(folder):
            if ex.split != "dev" or ex.source in data.SOURCE_HEADS:
                continue  # rows that train only some heads have no trained `flagged` label: see warden train
            row: dict[str, object] = {"text": ex.text, "flagged": ex.flagged, "source": ex.source}
            if ex.categories:
                row["categories"] = {k: v for k, v in ex.categories.items() if v}
            if ex.flagged and not any(ex.categories.values()):
                row.pop("categories", None)  # category unknown: counts for the overall figures only
            fh.write(json.dumps(row) + "\n")
            rows += 1
    return rows


def by_source(path: Path, det: EmbeddedDetector) -> dict[str, dict[str, float | int]]:
    """The cascade's `flagged` figures (flag score >= 0.5, as in the harness) for each source's rows."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    scores, _ = det.score_texts([r["text"] for r in rows])
    pred = flag_score(scores, det.heads.names) >= 0.5
    truth = np.array([bool(r["flagged"]) for r in rows])
    sources = np.array([r["source"] for r in rows])
    out: dict[str, dict[str, float | int]] = {}
    for name, sel in [("all", np.ones(len(rows), dtype=bool))] + [
        (src, sources == src) for src in sorted(set(sources.tolist()))
    ]:
        out[name] = {"rows": int(sel.sum()), **binary(truth[sel], pred[sel]).as_dict()}
    earlier = ~np.isin(sources, NEW_SOURCES)
    out["earlier sources only"] = {"rows": int(earlier.sum()), **binary(truth[earlier], pred[earlier]).as_dict()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Dev-split quality of the embedded detector")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--model", type=Path, default=None, help="heads folder (default: the shipped heads)")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    dev = RESULTS / "dev.jsonl"
    n = export_dev(args.data, dev)
    console = Console()
    console.print(f"dev split: {n} rows -> {dev}")
    out: dict[str, object] = {}
    for mode in ("cascade", "static", "minilm"):
        report = evaluate(dev, Moderator(EmbeddedDetector(args.model, mode=mode), None))  # type: ignore[arg-type]
        report.path = f"dev split, {mode}"
        console.print(_table(report))
        out[mode] = report.as_dict()
    sources = by_source(dev, EmbeddedDetector(args.model))
    out["by_source"] = sources
    console.print("\n| source | dev rows | positives | precision | recall | F1 | FPR |")
    console.print("|---|---:|---:|---:|---:|---:|---:|")
    for name, row in sources.items():
        console.print(
            f"| {name} | {row['rows']} | {row['support']} | {row['precision']:.3f} | {row['recall']:.3f} "
            f"| {row['f1']:.3f} | {row['fpr']:.3f} |",
            highlight=False,
        )
    (RESULTS / "quality.json").write_text(json.dumps(out, indent=2) + "\n")
    console.print(f"wrote {RESULTS / 'quality.json'}")


if __name__ == "__main__":
    main()
