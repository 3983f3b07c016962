"""Label and loss-weight matrices for multi-label training, shared by every stage's trainer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from warden.categories import CATEGORIES
from warden.detect.training import data

Matrix = NDArray[np.float32]
FLAGGED = "unsafe"  # the overall head: harmful under the usage policies, whatever the category
MIN_POSITIVES = 20  # train positives a category needs to get a head


def head_names(examples: Sequence[data.Example], min_positives: int = MIN_POSITIVES) -> list[str]:
    """`unsafe` and every category with at least `min_positives` positives in the train split."""
    counts: dict[str, int] = {}
    for ex in examples:
        if ex.split == "train":
            for name, value in ex.categories.items():
                counts[name] = counts.get(name, 0) + value
    return [FLAGGED] + [c for c in CATEGORIES if c != FLAGGED and counts.get(c, 0) >= min_positives]


def label_matrix(examples: Sequence[data.Example], names: Sequence[str]) -> tuple[Matrix, Matrix]:
    """Labels and loss weights: 0 where a label is unknown, else the example's source weight.

    A benign row is a known negative for every head; a harmful row for the categories its source
    rules out (`data.with_negatives`); a row restricted to some heads (`Example.trained_heads`)
    teaches only those."""
    y = np.zeros((len(examples), len(names)), dtype=np.float32)
    mask = np.zeros_like(y)
    for i, ex in enumerate(examples):
        y[i, 0], mask[i, 0] = ex.flagged, ex.weight
        for j, name in enumerate(names[1:], start=1):
            if name in ex.categories:
                y[i, j], mask[i, j] = ex.categories[name], ex.weight
            elif not ex.flagged:
                mask[i, j] = ex.weight
        only = ex.trained_heads
        if only is not None:
            mask[i] *= [name in only for name in names]
    return y, mask
