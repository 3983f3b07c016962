"""Profanity, including in names: "FuckBot", "sh1t_gpt", "b!tch-assistant".

Names are split on case changes and separators and common character
substitutions are undone before matching whole words; compounds are caught by
looking for the longer, unambiguous words inside a token, never the short ones
(so "Scunthorpe", "class" and "cocktail" stay clean).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from warden.detect.recognisers.base import Finding

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_TOKEN = re.compile(r"[A-Za-z0-9@$!*]+")
_CAMEL = re.compile(r"[A-Z]?[a-z0-9@$!*]+|[A-Z0-9@$!*]+(?![a-z])")
# Words long and distinctive enough to match inside compounds ("asses" hides in "classes").
_MIN_INFIX = 5
_NOT_INFIX = {"asses"}


@cache
def words() -> frozenset[str]:
    text = (resources.files("warden.detect.recognisers") / "profanity-words.txt").read_text()
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def _normal(token: str) -> str:
    return token.lower().translate(_LEET)


def _masked(token: str, vocabulary: frozenset[str]) -> str | None:
    """'f*ck' or 'sh*t': one or two masked letters of a listed word."""
    if "*" not in token or not 3 <= len(token) <= 12:
        return None
    pattern = re.compile("^" + re.escape(_normal(token)).replace(r"\*", "[a-z]") + "$")
    return next((w for w in sorted(vocabulary) if pattern.match(w)), None)


def find(text: str) -> list[Finding]:
    vocabulary = words()
    infixes = [w for w in vocabulary if len(w) >= _MIN_INFIX and w not in _NOT_INFIX]
    found = []
    for m in _TOKEN.finditer(text):
        token = m.group()
        hit = _masked(token, vocabulary)
        if hit is None:
            pieces = [token, *(p.group() for p in _CAMEL.finditer(token))]
            hit = next((_normal(p) for p in pieces if _normal(p) in vocabulary), None)
        if hit is None:
            lowered = _normal(token)
            hit = next((w for w in infixes if w in lowered), None)
        if hit is not None:
            found.append(Finding("profanity", "profanity", 0.9, m.start(), m.end(), f"profanity ({hit})"))
    return found
