from __future__ import annotations

import pytest

from warden.policy import PolicyFileError, PolicyLibrary, parse_overlay
from warden.policy.model import Action, ExceptionKind, Layer, Setting, Severity, Verdict


def _overlay(text: str, name: str = "overlay.yaml"):  # type: ignore[no-untyped-def]
    return parse_overlay(text, name)


OPERATOR = """\
overlay: {id: acme, title: Acme kids app, layer: operator}
rules:
  - id: acme.no-gambling-talk
    title: No gambling talk
    summary: Our app is for families.
    citation: {document: Acme terms, date: 2024-05-01, section: Content, item: "3"}
    surfaces: [chatgpt]
    kind: prohibition
    triggers: {signals: [{category: gambling, min_score: 0.5}]}
    delegates: [threshold]
adjust:
  - {rule: mini.hate, min_score: 0.3, verdict: block, action: suspension}
  - {rule: mini.csam, min_score: 0.1}
"""


def test_operator_adds_and_tightens(mini_library: PolicyLibrary) -> None:
    policy = mini_library.effective(packs=["mini"], overlays=[_overlay(OPERATOR)])
    hate = policy.rule("mini.hate")
    assert hate.rule.triggers is not None and hate.rule.triggers.signals[0].min_score == 0.3
    assert hate.rule.enforcement.verdict is Verdict.BLOCK and hate.rule.enforcement.action is Action.SUSPENSION
    assert hate.changed_by == ("acme",)
    assert policy.rule("acme.no-gambling-talk").layer is Layer.OPERATOR
    assert policy.revision.startswith("mini@2024-01-01#") and "+acme#" in policy.revision


@pytest.mark.parametrize(
    ("adjustment", "message"),
    [
        ("{rule: mini.csam, min_score: 0.9}", "hard limit"),
        ("{rule: mini.csam, enabled: false}", "hard limit"),
        ("{rule: mini.csam, action: warning}", "hard limit"),
        ("{rule: mini.hate, action: none}", "does not delegate 'action'"),
        ("{rule: mini.hate, enabled: false}", "does not delegate 'disable'"),
        ("{rule: mini.kids, grant_exceptions: [sex-education]}", "grants no 'sex-education' exception"),
        ("{rule: mini.nope, min_score: 0.1}", "no rule 'mini.nope'"),
        ("{rule: mini.kids, min_score: 0.1}", "no signal triggers"),
        ("{rule: mini.hate, delegates: [threshold, disable]}", "cannot delegate disable"),
    ],
)
def test_forbidden_relaxations_fail_with_line(mini_library: PolicyLibrary, adjustment: str, message: str) -> None:
    text = f"overlay: {{id: bad, title: Bad, layer: operator}}\nadjust:\n  - {adjustment}\n"
    with pytest.raises(PolicyFileError) as exc:
        mini_library.effective(packs=["mini"], overlays=[_overlay(text, "bad.yaml")])
    (problem,) = exc.value.problems
    assert message in problem.message
    assert str(problem.path) == "bad.yaml" and problem.line == 3


def test_delegated_relaxations_allowed(mini_library: PolicyLibrary) -> None:
    text = """\
overlay: {id: adult-site, title: Adult platform, layer: operator}
adjust:
  - {rule: mini.hate, min_score: 0.8}
  - {rule: mini.adult, grant_exceptions: [sex-education]}
"""
    policy = mini_library.effective(packs=["mini"], overlays=[_overlay(text)])
    assert policy.rule("mini.hate").rule.triggers.signals[0].min_score == 0.8  # type: ignore[union-attr]
    assert policy.rule("mini.adult").granted_exceptions == {ExceptionKind.SEX_EDUCATION}


def test_operator_can_withdraw_delegation_from_users(mini_library: PolicyLibrary) -> None:
    operator = "overlay: {id: op, title: Op, layer: operator}\nadjust:\n  - {rule: mini.hate, delegates: []}\n"
    user = "overlay: {id: me, title: Me, layer: user}\nadjust:\n  - {rule: mini.hate, min_score: 0.9}\n"
    with pytest.raises(PolicyFileError, match="does not delegate 'threshold'"):
        mini_library.effective(packs=["mini"], overlays=[_overlay(user), _overlay(operator)])
    # Without the operator's withdrawal the platform's delegation reaches the user.
    policy = mini_library.effective(packs=["mini"], overlays=[_overlay(user)])
    assert policy.rule("mini.hate").rule.triggers.signals[0].min_score == 0.9  # type: ignore[union-attr]


def test_user_cannot_relax_operator_rule_beyond_its_delegation(mini_library: PolicyLibrary) -> None:
    user_ok = "overlay: {id: me, title: Me, layer: user}\nadjust:\n  - {rule: acme.no-gambling-talk, min_score: 0.9}\n"
    policy = mini_library.effective(packs=["mini"], overlays=[_overlay(OPERATOR), _overlay(user_ok)])
    assert policy.rule("acme.no-gambling-talk").changed_by == ("me",)
    user_bad = "overlay: {id: me, title: Me, layer: user}\nadjust:\n  - {rule: acme.no-gambling-talk, enabled: false}\n"
    with pytest.raises(PolicyFileError, match="acme does not delegate 'disable'"):
        mini_library.effective(packs=["mini"], overlays=[_overlay(OPERATOR), _overlay(user_bad)])


def test_overlay_cannot_redefine_existing_rule(mini_library: PolicyLibrary) -> None:
    text = OPERATOR.replace("id: acme.no-gambling-talk", "id: mini.hate")
    with pytest.raises(PolicyFileError, match="already exists"):
        mini_library.effective(packs=["mini"], overlays=[_overlay(text)])


def test_tightening_needs_no_delegation(mini_library: PolicyLibrary) -> None:
    text = """\
overlay: {id: strict, title: Strict, layer: user}
adjust:
  - {rule: mini.kids, severity: critical, verdict: block, action: termination}
"""
    policy = mini_library.effective(packs=["mini"], overlays=[_overlay(text)])
    e = policy.rule("mini.kids").rule.enforcement
    assert (e.severity, e.action) == (Severity.CRITICAL, Action.TERMINATION)
    assert Setting.ACTION not in policy.rule("mini.kids").rule.delegates
