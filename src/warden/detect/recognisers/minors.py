"""Mentions of children and minors: "my 8-year-old", "teenagers", "a minor", "fifth graders".

Not a harm in itself; a policy reads it together with other signals (a hard limit on
sexual content involving minors needs strong evidence, and a borderline `sexual/minors`
score on text that mentions no minor is not evidence at all). Ages are read as numbers
("14-year-old", "aged 15", "age 12"); 18 and over do not count.
"""

from __future__ import annotations

import re

from warden.detect.recognisers.base import Finding

CATEGORY = "minors"

_WORDS = re.compile(
    r"\b(?:child|children|childhood|kids?|kiddies|minors?|underage|under-age|juveniles?|teens?|teenagers?|"
    r"teenaged|adolescents?|preteens?|pre-teens?|tweens?|toddlers?|infants?|newborns?|"
    r"little (?:girls?|boys?)|young (?:girls?|boys?)|schoolgirls?|schoolboys?|school-age|pupils?|"
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|1st|2nd|3rd|[4-9]th)[- ]graders?|"
    r"kindergartners?|kindergarteners?|preschoolers?|middle[- ]schoolers?|high[- ]schoolers?)\b",
    re.I,
)
# Words that often, not always, mean a minor ("my son" may be 30; "baby" is an endearment too).
_MAYBE = re.compile(r"\b(?:sons?|daughters?|stepdaughters?|stepsons?|grandchild|grandchildren|babies|baby)\b", re.I)
_AGE = re.compile(
    r"\b(?:(\d{1,2})[- ]?(?:years?|yrs?)[- ]?old|(\d{1,2})[- ]?y/?o\b|(?:aged?|ages)\s+(\d{1,2})\b|"
    r"under\s+(1[0-8])\b)",
    re.I,
)


def find(text: str) -> list[Finding]:
    found = [Finding("minor_mention", CATEGORY, 0.9, m.start(), m.end(), "mentions a child or minor")
             for m in _WORDS.finditer(text)]
    found += [Finding("minor_maybe", CATEGORY, 0.6, m.start(), m.end(), "may mention a child")
              for m in _MAYBE.finditer(text)]
    for m in _AGE.finditer(text):
        age = int(next(g for g in m.groups() if g is not None))
        if age < 18:
            found.append(Finding("minor_age", CATEGORY, 0.95, m.start(), m.end(), f"age {age}"))
    return found
