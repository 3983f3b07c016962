"""Binary classification figures shared by training and `warden eval`."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass
class Binary:
    precision: float
    recall: float
    f1: float
    fpr: float
    support: int  # positives
    negatives: int

    def as_dict(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def from_counts(tp: int, fp: int, fn: int, tn: int) -> Binary:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    return Binary(precision, recall, f1, fpr, tp + fn, fp + tn)


def binary(truth: NDArray[np.bool_], predicted: NDArray[np.bool_]) -> Binary:
    truth = np.asarray(truth, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    tp = int((truth & predicted).sum())
    fp = int((~truth & predicted).sum())
    fn = int((truth & ~predicted).sum())
    tn = int((~truth & ~predicted).sum())
    return from_counts(tp, fp, fn, tn)


def best_threshold(truth: NDArray[np.bool_], scores: NDArray[np.float32], default: float = 0.5) -> float:
    """The score threshold that maximises F1 (the default when there are too few positives)."""
    truth = np.asarray(truth, dtype=bool)
    if truth.sum() < 5 or (~truth).sum() < 5:
        return default
    grid = np.unique(np.quantile(scores, np.linspace(0.01, 0.995, 200)))
    f1s = [binary(truth, scores >= t).f1 for t in grid]
    return float(grid[int(np.argmax(f1s))])
