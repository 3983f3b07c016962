"""`warden train`: the embedded detector's heads, reproduced from the shared data.

Embeds every example with both encoders (cached on disk), fits the
multi-task heads for each encoder on the train split with early stopping on
the calibration split, picks each head's threshold on the calibration split
(maximum F1), chooses the cascade's uncertain band (the widest band around
the threshold within the escalation budget) on the calibration split,
and reports every figure on the dev split, which nothing was fitted or tuned on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from warden.categories import CATEGORIES
from warden.detect import data
from warden.detect.embedded.detector import FLAGGED, flag_score
from warden.detect.embedded.encoders import MODEL_DIR, Matrix, MiniLMEncoder, StaticEncoder
from warden.detect.embedded.heads import Heads, HeadSet, remap
from warden.detect.embedded.mlp import TrainConfig, fit
from warden.detect.metrics import best_threshold, binary

MIN_POSITIVES = 20  # train positives a category needs to get a head


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> Matrix: ...


Log = Callable[[str], None]


@dataclass
class TrainOptions:
    data_dir: Path | None = None
    out_dir: Path = MODEL_DIR
    cache_dir: Path | None = None
    seed: int = 13
    max_escalation: float = 0.15  # share of texts the cascade may send to stage 2 (calibration split)
    config: TrainConfig = field(default_factory=TrainConfig)


def label_matrix(examples: Sequence[data.Example], names: Sequence[str]) -> tuple[Matrix, Matrix]:
    """Labels and loss weights: 0 where a label is unknown, else the example's source weight."""
    y = np.zeros((len(examples), len(names)), dtype=np.float32)
    mask = np.zeros_like(y)
    for i, ex in enumerate(examples):
        y[i, 0], mask[i, 0] = ex.flagged, ex.weight
        for j, name in enumerate(names[1:], start=1):
            if name in ex.categories:
                y[i, j], mask[i, j] = ex.categories[name], ex.weight
            elif not ex.flagged:
                mask[i, j] = ex.weight
        only = data.SOURCE_HEADS.get(ex.source)
        if only is not None:
            mask[i] *= [name in only for name in names]
    return y, mask


def _text_keys(texts: Sequence[str]) -> np.ndarray:
    return np.array([hashlib.sha1(t.encode()).digest() for t in texts], dtype="S20")


def embed(encoder: Encoder, texts: Sequence[str], cache_dir: Path | None, log: Log) -> Matrix:
    """Embeddings of `texts`, reusing a per-text store in `cache_dir` (`<encoder>-rows.npz`, keyed by
    SHA-1 of the text) so that adding a data source embeds only the new texts."""
    store = cache_dir / f"{encoder.name}-rows.npz" if cache_dir else None
    keys = _text_keys(texts)
    known: dict[bytes, int] = {}
    old_keys, old_emb = np.zeros(0, dtype="S20"), None
    if store is not None and store.exists():
        with np.load(store) as z:
            old_keys, old_emb = z["keys"], z["emb"]
        known = {k: i for i, k in enumerate(old_keys.tolist())}
    if store is not None and not known:  # a whole-list cache from an earlier version of this function
        key = hashlib.sha256(("\x00".join(texts) + encoder.name).encode()).hexdigest()[:16]
        legacy = store.parent / f"{encoder.name}-{key}.npy"
        if legacy.exists():
            old_keys, old_emb = keys, np.load(legacy)
            known = {k: i for i, k in enumerate(old_keys.tolist())}
    missing = sorted({i for i, k in enumerate(keys.tolist()) if k not in known})
    new_emb = None
    if missing:
        chunks, step, start = [], 2048, time.perf_counter()
        todo = [texts[i] for i in missing]
        for i in range(0, len(todo), step):
            chunks.append(encoder.encode(todo[i : i + step]))
            done = min(i + step, len(todo))
            log(f"  {encoder.name}: embedded {done}/{len(todo)} new texts ({time.perf_counter() - start:.0f}s)")
        new_emb = np.concatenate(chunks)
    else:
        log(f"  {encoder.name}: all {len(texts)} embeddings cached in {store}")
    if old_emb is not None and new_emb is not None:
        all_keys = np.concatenate([old_keys, keys[missing]])
        all_emb: Matrix = np.concatenate([old_emb, new_emb])
    elif new_emb is not None:
        all_keys, all_emb = keys[missing], new_emb
    else:
        assert old_emb is not None
        all_keys, all_emb = old_keys, old_emb
    index = {k: i for i, k in enumerate(all_keys.tolist())}
    if store is not None and (missing or not store.exists()):
        store.parent.mkdir(parents=True, exist_ok=True)
        np.savez(store, keys=all_keys, emb=all_emb)
    out: Matrix = all_emb[[index[k] for k in keys.tolist()]]
    return out


