"""Every field a bundled pack's condition reads is documented in policy/context.py.

A misspelt field is not an error in CEL here: it makes the condition false,
so the rule would silently never fire. This test is what catches that.
"""

from __future__ import annotations

from warden.policy import PolicyLibrary
from warden.policy.context import is_documented, undocumented_fields


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
    undocumented = [f"{rule_id}: {path}" for rule_id, source in expressions for path in undocumented_fields(source)]
    assert undocumented == []


def test_the_check_catches_a_misspelt_field_but_not_string_literals() -> None:
    assert is_documented("app.disclosures.ai") and not is_documented("app.disclosure.ai")
    assert undocumented_fields('app.disclosure.ai == false && "review-generation" in app.categories') == [
        "app.disclosure.ai"]
