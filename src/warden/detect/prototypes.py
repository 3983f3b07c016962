"""Custom operator rules from examples: nearest-prototype scoring, no training run.

An operator gives a rule a category and a handful of positive and negative
examples; a text's score is how much closer it sits to the nearest positive
than to the nearest negative in embedding space (MiniLM by default):

    score = sigmoid(sharpness * (max_cos(positives) - max_cos(negatives) - margin))

Rules load from YAML (`rules: [{category, name, positives: [...], negatives: [...]}]`)
or are passed in directly, and take effect at once. For `warden serve`:
WARDEN_DETECTORS=embedded,recognisers,prototypes WARDEN_PROTOTYPE_RULES=rules.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from warden.categories import is_category
from warden.detect.protocol import TextDetector
from warden.detect.signals import Evidence, Signal


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> Any: ...


@dataclass
class PrototypeRule:
    category: str
    positives: list[str]
    negatives: list[str] = field(default_factory=list)
    name: str = ""
    margin: float = 0.0
    sharpness: float = 12.0

    def __post_init__(self) -> None:
        if not is_category(self.category):
            raise ValueError(f"prototype rule {self.name or '?'}: unknown category {self.category!r}")
        if not self.positives:
            raise ValueError(f"prototype rule {self.name or self.category}: needs at least one positive example")
        self.name = self.name or self.category


def load_rules(path: Path | str) -> list[PrototypeRule]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    items = raw.get("rules") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a mapping with a `rules` list")
    rules = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"{path}: rules[{i}] must be a mapping")
        try:
            rules.append(PrototypeRule(**item))
        except TypeError as exc:
            raise ValueError(f"{path}: rules[{i}]: {exc}") from exc
    return rules


class PrototypeDetector(TextDetector):
    name = "prototypes"
    version = "1"

    def __init__(
        self,
        rules: Sequence[PrototypeRule] | None = None,
        path: Path | str | None = None,
        encoder: Encoder | None = None,
        threads: int | None = None,
    ) -> None:
        self.rules = list(rules or []) + (load_rules(path) if path else [])
        if not self.rules:
            raise ValueError("prototypes detector needs rules (path=..., or WARDEN_PROTOTYPE_RULES=rules.yaml)")
        if encoder is None:
            from warden.detect.embedded.encoders import FineTunedEncoder

            encoder = FineTunedEncoder(normalise=True, threads=threads)
        self.encoder = encoder
        self._pos = [np.asarray(encoder.encode(r.positives)) for r in self.rules]
        self._neg = [np.asarray(encoder.encode(r.negatives)) if r.negatives else None for r in self.rules]

    def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
        if not texts:
            return []
        emb = np.asarray(self.encoder.encode(texts))
        out: list[list[Signal]] = [[] for _ in texts]
        for rule, pos, neg in zip(self.rules, self._pos, self._neg, strict=True):
            sim_pos = emb @ pos.T
            nearest = sim_pos.argmax(axis=1)
            best_pos = sim_pos.max(axis=1)
            best_neg = (emb @ neg.T).max(axis=1) if neg is not None else np.zeros(len(texts))
            scores = 1.0 / (1.0 + np.exp(-rule.sharpness * (best_pos - best_neg - rule.margin)))
            for i, score in enumerate(scores):
                example = rule.positives[int(nearest[i])]
                detail = f"rule {rule.name}: nearest example {example[:60]!r} (cos {best_pos[i]:.2f})"
                out[i].append(
                    Signal(category=rule.category, score=round(float(score), 6), detector=self.ident,
                           evidence=(Evidence(detail=detail),))
                )  # fmt: skip
        return out