def _stage(
    name: str, emb: Matrix, y: Matrix, mask: Matrix, splits: np.ndarray, names: list[str],
    options: TrainOptions, log: Log,
) -> Heads:  # fmt: skip
    tr, ca = splits == "train", splits == "calib"

    def progress(epoch: int, loss: float, val: float) -> None:
        log(f"  {name}: epoch {epoch:2d} train loss {loss:.4f} calibration loss {val:.4f}")

    w1, b1, w2, b2 = fit(emb[tr], y[tr], mask[tr], emb[ca], y[ca], mask[ca], options.config, progress)
    heads = Heads(names, w1, b1, w2, b2, np.full(len(names), 0.5, dtype=np.float32))
    probs = heads.probabilities(emb[ca])
    for j in range(len(names)):
        known = mask[ca, j] > 0
        heads.thresholds[j] = best_threshold(y[ca, j][known] > 0.5, probs[known, j])
    return heads


def _report(scores: Matrix, y: Matrix, mask: Matrix, names: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for j, name in enumerate(names):
        known = mask[:, j] > 0
        out[name] = binary(y[known, j] > 0.5, scores[known, j] >= 0.5).as_dict()
    return out


def _by_source(
    scores: Matrix, y: Matrix, rows: np.ndarray, known: np.ndarray, sources: np.ndarray, names: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The cascade's `flagged` figures for each source's rows of one split ("all": rows whose `unsafe`
    label is trained)."""
    pred = flag_score(scores, names) >= 0.5
    sel = rows & known
    out: dict[str, dict[str, Any]] = {"all": {"rows": int(sel.sum()), **binary(y[sel, 0] > 0.5, pred[sel]).as_dict()}}
    for src in sorted(set(sources[rows].tolist())):
        sel = rows & (sources == src)
        out[src] = {"rows": int(sel.sum()), **binary(y[sel, 0] > 0.5, pred[sel]).as_dict()}
    return out


def _cascade(
    static: Matrix, minilm: Matrix, lo: float, hi: float, names: Sequence[str] = (FLAGGED,)
) -> tuple[Matrix, np.ndarray]:
    flag = flag_score(static, names)
    escalate = (flag >= lo) & (flag < hi)
    return np.where(escalate[:, None], minilm, static), escalate


def choose_band(static: Matrix, max_escalation: float, names: Sequence[str] = (FLAGGED,)) -> tuple[float, float]:
    """The widest band around the decision threshold (0.5 +- d) whose share of calibration texts
    stays within the escalation budget: the texts stage 1 is least sure about go to stage 2."""
    flag = flag_score(static, names)
    best = (0.5, 0.5)
    for d in np.arange(0.0, 0.5, 0.0125):
        lo, hi = 0.5 - d, 0.5 + d
        if ((flag >= lo) & (flag < hi)).mean() > max_escalation:
            break
        best = (float(round(lo, 4)), float(round(hi, 4)))
    return best


def train(options: TrainOptions, log: Log = print) -> dict[str, Any]:
    started = time.perf_counter()
    np.random.seed(options.seed)
    options.config.seed = options.seed
    examples = data.load(options.data_dir)
    splits = np.array([ex.split for ex in examples])
    counts = {s: int((splits == s).sum()) for s in data.SPLITS}
    log(f"{len(examples)} examples: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    train_pos: dict[str, int] = {}
    for ex in examples:
        if ex.split == "train":
            for name, value in ex.categories.items():
                train_pos[name] = train_pos.get(name, 0) + value
    names = [FLAGGED] + [c for c in CATEGORIES if c != FLAGGED and train_pos.get(c, 0) >= MIN_POSITIVES]
    log(f"{len(names)} heads: {', '.join(names)}")
    y, mask = label_matrix(examples, names)
    texts = [ex.text for ex in examples]

    encoders: list[Encoder] = [StaticEncoder(options.out_dir / "static.npz"), MiniLMEncoder()]
    log(f"embedding with {encoders[0].name} and {encoders[1].name}")
    static_emb = embed(encoders[0], texts, options.cache_dir, log)
    features = {
        "static": static_emb,  # stage 1
        "minilm": np.hstack([static_emb, embed(encoders[1], texts, options.cache_dir, log)]),  # stage 2: both
    }
    stages: dict[str, Heads] = {}
    scores: dict[str, Matrix] = {}
    for key, emb in features.items():
        log(f"stage {key}: training heads on {emb.shape[1]}-dimensional features")
        stages[key] = _stage(key, emb, y, mask, splits, names, options, log)
        scores[key] = stages[key].scores(emb)

    ca, dv = splits == "calib", splits == "dev"
    band = choose_band(scores["static"][ca], options.max_escalation, names)
    log(f"cascade band: static flag score in [{band[0]}, {band[1]}) goes to MiniLM")
    cascade, escalate = _cascade(scores["static"], scores["minilm"], *band, names=names)

    dev: dict[str, Any] = {}
    # `flagged` is scored on the rows whose `unsafe` label is trained: not the rows of sources that
    # train only some heads (data.SOURCE_HEADS), which count for those heads' figures instead.
    dk = dv & (mask[:, 0] > 0)
    for key, matrix in (("static", scores["static"]), ("minilm", scores["minilm"]), ("cascade", cascade)):
        dev[key] = _report(matrix[dv], y[dv], mask[dv], names)
        dev[key]["flagged"] = binary(y[dk, 0] > 0.5, flag_score(matrix[dk], names) >= 0.5).as_dict()
    calib = _report(cascade[ca], y[ca], mask[ca], names)  # for choices made on the calibration split
    sources = np.array([ex.source for ex in examples])
    known = mask[:, 0] > 0
    by_source = {split: _by_source(cascade, y, splits == split, known, sources, names) for split in ("calib", "dev")}
    original = dv & ~np.isin(sources, [*data.EXTRA_SOURCES, "hatexplain"])  # the earlier 7,846 dev rows
    earlier = binary(y[original, 0] > 0.5, flag_score(cascade[original], names) >= 0.5).as_dict()
    for src, row in by_source["dev"].items():
        log(f"  dev {src}: rows {row['rows']} F1 {row['f1']:.3f} FPR {row['fpr']:.3f}")
    version = dt.date.today().isoformat()
    metrics: dict[str, Any] = {
        "version": version,
        "seed": options.seed,
        "split": {"rule": "sha256(normalised text) % 100: <70 train, <80 calib, else dev", **counts},
        "sources": {**{name: licence for name, (licence, _) in data.SOURCES.items()}, **data.EXTRA_SOURCES},
        "train_positives": {n: train_pos.get(n, 0) for n in names[1:]},
        "band": list(band),
        "dev_escalation": round(float(escalate[dv].mean()), 4),
        "dev": dev,
        "by_source": by_source,
        "dev_flagged_earlier_sources": earlier,  # the cascade on the dev rows of the sources before 2026-11-23
        "calib_cascade": calib,
        "config": asdict(options.config),
        "seconds": round(time.perf_counter() - started, 1),
    }
    meta = {"version": version, "seed": options.seed, "encoders": [e.name for e in encoders]}
    HeadSet(stages["static"], stages["minilm"], band, meta).save(options.out_dir)
    (options.out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    f = dev["cascade"]["flagged"]
    log(f"dev flagged (cascade): P {f['precision']:.3f} R {f['recall']:.3f} F1 {f['f1']:.3f} FPR {f['fpr']:.3f}")
    g, t = earlier, by_source["dev"].get("toxicchat", {})
    log(f"dev flagged on the earlier sources' rows: F1 {g['f1']:.3f}; ToxicChat dev F1 {t.get('f1', 0):.3f}")
    log(f"wrote {options.out_dir / 'heads.npz'}, heads.json, metrics.json in {metrics['seconds']}s")
    return metrics


__all__ = ["TrainOptions", "choose_band", "label_matrix", "remap", "train"]
