"""Training of the multi-task heads: a one-hidden-layer MLP in NumPy.

Masked binary cross-entropy (a category a row says nothing about adds no
loss), positives up-weighted per head towards balance, Adam, dropout on the
hidden layer, and early stopping on the calibration split's loss. Fixed seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from warden.detect.embedded.heads import Matrix, sigmoid

Progress = Callable[[int, float, float], None]  # epoch, train loss, calibration loss


@dataclass
class TrainConfig:
    hidden: int = 512
    epochs: int = 60
    batch: int = 128
    lr: float = 1e-3
    weight_decay: float = 1e-4
    dropout: float = 0.1
    patience: int = 8
    seed: int = 13
    max_pos_weight: float = 20.0
    first_head_weight: float = 8.0  # the overall "unsafe" head's share of the loss, against one category's


def _weights(y: Matrix, mask: Matrix, pos_w: Matrix, head_w: Matrix) -> Matrix:
    out: Matrix = (mask * np.where(y > 0.5, pos_w, 1.0) * head_w).astype(np.float32)
    return out


def _loss(p: Matrix, y: Matrix, mask: Matrix, pos_w: Matrix, head_w: Matrix) -> float:
    eps = 1e-7
    w = _weights(y, mask, pos_w, head_w)
    ll = -(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
    return float((ll * w).sum() / max(w.sum(), 1.0))


def fit(
    x: Matrix,
    y: Matrix,
    mask: Matrix,
    x_val: Matrix,
    y_val: Matrix,
    mask_val: Matrix,
    config: TrainConfig,
    progress: Progress | None = None,
) -> tuple[Matrix, Matrix, Matrix, Matrix]:
    """Returns w1, b1, w2, b2 of the epoch with the lowest calibration loss."""
    rng = np.random.default_rng(config.seed)
    n, dim = x.shape
    heads = y.shape[1]
    pos = (y * mask).sum(axis=0)
    neg = ((1 - y) * mask).sum(axis=0)
    pos_w = np.clip(neg / np.maximum(pos, 1.0), 1.0, config.max_pos_weight).astype(np.float32)
    head_w = np.ones(heads, dtype=np.float32)
    head_w[0] = config.first_head_weight

    params = [
        (rng.standard_normal((dim, config.hidden)) * np.sqrt(2.0 / dim)).astype(np.float32),
        np.zeros(config.hidden, dtype=np.float32),
        (rng.standard_normal((config.hidden, heads)) * np.sqrt(1.0 / config.hidden)).astype(np.float32),
        np.log(np.maximum(pos, 1.0) / np.maximum(neg, 1.0)).astype(np.float32),
    ]
    m: list[NDArray[np.float32]] = [np.zeros_like(p) for p in params]
    v: list[NDArray[np.float32]] = [np.zeros_like(p) for p in params]
    b1_, b2_, step = 0.9, 0.999, 0
    best = (np.inf, [p.copy() for p in params])
    stale = 0

    def forward(inp: Matrix, ps: list[Matrix]) -> Matrix:
        return sigmoid(np.maximum(inp @ ps[0] + ps[1], 0.0) @ ps[2] + ps[3])

    for epoch in range(1, config.epochs + 1):
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, config.batch):
            idx = order[start : start + config.batch]
            xb, yb, mb = x[idx], y[idx], mask[idx]
            pre = xb @ params[0] + params[1]
            hid = np.maximum(pre, 0.0)
            keep = (rng.random(hid.shape) >= config.dropout).astype(np.float32) / (1 - config.dropout)
            hid_d = hid * keep
            p = sigmoid(hid_d @ params[2] + params[3])
            w = _weights(yb, mb, pos_w, head_w)
            norm = max(float(w.sum()), 1.0)
            total += _loss(p, yb, mb, pos_w, head_w) * len(idx)
            d_logit = (p - yb) * w / norm
            grads = [np.zeros_like(q) for q in params]
            grads[2] = hid_d.T @ d_logit
            grads[3] = d_logit.sum(axis=0)
            d_hid = (d_logit @ params[2].T) * keep * (pre > 0)
            grads[0] = xb.T @ d_hid
            grads[1] = d_hid.sum(axis=0)
            step += 1
            for i, g in enumerate(grads):
                if i in (0, 2):
                    g = g + config.weight_decay * params[i]
                m[i] = b1_ * m[i] + (1 - b1_) * g
                v[i] = b2_ * v[i] + (1 - b2_) * g * g
                mhat = m[i] / (1 - b1_**step)
                vhat = v[i] / (1 - b2_**step)
                params[i] = (params[i] - config.lr * mhat / (np.sqrt(vhat) + 1e-8)).astype(np.float32)
        val = _loss(forward(x_val, params), y_val, mask_val, pos_w, head_w)
        if progress is not None:
            progress(epoch, total / n, val)
        if val < best[0] - 1e-4:
            best, stale = (val, [p.copy() for p in params]), 0
        else:
            stale += 1
            if stale >= config.patience:
                break
    w1, b1, w2, b2 = best[1]
    return w1, b1, w2, b2
