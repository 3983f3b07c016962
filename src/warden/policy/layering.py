"""Resolve platform packs, operator overlays and user settings into one effective policy.

The rule of the road: a lower layer may add rules and tighten anything; it may
relax a setting only if the layer above delegated that setting, and nothing
about a hard limit can ever be relaxed. Delegation can only narrow going down.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from warden.errors import InvalidInput
from warden.policy.loader import LoadedOverlay, LoadedPack
from warden.policy.model import (
    Adjustment,
    Enforcement,
    ExceptionKind,
    Layer,
    Rule,
    Setting,
    SignalTrigger,
    Surface,
)


@dataclass(frozen=True)
class EffectiveRule:
    rule: Rule  # with every layer's adjustments applied
    origin: str  # the pack ref or overlay id that defined the rule
    layer: Layer  # the layer that defined it
    enabled: bool = True
    granted_exceptions: frozenset[ExceptionKind] = frozenset()
    changed_by: tuple[str, ...] = ()  # overlay ids that adjusted it, in order

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass(frozen=True)
class EffectivePolicy:
    rules: dict[str, EffectiveRule]
    packs: tuple[str, ...]  # pack revisions, e.g. openai-usage@2025-01-29#ab12...
    overlays: tuple[str, ...] = ()

    @property
    def revision(self) -> str:
        """What a decision names: every pack and overlay revision, hashed when very long."""
        joined = "+".join([*self.packs, *self.overlays])
        return joined if len(joined) <= 200 else hashlib.sha256(joined.encode()).hexdigest()[:16]

    def rule(self, rule_id: str) -> EffectiveRule:
        return self.rules[rule_id]

    def active(self, surface: Surface | str | None = None) -> list[EffectiveRule]:
        """Enabled rules, optionally only those covering `surface`."""
        return [
            r for r in self.rules.values() if r.enabled and (surface is None or r.rule.covers(surface))
        ]


class LayeringError(InvalidInput, ValueError):
    """An overlay tried something its layer may not do."""


def resolve(
    platform: Iterable[tuple[LoadedPack, dict[str, Rule]]],
    overlays: Sequence[LoadedOverlay] = (),
) -> EffectivePolicy:
    """Build the effective policy from resolved platform packs and overlays.

    `platform` pairs each in-force pack with its rules after inheritance
    (`PolicyLibrary.rules`). Overlays apply operator before user; within a
    layer, in the order given.
    """
    rules: dict[str, EffectiveRule] = {}
    pack_revisions = []
    for loaded, pack_rules in platform:
        pack_revisions.append(loaded.revision)
        for rule in pack_rules.values():
            if rule.id in rules:
                raise LayeringError(
                    f"rule {rule.id!r} is defined by both {rules[rule.id].origin} and {loaded.ref}"
                )
            rules[rule.id] = EffectiveRule(rule=rule, origin=loaded.ref, layer=Layer.PLATFORM)

    ordered = sorted(overlays, key=lambda o: o.overlay.overlay.layer.depth)
    for overlay in ordered:
        _apply(overlay, rules)
    return EffectivePolicy(rules=rules, packs=tuple(pack_revisions), overlays=tuple(o.revision for o in ordered))


def _apply(loaded: LoadedOverlay, rules: dict[str, EffectiveRule]) -> None:
    overlay = loaded.overlay
    layer = overlay.overlay.layer
    for index, rule in enumerate(overlay.rules):
        if rule.id in rules:
            raise loaded.problem(
                ("rules", index, "id"),
                f"rule {rule.id!r} already exists (from {rules[rule.id].origin}); use `adjust` to change it",
            )
        rules[rule.id] = EffectiveRule(rule=rule, origin=overlay.overlay.id, layer=layer)
    for index, adjustment in enumerate(overlay.adjust):
        current = rules.get(adjustment.rule)
        if current is None:
            raise loaded.problem(("adjust", index, "rule"), f"no rule {adjustment.rule!r} to adjust")
        try:
            rules[adjustment.rule] = adjust(current, adjustment, overlay.overlay.id, layer)
        except LayeringError as exc:
            raise loaded.problem(("adjust", index), str(exc)) from None


def adjust(current: EffectiveRule, change: Adjustment, by: str, layer: Layer) -> EffectiveRule:
    """Apply one adjustment, refusing any relaxation that was not delegated.

    A layer's own rules are its to change freely: the checks only bind rules
    defined by a layer above.
    """
    rule = current.rule
    own = current.layer == layer
    relaxed: list[tuple[Setting, str]] = []

    enabled = current.enabled
    if change.enabled is not None:
        if current.enabled and not change.enabled:
            relaxed.append((Setting.DISABLE, "disable the rule"))
        enabled = change.enabled

    triggers = rule.triggers
    if change.min_score is not None:
        if triggers is None or not triggers.signals:
            raise LayeringError(f"rule {rule.id!r} has no signal triggers to set min_score on")
        if change.category and all(s.category != change.category for s in triggers.signals):
            raise LayeringError(f"rule {rule.id!r} has no signal trigger for {change.category!r}")
        signals = []
        for signal in triggers.signals:
            if change.category in (None, signal.category):
                if change.min_score > signal.min_score:
                    relaxed.append((Setting.THRESHOLD, f"raise the {signal.category} threshold"))
                signal = SignalTrigger(category=signal.category, min_score=change.min_score)
            signals.append(signal)
        triggers = triggers.model_copy(update={"signals": signals})

    old = rule.enforcement
    severity = change.severity or old.severity
    verdict = change.verdict or old.verdict
    action = change.action or old.action
    if severity < old.severity or verdict < old.verdict or action < old.action:
        relaxed.append((Setting.ACTION, "make the enforcement milder"))

    granted = set(current.granted_exceptions)
    available = {e.kind for e in rule.exceptions}
    for kind in change.grant_exceptions:
        if kind not in available:
            raise LayeringError(f"rule {rule.id!r} grants no {kind.value!r} exception")
        relaxed.append((Setting.EXCEPTIONS, f"grant the {kind.value} exception"))
        granted.add(kind)

    delegates = rule.delegates
    if change.delegates is not None:
        widened = set(change.delegates) - set(rule.delegates)
        if widened and not own:
            names = ", ".join(sorted(s.value for s in widened))
            raise LayeringError(f"cannot delegate {names}: the layer above did not delegate it")
        delegates = list(change.delegates)

    if not own:
        for setting, what in relaxed:
            if rule.hard_limit:
                raise LayeringError(f"rule {rule.id!r} is a hard limit: no layer may {what}")
            if setting not in rule.delegates:
                raise LayeringError(
                    f"may not {what} of {rule.id!r}: {current.origin} does not delegate {setting.value!r}"
                )

    new_rule = rule.model_copy(
        update={
            "triggers": triggers,
            "enforcement": Enforcement(severity=severity, verdict=verdict, action=action),
            "delegates": delegates,
        }
    )
    return replace(
        current,
        rule=new_rule,
        enabled=enabled,
        granted_exceptions=frozenset(granted),
        changed_by=(*current.changed_by, by),
    )
