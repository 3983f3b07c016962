"""Every field a bundled pack's condition reads is documented in policy/context.py.

A misspelt field is not an error in CEL here: it makes the condition false,
so the rule would silently never fire. This test is what catches that.
"""

from __future__ import annotations

import re

from warden.policy import PolicyLibrary
from warden.policy.context import CONTEXT_FIELDS

ROOTS = r"(?:app|request|account|manifest|review|content|surface|signals)"
FIELD = re.compile(rf"\b{ROOTS}(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")


def _documented(path: str) -> bool:
    return any(path == key or path.startswith(key + ".") or key.startswith(path + ".") for key in CONTEXT_FIELDS)


def _expressions() -> list[tuple[str, str]]:
    found = []
    for loaded in PolicyLibrary.discover().packs():
        for rule in loaded.pack.rules:
            if rule.triggers and rule.triggers.condition:
                found.append((rule.id, rule.triggers.condition))
            found += [(rule.id, e.when) for e in rule.exceptions if e.when]
    return found


def test_conditions_read_only_documented_fields() -> None:
    expressions = _expressions()
    assert len(expressions) > 50
    undocumented = sorted(
        {f"{rule_id}: {path}" for rule_id, source in expressions
         for path in FIELD.findall(STRING.sub('""', source)) if not _documented(path)}
    )
    assert undocumented == []


def test_the_check_catches_a_misspelt_field() -> None:
    assert _documented("app.disclosures.ai") and not _documented("app.disclosure.ai")
