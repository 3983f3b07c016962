"""The tags a policy reads, so a misspelt or unknown tag in a submission gets a warning, not silence.

A rule that reads `"children-under-13" in app.audience` never fires for an app that declares
`children_under_13`; the review still runs (the analyzers may infer the audience from the text), but
the builder is told which value was meant and which values the policy accepts. The accepted values
are read from the effective policy's own conditions and exceptions, plus the tags the analyzers
infer, so an operator's overlay that reads a new tag is accepted as soon as it is loaded.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from warden.policy.layering import EffectivePolicy
from warden.policy.model import Rule
from warden.review.analyzers import purpose
from warden.review.schema import Submission

LISTS = ("categories", "audience")
_LITERAL = re.compile(r'"([a-z0-9][a-z0-9_-]*)"')
_SIGNAL_NAMES = re.compile(r'signals\["[^"]*"\]|"[^"]*"\s+in\s+signals')
INFERRED = {"categories": set(purpose.TAGS), "audience": {"children-under-13"}}


def _expressions(rule: Rule) -> Iterable[str]:
    if rule.triggers is not None and rule.triggers.condition:
        yield rule.triggers.condition
    for exc in rule.exceptions:
        if exc.when:
            yield exc.when


def accepted(policy: EffectivePolicy) -> dict[str, set[str]]:
    """For `app.categories` and `app.audience`: every literal a condition compares them with."""
    found: dict[str, set[str]] = {key: set(INFERRED[key]) for key in LISTS}
    for eff in policy.rules.values():
        for source in _expressions(eff.rule):
            for key in LISTS:
                if f"app.{key}" in source:
                    found[key] |= set(_LITERAL.findall(_SIGNAL_NAMES.sub("", source)))
    return found


def warnings(submission: Submission, vocabulary: dict[str, set[str]]) -> list[str]:
    out = []
    for key in LISTS:
        known = vocabulary[key]
        for tag in getattr(submission, key):
            if tag in known:
                continue
            spelled = tag.replace("_", "-").replace(" ", "-")
            guess = [spelled] if spelled in known else difflib.get_close_matches(tag, sorted(known), n=1, cutoff=0.8)
            hint = f"did you mean {guess[0]!r}? " if guess else ""
            out.append(f"{key}: {tag!r} is not a value any rule of the policy reads; {hint}"
                       f"accepted: {', '.join(sorted(known))}")
    return out
