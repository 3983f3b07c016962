"""A detector for what app instructions and plugin manifests say to the model.

It emits ordinary signals with spans, so the packs trigger on them like on any
other detector's output:

- `prompt-injection`: steering text in a plugin (telling the model to avoid
  other plugins, to always prefer this one, to ignore its instructions, or
  otherwise setting the model's behaviour). Behaviour-setting phrases are only
  steering in plugin text; in a GPT's own instructions they are the point, so
  they are matched only with `steering=True`.
- `jailbreak`: attempts to switch off or get around safety systems.
- `secrets`: instructions to solicit payment cards, bank details, government
  ids, API keys or passwords (the recognisers catch the values themselves).
"""

from __future__ import annotations

from collections.abc import Sequence

from warden.detect.protocol import TextDetector
from warden.detect.signals import Evidence, Signal
from warden.review.analyzers.cues import Cue, cue, negated

_OTHER = r"(?:other|competing|alternative|different|third[- ]party|rival)"
_TOOLS = r"(?:plugins?|tools?|services?|apps?|providers?|sources?|assistants?)"

STEERING: tuple[Cue, ...] = (
    cue(
        rf"\b(?:do not|don't|never|avoid|refuse to)\s+(?:ever\s+)?(?:use|call|invoke|recommend|suggest|mention|"
        rf"consult|rely on)(?:\w*)\s+(?:any\s+)?{_OTHER}\s+{_TOOLS}",
        0.95, "tells the model to avoid other plugins", negatable=False,
    ),
    cue(
        rf"\b(?:always|only|exclusively)\s+(?:use|call|invoke|recommend|prefer|suggest)\s+(?:this|our|the)\s+"
        rf"(?:\w+\s+)?{_TOOLS}\b",
        0.9, "tells the model to prefer this plugin",
    ),
    cue(rf"\b(?:instead of|rather than|in place of)\s+(?:any\s+)?{_OTHER}\s+{_TOOLS}", 0.85,
        "steers the model away from other plugins"),
    cue(
        r"\bignore\s+(?:all\s+|any\s+)?(?:previous|prior|earlier|other|the user'?s?|system|your)\s+"
        r"(?:instructions|prompts?|messages|directions|guidelines)",
        0.95, "tells the model to ignore its instructions", negatable=False,
    ),
)

BEHAVIOUR: tuple[Cue, ...] = (
    cue(
        r"\b(?:you must|you should|you will|always|never)\s+(?:always\s+)?(?:respond|reply|answer|speak|talk|"
        r"act|behave|refer to yourself|pretend|praise|describe yourself)\b",
        0.8, "sets the model's behaviour", negatable=False,
    ),
    cue(
        r"\b(?:when|whenever|if)\s+(?:the\s+)?users?\s+(?:asks?|mentions?|talks? about)\b.{0,80}?\b(?:always|only)\s+"
        r"(?:recommend|suggest|mention|promote)",
        0.9, "tells the model what to promote", negatable=False,
    ),
)

JAILBREAK: tuple[Cue, ...] = (
    cue(
        r"\b(?:ignore|bypass|disable|circumvent|evade|get around|override|turn off|switch off|defeat|skip)\w*\s+"
        r"(?:\w+\s+){0,3}?(?:safety|content|moderation|usage|openai)\s+(?:filters?|polic(?:y|ies)|guidelines|rules|"
        r"systems?|restrictions?|checks?|classifiers?)",
        0.95, "tries to get around safety systems",
    ),
    cue(
        r"\b(?:openai'?s?|your|the model'?s?)\s+(?:content\s+|usage\s+|safety\s+)?"
        r"(?:polic(?:y|ies)|guidelines|filters?|restrictions|rules)\s+(?:do not|don't|no longer|never)\s+apply",
        0.95, "declares the safety rules void", negatable=False,
    ),
    cue(r"\b(?:DAN mode|do anything now|developer mode|jailbreak(?:ed)? mode|unfiltered mode|god mode)\b", 0.9,
        "known jailbreak persona"),
    cue(
        r"\b(?:respond|answer|reply|comply)\s+(?:to everything\s+)?without\s+(?:any\s+)?(?:restrictions|filters|"
        r"censorship|refusals?|safety limits)",
        0.9, "asks for unfiltered output",
    ),
    cue(
        r"\b(?:encode|obfuscate|split|misspell|rephrase)\w*\b.{0,60}?\b(?:so (?:that )?(?:it|they)|to)\s+"
        r"(?:avoid|evade|bypass|slip past|get past|are not caught by)\s+(?:the\s+)?(?:openai\s+)?"
        r"(?:moderation|filters?|detection|safety)",
        0.9, "hides content from moderation",
    ),
)

_SENSITIVE = (
    r"(?:full\s+)?(?:credit[- ]card|debit[- ]card|payment[- ]card|card|bank[- ]account|routing|iban|"
    r"social security|ssn|passport|driver'?s licen[cs]e|national (?:id|insurance)|tax (?:id|file)|"
    r"api[- ]key|secret key|access token|password|passcode|login credentials|pin|cvv|cvc|security code)"
)
SOLICITATION: tuple[Cue, ...] = (
    cue(
        r"\b(?:ask|request|collect|prompt|gather|obtain|require|get|capture|record)\w*\s+(?:\w+\s+){0,2}?"
        rf"(?:for\s+)?(?:their|your|the user'?s|the customer'?s|his or her)\s+(?:\w+\s+)?{_SENSITIVE}"
        r"(?:\s+(?:numbers?|details|information|credentials|codes?|and\s+\w+(?:\s+\w+)?))?",
        0.85, "solicits sensitive identifiers or credentials",
    ),
    cue(
        rf"\b(?:enter|paste|type|share|send|provide|give)\s+(?:me\s+)?(?:your|their)\s+(?:\w+\s+)?{_SENSITIVE}\b",
        0.85, "solicits sensitive identifiers or credentials",
    ),
)


class ReviewPatternDetector(TextDetector):
    """Phrase patterns for submission review; `steering=True` for plugin text."""

    name = "review-patterns"
    version = "2"
    # In app review these patterns are the source for jailbreak and steering: the embedded model,
    # trained on user prompts, reads a builder's instructions as a jailbreak (0.84 for "Answer
    # questions about sexual health accurately and without judgement"), so its scores for these
    # categories are left out where this detector ran (warden.detect.quality.superseded).
    covers = frozenset({"jailbreak", "prompt-injection"})

    def __init__(self, steering: bool = False) -> None:
        self.steering = steering
        groups: list[tuple[str, tuple[Cue, ...]]] = [
            ("jailbreak", JAILBREAK),
            ("secrets", SOLICITATION),
            ("prompt-injection", STEERING),
        ]
        if steering:
            groups.append(("prompt-injection", BEHAVIOUR))
        self.groups = groups

    def signals_for(self, text: str) -> list[Signal]:
        found: dict[str, list[tuple[float, Evidence]]] = {}
        for category, cues in self.groups:
            for c in cues:
                for m in c.pattern.finditer(text):
                    if c.negatable and negated(text, m.start()):
                        continue
                    found.setdefault(category, []).append(
                        (c.confidence, Evidence(detail=c.detail, start=m.start(), end=m.end()))
                    )
        return [
            Signal(
                category=category,
                score=max(score for score, _ in hits),
                detector=self.ident,
                evidence=tuple(e for _, e in hits),
            )
            for category, hits in found.items()
        ]

    def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
        return [self.signals_for(t) for t in texts]
