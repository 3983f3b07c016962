"""How well stage 1 routes: the gate head against stage 1's own flag score, on the shipped model.

For each benign budget (the share of benign calibration texts sent to stage 2), both routers get
the band that budget gives on the calibration split; on the dev split the script reports the share
of texts escalated, the share of stage 2's flags that stage 1 keeps (clears wrongly: the texts the
cascade misses that stage 2 alone would flag) and the cascade's flagged F1.

Usage: .venv/bin/python benchmarks/routing.py [--cache var/train-cache]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from warden.detect.embedded.detector import clear_below, flag_score, routing_score
from warden.detect.embedded.encoders import MODEL_DIR, FineTunedEncoder, StaticEncoder
from warden.detect.embedded.heads import HeadSet
from warden.detect.metrics import binary
from warden.detect.training import data, pipeline
from warden.detect.training.labels import label_matrix

ROOT = Path(__file__).resolve().parents[1]
BUDGETS = (0.15, 0.2, 0.25, 0.3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache (as warden train --cache)")
    args = parser.parse_args()
    heads = HeadSet.load(MODEL_DIR)
    if heads.gate is None:
        raise SystemExit("the shipped model has no gate head")
    examples = [ex for ex in data.load() if ex.split != "train"]
    texts = [ex.text for ex in examples]
    splits = np.array([ex.split for ex in examples])
    y, mask = label_matrix(examples, heads.names)
    quiet = lambda _: None  # noqa: E731
    encoder, static = FineTunedEncoder(MODEL_DIR / "encoder.onnx"), StaticEncoder(MODEL_DIR / "static.npz")
    emb2 = pipeline.embed(encoder, texts, args.cache, quiet, key=f"{encoder.name}-{pipeline._digest(encoder.path)}")
    emb1 = pipeline.embed(static, texts, args.cache, quiet, key=f"static-{pipeline._digest(MODEL_DIR / 'static.npz')}")
    s1, s2 = heads.static.scores(emb1), heads.minilm.scores(emb2)
    stage2_flags = flag_score(s2, heads.names) >= 0.5
    ca, dv = splits == "calib", splits == "dev"
    benign = ca & (y[:, 0] < 0.5)
    dk = dv & (mask[:, 0] > 0)
    routers = {"flag score": flag_score(s1, heads.names), "gate": routing_score(heads, emb1, s1)}
    rows = []
    print("| router | benign budget | dev escalated | stage-2 flags kept by stage 1 | cascade dev flagged F1 |")
    print("|---|---:|---:|---:|---:|")
    for name, route in routers.items():
        for budget in BUDGETS:
            lo, _ = pipeline.choose_band(route[benign], np.ones(int(benign.sum()), dtype=bool), budget)
            escalated = route >= lo
            bound = lo if name == "flag score" else 1.0
            cascade = clear_below(np.where(escalated[:, None], s2, s1), escalated, bound)
            f1 = binary(y[dk, 0] > 0.5, flag_score(cascade[dk], heads.names) >= 0.5).f1
            kept = float((~escalated[dv & stage2_flags]).mean())
            rows.append({"router": name, "budget": budget, "dev_escalated": round(float(escalated[dv].mean()), 4),
                         "stage2_flags_kept": round(kept, 4), "cascade_f1": round(f1, 4)})  # fmt: skip
            print(f"| {name} | {budget:.2f} | {escalated[dv].mean():.3f} | {kept:.3f} | {f1:.3f} |")
    out = ROOT / "benchmarks" / "results" / "routing.json"
    out.write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
