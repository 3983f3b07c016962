"""`warden train`: the embedded detector, reproduced from the shared data (build time).

1. Fine-tune all-MiniLM-L6-v2 end to end with one linear head per taxonomy category
   (`finetune.py`; resumable, the long step: about 40 minutes on a 2-core CPU).
2. Export the encoder to int8 ONNX (`export.py`) and distil the static first stage from it
   (`static.py`).
3. Embed every example with both (cached per text), calibrate each stage-2 head's threshold on
   the calibration split (maximum F1; a head with few calibration positives also keeps its false
   alarms on calibration negatives at or below `RARE_MAX_FPR`), fit the stage-1 heads on the
   static embeddings to imitate stage 2 (its probabilities as soft targets, train split),
   calibrate them against stage 2's decisions, fit stage 1's gate head on stage 2's flag decisions,
   and choose the cascade's band on the gate (stage 2 takes every text the gate is not sure stage 2
   would clear; the budget is the share of benign calibration texts escalated).
4. Report every figure on the dev split, which nothing was fitted or tuned on.

`TrainOptions(recalibrate=True)` (`warden train --recalibrate`) runs steps 3-4 only, over the model
already in `out_dir`: the encoder, the static table and both stages' weights are kept, thresholds,
gate, band and metrics are computed again (a few minutes with the embedding cache, no torch).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from warden.detect.embedded.detector import clear_below, flag_score, kept_bound, routing_score
from warden.detect.embedded.encoders import MODEL_DIR, FineTunedEncoder, Matrix, StaticEncoder
from warden.detect.embedded.heads import GATE, Heads, HeadSet
from warden.detect.embedded.mlp import TrainConfig, fit
from warden.detect.metrics import best_threshold, binary
from warden.detect.training import data
from warden.detect.training.finetune import FinetuneConfig, finetune, finetune_rows
from warden.detect.training.labels import head_names, label_matrix


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> Matrix: ...


Log = Callable[[str], None]


@dataclass
class TrainOptions:
    data_dir: Path | None = None
    written_dir: Path | None = data.WRITTEN_DIR  # the project's own sets (None: leave them out)
    out_dir: Path = MODEL_DIR
    work_dir: Path = data.REPO / "var" / "finetune"  # checkpoints and the fine-tuned model
    cache_dir: Path | None = None
    seed: int = 13
    # Share of benign calibration texts the cascade may send to stage 2. Routing on stage 1's flag
    # score, 0.15 made batch-256 throughput 1,057 texts/s but stage 1 then cleared real threats
    # (contrast-probe recall 0.865 -> 0.698, direct threats 0.95 -> 0.76), so it was 0.3. The gate head
    # sends on more of what stage 2 flags at the same budget (benchmarks/routing.py). At 0.25 it beats
    # the flag score at 0.3 on dev (cascade F1 0.868 against 0.864, escalation 0.55 against 0.58) and on
    # the contrast probes' harmful recall (0.890 against 0.872, same benign FPR); at 0.2 (escalation
    # 0.52) an earlier fit of the gate let stage 1 clear direct threats (probes 0.97 -> 0.86).
    max_escalation: float = 0.25
    # The stage-1 heads imitate stage 2's probabilities: no up-weighting of positives, which made them
    # over-predict (dev flagged FPR 0.58 -> 0.21 without it, F1 0.69 -> 0.80).
    config: TrainConfig = field(default_factory=lambda: TrainConfig(max_pos_weight=1.0))
    # The gate: one output, stage 2's flag decision; positives up-weighted (at most 3x) because a
    # text the gate wrongly keeps is a miss, one it wrongly sends on only costs time.
    gate: TrainConfig = field(default_factory=lambda: TrainConfig(max_pos_weight=3.0, first_head_weight=1.0,
                                                                  epochs=40))  # fmt: skip
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    base_model: Path | None = None  # the encoder to start from (default: all-MiniLM-L6-v2)
    static_dims: int = 256
    recalibrate: bool = False  # steps 3-4 only, over the model already in out_dir


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _text_keys(texts: Sequence[str]) -> np.ndarray:
    return np.array([hashlib.sha1(t.encode()).digest() for t in texts], dtype="S20")


def embed(encoder: Encoder, texts: Sequence[str], cache_dir: Path | None, log: Log, key: str | None = None) -> Matrix:
    """Embeddings of `texts`, reusing a per-text store in `cache_dir` (`<key>-rows.npz`, keyed by
    SHA-1 of the text) so that adding a data source embeds only the new texts. `key` names the
    encoder's weights (default: its name); a retrained encoder must use a new key."""
    store = cache_dir / f"{key or encoder.name}-rows.npz" if cache_dir else None
    keys = _text_keys(texts)
    known: dict[bytes, int] = {}
    old_keys, old_emb = np.zeros(0, dtype="S20"), None
    if store is not None and store.exists():
        with np.load(store) as z:
            old_keys, old_emb = z["keys"], z["emb"]
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
    static: Matrix, minilm: Matrix, route: Matrix, band: tuple[float, float], bound: float
) -> tuple[Matrix, np.ndarray]:
    escalate = (route >= band[0]) & (route < band[1])
    return clear_below(np.where(escalate[:, None], minilm, static), escalate, bound), escalate


