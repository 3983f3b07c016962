"""Passwords being shared ("my password is ...") or solicited ("send me your password")."""

from __future__ import annotations

import re

from warden.detect.recognisers.base import Finding

_WORD = r"(?:password|passwd|pwd|passcode|pass ?phrase|pin(?: code)?|login credentials)"
_SHARED = re.compile(
    rf"\b(?:my|the|our|his|her|their|admin|root|wifi|wi-fi|account)?\s*{_WORD}\s*(?:is|was|=|:|->)\s*[\"'`]?"
    r"(?P<value>[^\s\"'`]{4,64})",
    re.I,
)
_SOLICIT = re.compile(
    r"\b(?:what(?:'s| is)|tell me|send(?: me)?|give(?: me)?|share|reply with|text me|confirm|verify|enter|"
    r"type|provide|need)\s+(?:me\s+)?(?:with\s+)?(?:your|ur|the account holder's|their)\s+(?:\w+\s+)?"
    rf"{_WORD}s?\b",
    re.I,
)
_NEGATED = re.compile(
    r"\b(?:never|not|don't|do not|won't|will not|shouldn't|should not|nobody will)\W+(?:\w+\W+)?$", re.I
)
# Words that follow "password is" in ordinary talk about passwords.
_NOT_A_VALUE = {
    "incorrect", "invalid", "wrong", "required", "correct", "too", "weak", "strong", "not", "missing",
    "expired", "empty", "blank", "reset", "changed", "case", "the", "a", "an", "very", "long", "short",
    "secure", "insecure", "stored", "hashed", "encrypted", "saved", "needed", "optional", "mandatory",
    "being", "still", "now", "different", "same", "easy", "hard", "unknown", "forgotten", "set", "protected",
}  # fmt: skip


def find(text: str) -> list[Finding]:
    found = []
    for m in _SHARED.finditer(text):
        value = m.group("value").rstrip(".,;)")
        if value.lower() in _NOT_A_VALUE or len(value) < 4:
            continue
        start = m.start("value")
        found.append(Finding("password_shared", "secrets", 0.9, start, start + len(value), "password shared"))
    for m in _SOLICIT.finditer(text):
        if _NEGATED.search(text[max(0, m.start() - 30) : m.start()]):
            continue  # "never share your password" is advice, not a request
        found.append(Finding("password_solicited", "secrets", 0.75, m.start(), m.end(), "password solicited"))
        found.append(Finding("password_solicited", "fraud", 0.5, m.start(), m.end(), "credential phishing cue"))
    return found
