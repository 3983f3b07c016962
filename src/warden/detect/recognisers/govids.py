"""Government and bank identifiers that carry their own validity rules.

US social security numbers (SSA's never-issued ranges), IBANs (ISO 13616
length per country and the mod-97 check) and UK National Insurance numbers
(HMRC's prefix rules).
"""

from __future__ import annotations

import re

from warden.detect.recognisers.base import Finding

_SSN = re.compile(r"(?<![\w-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w-])")
_SSN_CONTEXT = re.compile(r"\b(?:ssn|social security|soc\.? sec|tax ?id|itin)\b", re.I)
_SSN_KNOWN_FAKE = {"078051120", "219099999", "123456789"}


def ssn_valid(area: str, group: str, serial: str) -> bool:
    if area in {"000", "666"} or area >= "900":
        return False
    if group == "00" or serial == "0000":
        return False
    return area + group + serial not in _SSN_KNOWN_FAKE


def find_ssn(text: str) -> list[Finding]:
    found = []
    for m in _SSN.finditer(text):
        area, sep, group, serial = m.groups()
        if not ssn_valid(area, group, serial):
            continue
        window = text[max(0, m.start() - 40) : m.start()]
        if not sep and not _SSN_CONTEXT.search(window):
            continue  # nine bare digits are an SSN only when the text says so
        score = 0.95 if _SSN_CONTEXT.search(window) else 0.8
        found.append(Finding("us_ssn", "secrets", score, m.start(), m.end(), "US social security number"))
    return found


# ISO 13616 lengths for the countries most often seen; others fall back to 15-34.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SA": 24,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29,
}  # fmt: skip
_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)\b")


def iban_valid(iban: str) -> bool:
    iban = iban.replace(" ", "")
    expected = _IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    if not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def find_iban(text: str) -> list[Finding]:
    return [
        Finding("iban", "secrets", 0.95, m.start(1), m.end(1), f"IBAN ({m.group(1)[:2]}, mod-97 valid)")
        for m in _IBAN.finditer(text)
        if iban_valid(m.group(1))
    ]


_NINO = re.compile(r"\b([A-Z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])\b")
_NINO_BAD_PREFIX = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def nino_valid(prefix: str) -> bool:
    first, second = prefix[0], prefix[1]
    if first in "DFIQUV" or second in "DFIOQUV":
        return False
    return prefix not in _NINO_BAD_PREFIX


def find_nino(text: str) -> list[Finding]:
    return [
        Finding("uk_nino", "secrets", 0.9, m.start(), m.end(), "UK National Insurance number")
        for m in _NINO.finditer(text)
        if nino_valid(m.group(1))
    ]


def find(text: str) -> list[Finding]:
    return find_ssn(text) + find_iban(text) + find_nino(text)
