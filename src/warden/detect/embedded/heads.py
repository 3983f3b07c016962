"""Multi-task heads over sentence embeddings, with per-head calibrated thresholds.

Stage 1 (static embeddings): one hidden ReLU layer shared by every head (so rare
categories borrow what the common ones learnt), then one sigmoid output per head.
Stage 2 (the fine-tuned encoder): the linear layer trained with the encoder, no
hidden layer (`w1` is None). A head's raw
probability p is remapped so that its calibrated threshold t lands on 0.5
(piecewise linear, monotone): a score of 0.5 or more means the head fires,
which is also the default `min_score` of a policy trigger.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

Matrix = NDArray[np.float32]
GATE = "stage2-flags"  # the routing head's one output: stage 2 would flag this text


def sigmoid(x: Matrix) -> Matrix:
    out: Matrix = (1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))).astype(np.float32)
    return out


def remap(p: Matrix, t: Matrix) -> Matrix:
    t = np.clip(t, 1e-4, 1 - 1e-4)
    low = 0.5 * p / t
    high = 0.5 + 0.5 * (p - t) / (1 - t)
    out: Matrix = np.where(p < t, low, high).astype(np.float32)
    return np.clip(out, 0.0, 1.0)


@dataclass
class Heads:
    """One encoder's heads, in `names` order."""

    names: list[str]
    w1: Matrix | None  # dim x hidden; None for a linear head
    b1: Matrix | None
    w2: Matrix  # hidden (or dim) x heads
    b2: Matrix
    thresholds: Matrix

    def probabilities(self, embeddings: Matrix) -> Matrix:
        hidden = embeddings
        if self.w1 is not None and self.b1 is not None:
            hidden = np.maximum(embeddings @ self.w1 + self.b1, 0.0)
        return sigmoid(hidden @ self.w2 + self.b2)

    def scores(self, embeddings: Matrix) -> Matrix:
        return remap(self.probabilities(embeddings), self.thresholds)

    def arrays(self, prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            f"{prefix}_w2": self.w2.astype(np.float16), f"{prefix}_b2": self.b2, f"{prefix}_t": self.thresholds,
        }  # fmt: skip
        if self.w1 is not None and self.b1 is not None:
            out |= {f"{prefix}_w1": self.w1.astype(np.float16), f"{prefix}_b1": self.b1}
        return out

    @classmethod
    def from_arrays(cls, names: list[str], z: Any, prefix: str) -> Heads:
        def get(key: str) -> Matrix:
            out: Matrix = np.asarray(z[f"{prefix}_{key}"], dtype=np.float32)
            return out

        hidden = f"{prefix}_w1" in z
        return cls(names, get("w1") if hidden else None, get("b1") if hidden else None, get("w2"), get("b2"), get("t"))


@dataclass
class HeadSet:
    """Both stages' heads plus the cascade's uncertain band, as saved by `warden train`."""

    static: Heads
    minilm: Heads
    band: tuple[float, float]  # stage-1 routing scores in [lo, hi) go to stage 2
    meta: dict[str, Any]
    # Stage 1's routing head: the probability that stage 2 would flag the text, learnt from stage 2's
    # decisions. None (older models): route on stage 1's own flag score.
    gate: Heads | None = None

    @property
    def names(self) -> list[str]:
        return self.static.names

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {**self.static.arrays("static"), **self.minilm.arrays("minilm")}
        if self.gate is not None:
            arrays |= self.gate.arrays("gate")
        np.savez_compressed(folder / "heads.npz", **arrays)
        meta = {**self.meta, "names": self.names, "band": list(self.band)}
        (folder / "heads.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, folder: Path) -> HeadSet:
        meta = json.loads((folder / "heads.json").read_text())
        names = list(meta["names"])
        with np.load(folder / "heads.npz") as z:
            static, minilm = Heads.from_arrays(names, z, "static"), Heads.from_arrays(names, z, "minilm")
            gate = Heads.from_arrays([GATE], z, "gate") if "gate_w2" in z else None
        lo, hi = meta["band"]
        return cls(static, minilm, (float(lo), float(hi)), meta, gate)
