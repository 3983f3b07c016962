"""Payment card numbers: known issuer prefixes and lengths, and a valid Luhn check digit."""

from __future__ import annotations

import re

from warden.detect.recognisers.base import Finding

# 13-19 digits, optionally grouped by single spaces or dashes.
_CANDIDATE = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")

_BRANDS: list[tuple[str, re.Pattern[str], tuple[int, ...]]] = [
    ("visa", re.compile(r"4"), (13, 16, 19)),
    ("mastercard", re.compile(r"5[1-5]|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)"), (16,)),
    ("amex", re.compile(r"3[47]"), (15,)),
    ("discover", re.compile(r"6011|65|64[4-9]|622"), (16, 19)),
    ("jcb", re.compile(r"35(?:2[89]|[3-8]\d)"), (16, 19)),
    ("diners", re.compile(r"3(?:0[0-5]|[689])"), (14, 16)),
    ("unionpay", re.compile(r"62"), (16, 17, 18, 19)),
]


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def brand(digits: str) -> str | None:
    for name, prefix, lengths in _BRANDS:
        if len(digits) in lengths and prefix.match(digits):
            return name
    return None


def find(text: str) -> list[Finding]:
    found = []
    for m in _CANDIDATE.finditer(text):
        raw = m.group()
        if " " in raw and "-" in raw:
            continue  # mixed separators: a list of numbers, not a card
        digits = re.sub(r"\D", "", raw)
        kind = brand(digits)
        if kind is None or len(set(digits)) == 1 or not luhn_valid(digits):
            continue
        found.append(
            Finding("credit_card", "secrets", 0.95, m.start(), m.end(), f"{kind} card number (Luhn valid)")
        )
    return found
