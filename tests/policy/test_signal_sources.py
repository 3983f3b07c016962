"""Every signal category a bundled rule reads has a source in the default text pipeline.

Like the context-field test: a rule that triggers on a category no default detector produces is a
dead letter. The default pipeline is `embedded,recognisers` (the model's heads and the deterministic
recognisers); app review adds its own pattern and use-case detectors on top. A category the model
measures poorly (`detect.quality`) is allowed, but then a rule resting on it alone goes to a human.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest

from warden.decide import decide
from warden.detect import quality
from warden.detect.embedded.encoders import MODEL_DIR
from warden.detect.pipeline import DetectorSet
from warden.detect.registry import DEFAULT_PIPELINE
from warden.detect.signals import Signal
from warden.policy.library import PolicyLibrary
from warden.policy.model import Rule, Verdict

LIBRARY = PolicyLibrary.discover()
_READS = re.compile(r'signals\["([^"]+)"\]|"([^"]+)"\s+in\s+signals')


def categories_read(rule: Rule) -> set[str]:
    found = {t.category for t in rule.triggers.signals} if rule.triggers else set()
    sources = [rule.triggers.condition] if rule.triggers and rule.triggers.condition else []
    sources += [e.when for e in rule.exceptions if e.when]
    for source in sources:
        found |= {a or b for a, b in _READS.findall(source)}
    return found


def bundled_rules() -> Iterable[tuple[str, Rule]]:
    for loaded in LIBRARY.packs():
        for rule in LIBRARY.rules(loaded.ref).values():
            yield loaded.ref, rule


def produced_by(detectors: DetectorSet) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for d in detectors:
        names = getattr(d, "categories", None)
        if names is None:  # the embedded model: one head per category
            names = d.heads.names  # type: ignore[attr-defined]
        for c in names:
            out.setdefault(c, []).append(d.name)
    return out


@pytest.mark.skipif(not (MODEL_DIR / "encoder.onnx").exists(),
                    reason="the embedded model (encoder.onnx) is not in this checkout")
def test_every_category_a_rule_reads_has_a_default_source() -> None:
    produced = produced_by(DetectorSet.load(DEFAULT_PIPELINE, warm=False))
    missing = sorted({f"{c} ({rule.id} in {ref})" for ref, rule in bundled_rules() for c in categories_read(rule)
                      if c not in produced})
    assert missing == []


def test_a_rule_resting_on_a_weak_category_alone_goes_to_a_human() -> None:
    policy = LIBRARY.effective(packs=["openai-usage@2025-10-29"])
    for category in sorted(quality.embedded_weak()):
        signal = Signal(category=category, score=0.99, detector="embedded@test")
        for surface in ("api", "gpt-builder", "chatgpt"):
            d = decide(policy, [signal], surface=surface)
            blocked = [v.rule_id for v in d.violations if v.verdict is Verdict.BLOCK and not v.condition]
            assert blocked == [], (category, surface)
