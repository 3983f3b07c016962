"""API keys, tokens and private keys in the formats providers publish, plus
high-entropy strings assigned to a key-like name."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections import Counter

from warden.detect.recognisers.base import Finding

_B = r"(?<![A-Za-z0-9_-])"  # start of a token
_E = r"(?![A-Za-z0-9_-])"  # end of a token

_PATTERNS: list[tuple[str, str, re.Pattern[str]]] = [
    ("openai_key", "OpenAI API key",
     re.compile(_B + r"sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})" + _E)),
    ("anthropic_key", "Anthropic API key", re.compile(_B + r"sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,}" + _E)),
    ("aws_access_key", "AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b")),
    ("github_token", "GitHub token",
     re.compile(_B + r"(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})" + _E)),
    ("slack_token", "Slack token", re.compile(_B + r"xox[abposr]-(?:\d+-)+[A-Za-z0-9-]{10,}" + _E)),
    ("slack_webhook", "Slack webhook URL",
     re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]{8,}/B[A-Z0-9]{8,}/[A-Za-z0-9]{20,}")),
    ("stripe_key", "Stripe secret key", re.compile(_B + r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,}" + _E)),
    ("google_api_key", "Google API key", re.compile(_B + r"AIza[0-9A-Za-z_-]{35}" + _E)),
    ("private_key", "private key block",
     re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----")),
]  # fmt: skip

_AWS_SECRET = re.compile(r"aws.{0,20}?(?:secret|key).{0,20}?[=:]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])", re.I)
_JWT = re.compile(_B + r"(eyJ[A-Za-z0-9_-]{8,})\.(eyJ[A-Za-z0-9_-]{8,})\.([A-Za-z0-9_-]{16,})" + _E)
_ASSIGNED = re.compile(
    r"(?:api[_-]?key|secret|token|access[_-]?key|auth|bearer|credential)s?[\"']?\s*(?:[=:]|\s)\s*[\"']?"
    r"([A-Za-z0-9+/_.=-]{20,})",
    re.I,
)


def entropy(s: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(s)
    return -sum(n / len(s) * math.log2(n / len(s)) for n in counts.values())


def _b64json(segment: str) -> object:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError):
        return None


def looks_random(token: str) -> bool:
    classes = sum(bool(re.search(p, token)) for p in (r"[a-z]", r"[A-Z]", r"\d"))
    return len(token) >= 20 and classes >= 3 and entropy(token) >= 3.8


def find(text: str) -> list[Finding]:
    found: list[Finding] = []
    for kind, label, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            found.append(Finding(kind, "secrets", 0.99, m.start(), m.end(), label))
    for m in _AWS_SECRET.finditer(text):
        if looks_random(m.group(1)):
            found.append(Finding("aws_secret_key", "secrets", 0.95, m.start(1), m.end(1), "AWS secret access key"))
    for m in _JWT.finditer(text):
        header = _b64json(m.group(1))
        if isinstance(header, dict) and "alg" in header:
            found.append(Finding("jwt", "secrets", 0.95, m.start(), m.end(), f"JSON Web Token ({header['alg']})"))
    for m in _ASSIGNED.finditer(text):
        token = m.group(1)
        if looks_random(token) and not any(f.start <= m.start(1) < f.end for f in found):
            found.append(
                Finding("generic_secret", "secrets", 0.7, m.start(1), m.end(1),
                        f"high-entropy token ({entropy(token):.1f} bits/char) assigned to a key name")
            )  # fmt: skip
    return found
