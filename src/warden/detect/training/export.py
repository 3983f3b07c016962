"""Export the fine-tuned encoder to one int8 ONNX file for onnxruntime (build time, torch).

The graph takes `input_ids` and `attention_mask` and returns the mean-pooled sentence embedding
(`embedding`, batch x 384); the linear heads stay outside the graph (`heads.npz`), so heads can be
recalibrated or added on the frozen encoder without exporting it again. Weights are quantised to
int8 dynamically (per-channel MatMul weights, activations quantised at run time), which keeps the
file near 23 MB and roughly halves the CPU cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Log = Callable[[str], None]
OPSET = 17


def export_onnx(model_dir: Path, target: Path, log: Log = print) -> Path:
    """`model_dir` (transformers format) -> `target` (int8 ONNX). Returns `target`."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    started = time.perf_counter()
    encoder = AutoModel.from_pretrained(str(model_dir))
    encoder.eval()

    class Pooled(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)

    target.parent.mkdir(parents=True, exist_ok=True)
    fp32 = target.with_suffix(".fp32.onnx")
    ids = torch.ones((2, 8), dtype=torch.long)
    with torch.no_grad():
        torch.onnx.export(
            Pooled(), (ids, torch.ones_like(ids)), str(fp32),
            input_names=["input_ids", "attention_mask"], output_names=["embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "embedding": {0: "batch"}},
            opset_version=OPSET, dynamo=False,
        )  # fmt: skip
    quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True)
    fp32.unlink()
    log(f"exported {target} ({target.stat().st_size / 1e6:.1f} MB int8) in {time.perf_counter() - started:.0f}s")
    return target
