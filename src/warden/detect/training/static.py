"""Distil the cascade's first stage, a static token-vector table, from the fine-tuned encoder.

model2vec runs every vocabulary token through the encoder once and keeps one vector per token
(PCA to `dims`); a sentence is then the normalised mean of its tokens' vectors. Distilled from the
fine-tuned encoder, the table inherits its sense of which words matter. Build time (torch).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

Log = Callable[[str], None]


def distil_static(model_dir: Path, tokenizer_json: Path, target: Path, dims: int = 256, log: Log = print) -> Path:
    """Write `target` (`table` int8 tokens x dims, `scale` per row, `ids`: tokenizer id -> row or -1)."""
    from model2vec.distill import distill
    from tokenizers import Tokenizer

    started = time.perf_counter()
    model = distill(model_name=str(model_dir), pca_dims=dims)
    emb = np.asarray(model.embedding, dtype=np.float32)
    vocab = model.tokenizer.get_vocab()
    # Map the serving tokenizer's ids onto the table's rows (the distiller may prune tokens).
    tokenizer = Tokenizer.from_file(str(tokenizer_json))
    table_ids = np.full(tokenizer.get_vocab_size(), -1, dtype=np.int32)
    for token, row in vocab.items():
        tid = tokenizer.token_to_id(token)
        if tid is not None and row < len(emb):
            table_ids[tid] = row
    scale = np.abs(emb).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    quant = np.round(emb / scale).astype(np.int8)
    target.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(target, table=quant, scale=scale.astype(np.float32).ravel(), ids=table_ids)
    log(f"static table {emb.shape} int8 in {time.perf_counter() - started:.0f}s -> {target} "
        f"({target.stat().st_size / 1e6:.1f} MB)")
    return target
