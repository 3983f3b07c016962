"""Contact details: email addresses and phone numbers."""

from __future__ import annotations

import re

from warden.detect.recognisers.base import Finding

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9])?@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)
# International (+CC ...) or North American (NPA-NXX-XXXX) numbers, or trunk-prefixed national ones.
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}"
    r"|\(?[2-9]\d{2}\)?[ .-]\d{3}[ .-]\d{4}"
    r"|\(?0\d{2,4}\)?[ ]\d{3,4}[ ]?\d{3,4}"
    r")(?![\w])"
)
_DATE_LIKE = re.compile(r"^\d{4}[-.]\d{2}[-.]\d{2}$|^\d{2}[-.]\d{2}[-.]\d{4}$")


def find_emails(text: str) -> list[Finding]:
    found = []
    for m in _EMAIL.finditer(text):
        if ".." in m.group():
            continue
        found.append(Finding("email", "pii", 0.9, m.start(), m.end(), "email address"))
    return found


def find_phones(text: str) -> list[Finding]:
    found = []
    for m in _PHONE.finditer(text):
        raw = m.group()
        digits = re.sub(r"\D", "", raw)
        if not 10 <= len(digits) <= 15 or _DATE_LIKE.match(raw) or len(set(digits)) == 1:
            continue
        score = 0.85 if raw.startswith("+") or "(" in raw else 0.7
        found.append(Finding("phone_number", "pii", score, m.start(), m.end(), "phone number"))
    return found


def find(text: str) -> list[Finding]:
    return find_emails(text) + find_phones(text)
