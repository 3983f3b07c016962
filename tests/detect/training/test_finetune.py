"""The fine-tune loop on a tiny randomly initialised BERT: it learns, checkpoints and resumes.

Needs torch and transformers (the build extra); skipped where they are not installed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from warden.detect.training import data
from warden.detect.training.finetune import FinetuneConfig, finetune

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "kill", "you", "the", "process", "bread", "bake", "i", "will"]


@pytest.fixture
def tiny_base(tmp_path: Path) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    base = tmp_path / "base"
    base.mkdir()
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tok.save(str(base / "tokenizer.json"))
    config = transformers.BertConfig(vocab_size=len(WORDS), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=64)
    torch.manual_seed(0)
    transformers.BertModel(config).save_pretrained(str(base))
    return base


def _examples() -> list[data.Example]:
    harmful = ["i will kill you", "kill you", "i will kill you the"]
    benign = ["kill the process", "bake the bread", "i will bake bread", "the process"]
    return [data.Example(t, 1, "t", {"violence": 1}) for t in harmful] * 8 + [data.Example(t, 0, "t") for t in benign] * 6


def test_finetune_learns_and_resumes_after_an_interruption(tiny_base: Path, tmp_path: Path) -> None:
    config = FinetuneConfig(epochs=6, batch_size=8, lr=3e-3, head_lr=3e-2, checkpoint_every=5, frozen_layers=0, threads=1)
    names = ["unsafe", "violence"]
    work = tmp_path / "work"
    calls = {"n": 0}

    def interrupt_once(line: str) -> None:  # the log is called after each 20 steps: stop at the first
        if line.startswith("step 20/") and calls["n"] == 0:
            calls["n"] += 1
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        finetune(_examples(), names, work, config, interrupt_once, base=tiny_base)
    assert (work / "checkpoint.pt").exists() and not (work / "final").exists()
    lines: list[str] = []
    final = finetune(_examples(), names, work, config, lines.append, base=tiny_base)
    assert any(line.startswith("resuming from") and "at step 20/" in line for line in lines)
    meta = json.loads((final / "heads.json").read_text())
    assert meta["names"] == names
    with np.load(final / "head.npz") as z:
        weight, bias = z["weight"], z["bias"]
    assert weight.shape == (16, 2) and bias.shape == (2,)
    model = transformers.BertModel.from_pretrained(str(final))
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(final / "tokenizer.json"))

    def score(text: str) -> float:
        ids = torch.tensor([tok.encode(text).ids])
        with torch.no_grad():
            pooled = model(input_ids=ids).last_hidden_state.mean(1).numpy()
        return float((pooled @ weight + bias)[0, 0])

    assert score("i will kill you") > score("kill the process")
    again: list[str] = []
    assert finetune(_examples(), names, work, config, again.append, base=tiny_base) == final
    assert again == [f"fine-tuned model already complete in {final}"]
