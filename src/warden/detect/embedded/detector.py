"""The embedded detector (the default): a two-stage cascade on the CPU.

Stage 1 scores every text with the static encoder's heads (~0.1 ms a text).
Texts whose routing score (stage 1's gate head: how likely stage 2 is to
flag the text; for older models the highest of the overall "unsafe" head
and the 13 OpenAI category heads) falls in the uncertain band chosen by
`warden train` go on to stage 2, all-MiniLM-L6-v2 fine-tuned on Warden's
taxonomy (int8 ONNX under onnxruntime), whose heads then give the scores.
`mode="static"` or `mode="minilm"` runs one stage only.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np

from warden.categories import OPENAI_CATEGORIES, is_category
from warden.detect.embedded.encoders import MODEL_DIR, FineTunedEncoder, Matrix, StaticEncoder
from warden.detect.embedded.heads import HeadSet
from warden.detect.protocol import TextDetector
from warden.detect.signals import Evidence, Signal

Mode = Literal["cascade", "static", "minilm"]
FLAGGED = "unsafe"  # the overall head: harmful under the usage policies, whatever the category


def flag_columns(names: Sequence[str]) -> list[int]:
    """The heads whose score decides `flagged`: the overall head and OpenAI's 13 categories."""
    return [i for i, n in enumerate(names) if n == FLAGGED or n in OPENAI_CATEGORIES]


def flag_score(scores: Matrix, names: Sequence[str]) -> Matrix:
    out: Matrix = scores[:, flag_columns(names)].max(axis=1)
    return out


def routing_score(heads: HeadSet, static_embeddings: Matrix, static_scores: Matrix) -> Matrix:
    """What the cascade's band is drawn on: the gate head where the model has one, else stage 1's
    flag score. The gate learns stage 2's decisions directly, so at the same share of benign texts
    escalated it sends on more of what stage 2 flags (dev, 30 % benign budget: stage 1 keeps 3.6 % of
    stage 2's flags against 5.8 %; benchmarks/routing.py), which lets a smaller budget keep the quality."""
    if heads.gate is not None:
        out: Matrix = heads.gate.probabilities(static_embeddings)[:, 0]
        return out
    return flag_score(static_scores, heads.names)


# The most a text stage 1 keeps may score on any head: under every rule threshold in the packs
# (the lowest is 0.4) even after app review's borderline margin (0.15).
KEPT_CEILING = 0.2


def clear_below(scores: Matrix, escalated: np.ndarray, lo: float) -> Matrix:
    """Stage 1 only clears: a text it keeps (not escalated: its routing score is below the band) fires no
    head and is no borderline case either. Its scores keep their order but are squeezed under
    `KEPT_CEILING`: stage 1's own category scores are weak (the policy-category heads, trained on a
    few dozen examples, scored "food" 0.46 for biometrics and a bedtime-story app 0.31 for
    sexual/minors, so app review cited the facial-recognition rule on most apps and queued
    children's apps for child-safety review); a text's categories come from stage 2."""
    keep = ~escalated
    if keep.any():  # `lo`: the most a kept text's flag score can be (1.0 when a gate routes)
        bound = max(lo, KEPT_CEILING)
        scores[keep] = np.minimum(scores[keep], bound) * (KEPT_CEILING / bound)
    return scores


def kept_bound(heads: HeadSet) -> float:
    """The highest flag score a text stage 1 keeps can have: the band's bottom when stage 1 routes on
    its own flag score, anything when a gate routes."""
    return 1.0 if heads.gate is not None else heads.band[0]


class EmbeddedDetector(TextDetector):
    name = "embedded"

    def __init__(
        self,
        model_dir: Path | str | None = None,
        mode: Mode = "cascade",
        min_score: float = 0.01,
        threads: int | None = None,
    ) -> None:
        if mode not in ("cascade", "static", "minilm"):
            raise ValueError(f"unknown mode {mode!r}; use cascade, static or minilm")
        self.model_dir = Path(model_dir) if model_dir else MODEL_DIR
        self.mode: Mode = mode
        self.min_score = min_score  # signals below this are left out
        self.threads = threads  # the encoder's CPU threads (None: 2, or fewer CPUs)
        self._lock = threading.Lock()

    @cached_property
    def heads(self) -> HeadSet:
        if not (self.model_dir / "heads.json").exists():
            raise FileNotFoundError(f"no trained heads in {self.model_dir}; run `warden train`")
        return HeadSet.load(self.model_dir)

    @property
    def version(self) -> str:  # type: ignore[override]
        return str(self.heads.meta.get("version", "0"))

    @cached_property
    def static(self) -> StaticEncoder:
        return StaticEncoder(self.model_dir / "static.npz")

    @cached_property
    def minilm(self) -> FineTunedEncoder:
        max_tokens = int(self.heads.meta.get("max_tokens", 128))
        return FineTunedEncoder(self.model_dir / "encoder.onnx", max_tokens=max_tokens, threads=self.threads)

    def warm(self) -> None:
        """Load everything now (the service calls this at startup, off the request path)."""
        self.score_texts(["warm up"])
        if self.mode != "static":
            self.minilm.encode(["warm up"])

    def score_texts(self, texts: Sequence[str]) -> tuple[Matrix, np.ndarray]:
        """Scores (texts x heads, in `heads.names` order) and which texts went to stage 2."""
        heads = self.heads
        escalated = np.zeros(len(texts), dtype=bool)
        if not texts:
            return np.zeros((0, len(heads.names)), dtype=np.float32), escalated
        if self.mode == "minilm":
            return heads.minilm.scores(self._stage2(texts)), ~escalated
        embeddings = self.static.encode(texts)
        scores = heads.static.scores(embeddings)
        if self.mode == "static":
            return scores, escalated
        lo, hi = heads.band
        route = routing_score(heads, embeddings, scores)
        escalated = (route >= lo) & (route < hi)
        if escalated.any():
            idx = np.flatnonzero(escalated)
            scores[idx] = heads.minilm.scores(self._stage2([texts[int(i)] for i in idx]))
        return clear_below(scores, escalated, kept_bound(heads)), escalated

    def _stage2(self, texts: Sequence[str]) -> Matrix:
        """Stage 2's features: the fine-tuned encoder's pooled embeddings."""
        with self._lock:
            return self.minilm.encode(texts)

    def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
        scores, escalated = self.score_texts(texts)
        names = self.heads.names
        ident = self.ident
        out: list[list[Signal]] = []
        for row, stage2 in zip(scores, escalated, strict=True):
            stage = "minilm" if stage2 or self.mode == "minilm" else "static"
            evidence = (Evidence(detail=f"embedded {stage} heads"),)
            out.append(
                [
                    Signal(category=n, score=round(float(s), 6), detector=ident, evidence=evidence)
                    for n, s in zip(names, row, strict=True)
                    if s >= self.min_score and is_category(n)
                ]
            )
        return out

    def flagged_scores(self, texts: Sequence[str]) -> Matrix:
        """The overall head's score per text (for evaluation and the moderation endpoint)."""
        scores, _ = self.score_texts(texts)
        out: Matrix = scores[:, self.heads.names.index(FLAGGED)]
        return out
