"""Quality of the embedded detector: the dev split through the `warden eval` harness, by source, and
the project's held-out contrast probes.

- Dev: exports the dev split of ../shared/data (20 % of texts by hash, never trained or tuned on;
  see warden.detect.training.data) to benchmarks/results/dev.jsonl in the harness's format and
  evaluates the cascade and each stage alone.
- Contrast probes (benchmarks/contrast/probes.jsonl, written by the project and never trained on):
  the false-positive rate on the benign half, recall on the harmful half, and the flag rate of
  each group (everyday requests with violent words, identity mentions, sexual health, direct and
  veiled threats, self-harm intent...).

Prints the tables and writes benchmarks/results/quality.json.

Usage: .venv/bin/python benchmarks/quality.py [--data DIR] [--model DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from rich.console import Console

from warden.categories import OPENAI_CATEGORIES
from warden.detect.cli import _table
from warden.detect.embedded.detector import EmbeddedDetector, flag_score
from warden.detect.evaluate import evaluate
from warden.detect.metrics import binary
from warden.detect.training import data
from warden.screening import Screener

RESULTS = Path(__file__).resolve().parent / "results"
PROBES = Path(__file__).resolve().parent / "contrast" / "probes.jsonl"


def export_dev(folder: Path | None, target: Path) -> int:
    rows = 0
    with target.open("w", encoding="utf-8") as fh:
        for ex in data.load(folder):
            if ex.split != "dev" or (ex.trained_heads is not None and "unsafe" not in ex.trained_heads):
                continue  # rows that train only some heads have no trained `flagged` label: see warden train
            row: dict[str, object] = {"text": ex.text, "flagged": ex.flagged, "source": ex.source.split("/")[0]}
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
    return out


def contrast(det: EmbeddedDetector, path: Path = PROBES) -> dict[str, object]:
    """The held-out contrast probes: FPR on the benign half, recall on the harmful half, per group;
    for harmful rows also whether a labelled OpenAI category itself fired (e.g. a threat reaching
    harassment/threatening or violence, not only `unsafe`)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    scores, _ = det.score_texts([r["text"] for r in rows])
    names = det.heads.names
    flagged = flag_score(scores, names) >= 0.5
    index = {n: i for i, n in enumerate(names)}
    groups: dict[str, dict[str, float | int]] = {}
    misses: list[str] = []
    for g in sorted({r["group"] for r in rows}):
        sel = [i for i, r in enumerate(rows) if r["group"] == g]
        harmful = bool(rows[sel[0]]["flagged"])
        rate = float(flagged[sel].mean())
        entry: dict[str, float | int] = {"rows": len(sel), "harmful": int(harmful), "flag_rate": round(rate, 4)}
        if harmful:
            hit = [
                any(scores[i, index[c]] >= 0.5 for c in rows[i]["categories"] if c in index and c in OPENAI_CATEGORIES)
                for i in sel
            ]
            entry["category_hit_rate"] = round(float(np.mean(hit)), 4)
        groups[g] = entry
        misses += [f"{'FP' if not harmful else 'FN'} {g}: {rows[i]['text']}" for i in sel if flagged[i] != harmful]
    truth = np.array([bool(r["flagged"]) for r in rows])
    overall = binary(truth, flagged).as_dict()
    return {"rows": len(rows), "benign_fpr": round(float(flagged[~truth].mean()), 4),
            "harmful_recall": round(float(flagged[truth].mean()), 4), "overall": overall, "groups": groups,
            "errors": misses}  # fmt: skip


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
        report = evaluate(dev, Screener(EmbeddedDetector(args.model, mode=mode)))
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
    probes = contrast(EmbeddedDetector(args.model))
    out["contrast"] = probes
    console.print(f"\ncontrast probes ({probes['rows']} written by the project, never trained on): "
                  f"benign FPR {probes['benign_fpr']:.3f}, harmful recall {probes['harmful_recall']:.3f}")
    console.print("| group | rows | harmful | flag rate | category hit |")
    console.print("|---|---:|---:|---:|---:|")
    for name, row in probes["groups"].items():  # type: ignore[attr-defined]
        hit = f"{row['category_hit_rate']:.3f}" if "category_hit_rate" in row else ""
        harmful = "yes" if row["harmful"] else "no"
        console.print(f"| {name} | {row['rows']} | {harmful} | {row['flag_rate']:.3f} | {hit} |", highlight=False)
    (RESULTS / "quality.json").write_text(json.dumps(out, indent=2) + "\n")
    console.print(f"wrote {RESULTS / 'quality.json'}")


if __name__ == "__main__":
    main()
