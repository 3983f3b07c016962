"""Property: no sequence of overlays lets a lower layer loosen what a higher layer fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warden.policy import PolicyFileError, PolicyLibrary, Rule, load_pack, parse_overlay
from warden.policy.model import Action, ExceptionKind, Setting, Severity, Verdict

LIBRARY = PolicyLibrary([load_pack(Path(__file__).resolve().parents[1] / "fixtures" / "mini-pack.yaml")])
BASE = LIBRARY.effective(packs=["mini"])
RULE_IDS = sorted(BASE.rules)

adjustments = st.fixed_dictionaries(
    {"rule": st.sampled_from(RULE_IDS)},
    optional={
        "enabled": st.booleans(),
        "min_score": st.floats(0, 1).map(lambda x: round(x, 2)),
        "severity": st.sampled_from([s.value for s in Severity]),
        "verdict": st.sampled_from([v.value for v in Verdict]),
        "action": st.sampled_from([a.value for a in Action]),
        "grant_exceptions": st.lists(st.sampled_from([e.value for e in ExceptionKind]), max_size=1),
        "delegates": st.lists(st.sampled_from([s.value for s in Setting]), max_size=3, unique=True),
    },
)
overlays = st.lists(
    st.tuples(st.sampled_from(["operator", "user"]), st.lists(adjustments, min_size=1, max_size=4)),
    min_size=1,
    max_size=3,
)


def _loosened(before: Rule, after: Rule, was_enabled: bool, now_enabled: bool, granted: bool) -> set[Setting]:
    """Which settings `after` is looser in than `before`, judged independently of the implementation."""
    loose: set[Setting] = set()
    if was_enabled and not now_enabled:
        loose.add(Setting.DISABLE)
    old = {s.category: s.min_score for s in (before.triggers.signals if before.triggers else [])}
    new = {s.category: s.min_score for s in (after.triggers.signals if after.triggers else [])}
    if any(new.get(cat, 2.0) > score for cat, score in old.items()):
        loose.add(Setting.THRESHOLD)
    b, a = before.enforcement, after.enforcement
    if a.severity.rank < b.severity.rank or a.verdict.rank < b.verdict.rank or a.action.rank < b.action.rank:
        loose.add(Setting.ACTION)
    if granted:
        loose.add(Setting.EXCEPTIONS)
    return loose


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overlays)
def test_lower_layers_never_loosen_what_was_not_delegated(spec: list[tuple[str, list[dict[str, Any]]]]) -> None:
    loaded = [
        parse_overlay(yaml.safe_dump({"overlay": {"id": f"o{i}", "title": "t", "layer": layer}, "adjust": adj}))
        for i, (layer, adj) in enumerate(spec)
    ]
    try:
        policy = LIBRARY.effective(packs=["mini"], overlays=loaded)
    except PolicyFileError:
        return  # refused as a whole: nothing loosened
    for rule_id, base in BASE.rules.items():
        now = policy.rules[rule_id]
        loose = _loosened(base.rule, now.rule, base.enabled, now.enabled, bool(now.granted_exceptions))
        if base.rule.hard_limit:
            assert not loose, f"hard limit {rule_id} loosened in {loose}"
        else:
            assert loose <= set(base.rule.delegates), f"{rule_id} loosened {loose - set(base.rule.delegates)}"
        assert set(now.rule.delegates) <= set(base.rule.delegates), "delegation widened"