TOP = 1.01  # above every score: a band up to TOP sends everything from `lo` up to stage 2


def choose_band(route: Matrix, benign: np.ndarray, max_escalation: float, grid: int = 201) -> tuple[float, float]:
    """The stage-1 routing scores sent to stage 2: [lo, TOP). Stage 1 only clears what it is sure is
    benign; everything it might flag goes to stage 2, which decides and names the categories (stage
    1's category scores are much weaker: it flagged "I will kill you and your whole family" with
    violence 0.47). `lo` is the lowest bound that escalates at most `max_escalation` of the benign
    calibration texts: real traffic is mostly benign, so that share is what sets the cost."""
    flag = route[benign]
    if max_escalation <= 0 or not len(flag):
        return TOP, TOP
    for lo in np.quantile(flag, np.linspace(0, 1, grid)):
        if (flag >= lo).mean() <= max_escalation:
            return float(round(lo, 4)), TOP
    return TOP, TOP


# A head with fewer calibration positives than this gets a ceiling on its false alarms: with a
# handful of positives the maximum-F1 threshold lands among the negatives (biometrics chose 0.006,
# so "food" and "Sourdough Sensei" scored 0.46 and app review cited the facial-recognition rule on
# most apps). The ceiling raised dev F1 for most rare heads (elections 0.35 -> 0.43, campaigning
# 0.54 -> 0.71, gambling 0.31 -> 0.50, violence/graphic 0.34 -> 0.48) and left the common ones alone.
RARE_POSITIVES = 100
RARE_MAX_FPR = 0.002


def _calibrate(heads: Heads, emb: Matrix, y: Matrix, mask: Matrix, rare: Sequence[str] = ()) -> None:
    """Each head's threshold: maximum F1 on the rows whose label it knows; heads with fewer than
    `RARE_POSITIVES` calibration positives (and any named in `rare`) also keep their false-positive
    rate on calibration negatives at or below `RARE_MAX_FPR`. The overall head is never capped."""
    probs = heads.probabilities(emb)
    for j, name in enumerate(heads.names):
        known = mask[:, j] > 0
        truth = y[known, j] > 0.5
        threshold = best_threshold(truth, probs[known, j])
        if j > 0 and (truth.sum() < RARE_POSITIVES or name in rare) and (~truth).any():
            threshold = max(threshold, float(np.quantile(probs[known, j][~truth], 1.0 - RARE_MAX_FPR)))
        heads.thresholds[j] = threshold


def _stage2_heads(final: Path, names: list[str]) -> Heads:
    with np.load(final / "head.npz") as z:
        weight, bias = np.asarray(z["weight"], np.float32), np.asarray(z["bias"], np.float32)
    return Heads(names, None, None, weight, bias, np.full(len(names), 0.5, dtype=np.float32))


