"""Leave-one-source-out: how well the fine-tuned detector does on a source it never saw.

For each held-out source (default: ToxicChat, OLID, Jigsaw, RealToxicityPrompts) a model is
fine-tuned without any of that source's rows, exported to int8 ONNX like the shipped one, its
thresholds calibrated on the calibration split of the other sources, and its `flagged` F1
measured on **all** of the held-out source's rows. A reference model fine-tuned on every source
with the same reduced budget is measured on the same rows' dev split, next to the LOSO model on
that dev split, so the drop from "seen" to "unseen" is read in one run.

The budget is smaller than `warden train`'s (one epoch, 64 tokens, a sample of the rows), so
each run takes minutes on two cores; the figures measure generalisation across sources, not the
shipped model's absolute quality. Needs the build extra (torch).

Usage: .venv/bin/python benchmarks/loso.py [--sources toxicchat olid jigsaw rtp] [--rows 16000]
Writes benchmarks/results/loso.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np

from warden.detect.embedded.detector import flag_score
from warden.detect.embedded.encoders import FineTunedEncoder
from warden.detect.metrics import binary
from warden.detect.training import data
from warden.detect.training.export import export_onnx
from warden.detect.training.finetune import FinetuneConfig, finetune, finetune_rows
from warden.detect.training.labels import head_names, label_matrix
from warden.detect.training.pipeline import _calibrate, _stage2_heads

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
WORK = ROOT / "var" / "loso"
# How a held-out source's `flagged` label reads (data.py): ToxicChat toxicity or jailbreaking; OLID
# targeted offence (untargeted profanity rows teach only the profanity head and are left out here);
# Jigsaw toxic; RealToxicityPrompts Perspective toxicity >= 0.5 (< 0.25 benign).
DEFAULT_SOURCES = ["toxicchat", "olid", "jigsaw", "rtp"]


def _source(ex: data.Example) -> str:
    return ex.source.split("/")[0]


def _sample(rows: list[data.Example], n: int, seed: int) -> list[data.Example]:
    if len(rows) <= n:
        return rows
    keep = np.random.default_rng(seed).permutation(len(rows))[:n]
    return [rows[i] for i in sorted(keep)]


def _model(name: str, rows: list[data.Example], names: list[str], config: FinetuneConfig) -> Path:
    final = finetune(rows, names, WORK / name, config, log=lambda line: print(f"  [{name}] {line}", flush=True))
    target = WORK / name / "encoder.onnx"
    if not target.exists():
        export_onnx(final, target)
    shutil.copyfile(final / "tokenizer.json", target.parent / "tokenizer.json")  # read beside the encoder
    return final


def _flagged(final: Path, names: list[str], calib: list[data.Example], evals: dict[str, list[data.Example]],
             max_tokens: int) -> dict[str, dict[str, float | int]]:  # fmt: skip
    encoder = FineTunedEncoder(final.parent / "encoder.onnx", max_tokens=max_tokens)
    heads = _stage2_heads(final, names)
    y, mask = label_matrix(calib, names)
    _calibrate(heads, encoder.encode([ex.text for ex in calib]), y, mask)
    out: dict[str, dict[str, float | int]] = {}
    for key, rows in evals.items():
        rows = [ex for ex in rows if ex.trained_heads is None or "unsafe" in ex.trained_heads]
        scores = heads.scores(encoder.encode([ex.text for ex in rows]))
        truth = np.array([ex.flagged for ex in rows], dtype=bool)
        out[key] = {"rows": len(rows), **binary(truth, flag_score(scores, names) >= 0.5).as_dict()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", nargs="+", default=DEFAULT_SOURCES)
    parser.add_argument("--rows", type=int, default=16000, help="fine-tune rows per model (a sample)")
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    config = FinetuneConfig(epochs=1.0, max_tokens=64, checkpoint_every=200)
    examples = data.load(args.data)
    names = head_names(examples)
    pool = finetune_rows(examples)
    calib_all = [ex for ex in examples if ex.split == "calib"]
    calib_all = _sample(calib_all, 6000, 1)
    report: dict[str, object] = {
        "config": {"rows": args.rows, "epochs": config.epochs, "max_tokens": config.max_tokens}
    }
    print(f"reference: every source, {args.rows} rows")
    reference = _model("all", _sample(pool, args.rows, 0), names, config)
    results = {}
    for source in args.sources:
        held = [ex for ex in examples if _source(ex) == source]
        if not held:
            raise SystemExit(f"no rows from source {source!r}")
        rows = _sample([ex for ex in pool if _source(ex) != source], args.rows, 0)
        print(f"without {source}: {len(rows)} rows; evaluating on its {len(held)} rows")
        final = _model(f"without-{source}", rows, names, config)
        calib = [ex for ex in calib_all if _source(ex) != source]
        dev = [ex for ex in held if ex.split == "dev"]
        unseen = _flagged(final, names, calib, {"all rows": held, "dev rows": dev}, config.max_tokens)
        seen = _flagged(reference, names, calib, {"dev rows": dev}, config.max_tokens)
        results[source] = {
            "unseen_all": unseen["all rows"], "unseen_dev": unseen["dev rows"], "seen_dev": seen["dev rows"]
        }
        r = results[source]
        print(f"  {source}: unseen F1 {r['unseen_all']['f1']:.3f} (all rows); dev rows unseen "
              f"{r['unseen_dev']['f1']:.3f} vs seen {r['seen_dev']['f1']:.3f}", flush=True)
    report["results"] = results
    report["seconds"] = round(time.perf_counter() - started, 1)
    print("\n| held-out source | rows | unseen P | unseen R | unseen F1 | dev rows | dev F1 unseen | dev F1 seen |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for source, r in results.items():
        u, ud, sd = r["unseen_all"], r["unseen_dev"], r["seen_dev"]
        print(f"| {source} | {u['rows']} | {u['precision']:.3f} | {u['recall']:.3f} | {u['f1']:.3f} | {ud['rows']} "
              f"| {ud['f1']:.3f} | {sd['f1']:.3f} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "loso.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS / 'loso.json'} in {report['seconds']} s")


if __name__ == "__main__":
    main()
