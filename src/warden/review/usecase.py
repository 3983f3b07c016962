"""Which rules are use-case rules: what an app, GPT, plugin or use of the models may or may not be.

Everything in a pack except the platform's own duties (obligations), plain
permissions (verdict allow) and statements about the enforcement process
itself (ids under `enforcement.`): those describe how violations are handled,
not what counts as one, so no submission can exercise them. Safe-messaging rules
are left out too: they answer a person at risk and never judge an app.
"""

from __future__ import annotations

from collections.abc import Iterable

from warden.policy.model import Rule, RuleKind, Verdict

PROCESS_PREFIXES = ("enforcement.", "obligation.", "updates.", "developer-support.")


def is_use_case(rule: Rule) -> bool:
    return (
        rule.kind is not RuleKind.OBLIGATION
        and rule.enforcement.verdict is not Verdict.ALLOW
        and not rule.id.startswith(PROCESS_PREFIXES)
        and rule.safe_messaging is None
    )


def executable(rule: Rule) -> bool:
    t = rule.triggers
    return t is not None and (bool(t.signals) or t.condition is not None)


def use_case_rules(rules: Iterable[Rule]) -> list[Rule]:
    return [r for r in rules if is_use_case(r)]