def _fit_static_heads(
    static: Matrix, target: Matrix, weights: np.ndarray, splits: np.ndarray, names: list[str],
    config: TrainConfig, log: Log, label: str,
) -> Heads:  # fmt: skip
    """Heads on the static embeddings fitted to `target` (one column per name), weighted by source:
    train split, early stopping on the calibration split."""
    tr, ca = splits == "train", splits == "calib"
    mask = np.repeat(weights[:, None], len(names), axis=1).astype(np.float32)

    def progress(epoch: int, loss: float, val: float) -> None:
        log(f"  {label}: epoch {epoch:2d} train loss {loss:.4f} calibration loss {val:.4f}")

    w1, b1, w2, b2 = fit(static[tr], target[tr], mask[tr], static[ca], target[ca], mask[ca], config, progress)
    return Heads(names, w1, b1, w2, b2, np.full(len(names), 0.5, dtype=np.float32))


def train(options: TrainOptions, log: Log = print) -> dict[str, Any]:
    started = time.perf_counter()
    np.random.seed(options.seed)
    options.config.seed = options.finetune.seed = options.gate.seed = options.seed
    examples = data.load(options.data_dir, options.written_dir)
    splits = np.array([ex.split for ex in examples])
    counts = {s: int((splits == s).sum()) for s in data.SPLITS}
    log(f"{len(examples)} examples: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    names = head_names(examples)
    log(f"{len(names)} heads: {', '.join(names)}")

    out = options.out_dir
    texts = [ex.text for ex in examples]
    y, mask = label_matrix(examples, names)
    weights = np.array([ex.weight for ex in examples], dtype=np.float32)
    ca, dv = splits == "calib", splits == "dev"
    if options.recalibrate:
        shipped = HeadSet.load(out)
        if shipped.names != names:
            raise ValueError(f"the model in {out} has heads {shipped.names}, the data gives {names}: retrain")
        finetuned_rows = int(json.loads((out / "metrics.json").read_text()).get("finetune_rows", 0))
    else:
        # 1-2: fine-tune (or resume), export, distil.
        rows = finetune_rows(examples)
        finetuned_rows = len(rows)
        final = finetune(rows, names, options.work_dir, options.finetune, log, base=options.base_model)
        out.mkdir(parents=True, exist_ok=True)
        from warden.detect.training.export import export_onnx
        from warden.detect.training.static import distil_static

        export_onnx(final, out / "encoder.onnx", log)
        shutil.copyfile(final / "tokenizer.json", out / "tokenizer.json")
        distil_static(final, out / "tokenizer.json", out / "static.npz", dims=options.static_dims, log=log)

    # 3: embed, calibrate, imitate, choose the band.
    encoder = FineTunedEncoder(out / "encoder.onnx", max_tokens=options.finetune.max_tokens)
    static_encoder = StaticEncoder(out / "static.npz")
    log("embedding every example with both stages")
    key2, key1 = f"{encoder.name}-{_digest(out / 'encoder.onnx')}", f"static-{_digest(out / 'static.npz')}"
    emb2 = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    emb1 = np.zeros((len(texts), static_encoder.dim), dtype=np.float32)
    # The calibration and dev rows are embedded on their own, before the train rows: the int8 encoder
    # quantises activations per batch, so a text's embedding moves slightly with its batchmates, and
    # thresholds drawn from calibration rows batched with train rows moved (malware 0.10 -> 0.06, and
    # app review then cited the malware rule on a dozen ordinary apps). Kept apart, they reproduce.
    for part in (splits != "train", splits == "train"):
        idx = np.flatnonzero(part)
        chosen = [texts[i] for i in idx]
        emb2[idx] = embed(encoder, chosen, options.cache_dir, log, key=key2)
        emb1[idx] = embed(static_encoder, chosen, options.cache_dir, log, key=key1)
    stage2 = shipped.minilm if options.recalibrate else _stage2_heads(final, names)
    _calibrate(stage2, emb2[ca], y[ca], mask[ca])
    teacher = stage2.probabilities(emb2)
    # Recalibrating keeps the stage-1 weights: they imitate stage 2's probabilities, which do not change.
    stage1 = (
        shipped.static
        if options.recalibrate
        else _fit_static_heads(emb1, teacher, weights, splits, names, options.config, log, "stage 1")
    )
    # Stage 1 is calibrated against stage 2's decisions: it stands in for stage 2 outside the band.
    decided = (teacher >= stage2.thresholds).astype(np.float32)
    _calibrate(stage1, emb1[ca], decided[ca], np.ones_like(decided[ca]))
    scores = {"static": stage1.scores(emb1), "minilm": stage2.scores(emb2)}
    # The gate: stage 2's flag decision (any flag head at or above its threshold) as one output.
    stage2_flags = (flag_score(scores["minilm"], names) >= 0.5).astype(np.float32)[:, None]
    gate = _fit_static_heads(emb1, stage2_flags, weights, splits, [GATE], options.gate, log, "gate")
    heads = HeadSet(stage1, stage2, (TOP, TOP), {}, gate)
    route = routing_score(heads, emb1, scores["static"])
    heads.band = band = choose_band(route[ca], y[ca, 0] < 0.5, options.max_escalation)
    log(f"cascade band: gate score in [{band[0]}, {band[1]}) goes to stage 2")
    cascade, escalate = _cascade(scores["static"], scores["minilm"], route, band, kept_bound(heads))

    # 4: report on the dev split.
    dev: dict[str, Any] = {}
    dk = dv & (mask[:, 0] > 0)  # rows whose `unsafe` label is trained
    for key, matrix in (("static", scores["static"]), ("minilm", scores["minilm"]), ("cascade", cascade)):
        dev[key] = _report(matrix[dv], y[dv], mask[dv], names)
        dev[key]["flagged"] = binary(y[dk, 0] > 0.5, flag_score(matrix[dk], names) >= 0.5).as_dict()
    sources = np.array([ex.source.split("/")[0] for ex in examples])
    known = mask[:, 0] > 0
    by_source = {split: _by_source(cascade, y, splits == split, known, sources, names) for split in ("calib", "dev")}
    for src, row in by_source["dev"].items():
        log(f"  dev {src}: rows {row['rows']} F1 {row['f1']:.3f} FPR {row['fpr']:.3f}")
    train_pos = {n: int(sum(ex.categories.get(n, 0) for ex in examples if ex.split == "train")) for n in names[1:]}
    version = dt.date.today().isoformat()
    metrics: dict[str, Any] = {
        "version": version,
        "seed": options.seed,
        "split": {"rule": "sha256(normalised text) % 100: <70 train, <80 calib, else dev", **counts},
        "finetune_rows": finetuned_rows,
        "sources": {
            **{name: licence for name, (licence, _) in data.SOURCES.items()},
            **{name: licence for name, (licence, _) in data.WRITTEN.items()},
            **data.EXTRA_SOURCES,
        },
        "train_positives": train_pos,
        "band": list(band),
        "router": "gate",
        "max_escalation": options.max_escalation,
        "dev_escalation": round(float(escalate[dv].mean()), 4),
        "dev": dev,
        "by_source": by_source,
        "finetune": asdict(options.finetune),
        "stage1": asdict(options.config),
        "gate": asdict(options.gate),
        "seconds": round(time.perf_counter() - started, 1),
    }
    meta = {"version": version, "seed": options.seed, "encoders": [static_encoder.name, encoder.name],
            "max_tokens": options.finetune.max_tokens}  # fmt: skip
    heads.meta = meta
    heads.save(out)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    f = dev["cascade"]["flagged"]
    log(f"dev flagged (cascade): P {f['precision']:.3f} R {f['recall']:.3f} F1 {f['f1']:.3f} FPR {f['fpr']:.3f}")
    log(f"wrote {out}: encoder.onnx, static.npz, heads.npz, heads.json, metrics.json in {metrics['seconds']}s")
    return metrics


__all__ = ["TrainOptions", "choose_band", "embed", "train"]
