"""Every fixture gets its expected verdicts under both policy versions, and together they
exercise every use-case rule of both packs."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from review.fixtures import VERSIONS, expected, load, names
from warden.policy.library import PolicyLibrary
from warden.review.engine import Reviewer
from warden.review.report import Outcome
from warden.review.schema import AppKind
from warden.review.usecase import executable, use_case_rules

EXPECTED = expected()
CASES = [(name, version) for name in names() for version in VERSIONS]


def test_fixture_set_is_large_and_mixed() -> None:
    assert len(names()) >= 40
    assert set(names()) == set(EXPECTED), "every fixture has expectations and every expectation a fixture"
    kinds = Counter(load(n).kind for n in names())
    assert kinds[AppKind.GPT] >= 20 and kinds[AppKind.API_APP] >= 10 and kinds[AppKind.PLUGIN] >= 10
    verdicts = Counter(EXPECTED[n][v]["allowed"] for n in names() for v in VERSIONS)
    assert verdicts["pass"] >= 20 and verdicts["fail"] >= 40 and verdicts["needs-human"] >= 20


@pytest.mark.parametrize(("name", "version"), CASES, ids=[f"{n}@{v}" for n, v in CASES])
def test_fixture_gets_expected_outcome(reviewers: dict[str, Reviewer], name: str, version: str) -> None:
    report = reviewers[version].review(load(name))
    want: dict[str, Any] = EXPECTED[name][version]
    got = {
        "allowed": report.allowed.value,
        "store": report.store.value,
        "fail": sorted(r.rule_id for r in report.failures),
        "needs_human": sorted(r.rule_id for r in report.needs_human),
    }
    assert got == want
    for result in report.failures + report.needs_human:
        assert result.evidence, f"{result.rule_id} has no evidence"
        assert result.citation.date.isoformat() == version
    assert report.policy_revision.startswith(f"openai-usage@{version}")


@pytest.mark.parametrize("version", VERSIONS)
def test_every_use_case_rule_is_executable_and_exercised(
    library: PolicyLibrary, reviewers: dict[str, Reviewer], version: str
) -> None:
    rules = use_case_rules(library.rules(f"openai-usage@{version}").values())
    assert [r.id for r in rules if not executable(r)] == []
    fired = {
        rule_id
        for name in names()
        for key in ("fail", "needs_human")
        for rule_id in EXPECTED[name][version][key]
    }
    assert sorted({r.id for r in rules} - fired) == []
    passing = {name for name in names() if EXPECTED[name][version]["allowed"] == "pass"}
    assert passing, "some fixtures are compliant"


def test_store_eligibility_is_separate_from_being_allowed(reviewers: dict[str, Reviewer]) -> None:
    report = reviewers["2025-01-29"].review(load("apps/gpt-ai-girlfriend"))
    assert report.allowed is Outcome.PASS
    assert report.store.value == "ineligible"
    [store_rule] = report.failures
    assert store_rule.rule_id == "store.romantic-companionship"
    assert report.decision.verdict.value == "block" and report.decision.violations[0].action.value == "store_delisting"


def test_uncertain_inference_needs_a_human_not_a_failure(reviewers: dict[str, Reviewer]) -> None:
    vague = reviewers["2025-01-29"].review(load("apps/gpt-homework-buddy"))
    [result] = vague.needs_human
    assert result.rule_id == "gpt.minors.under-13"
    assert "uncertain" in result.reason
    assert result.evidence[0].field == "description" and result.evidence[0].excerpt == "helps kids"
    assert all(v.rule_id != "gpt.minors.under-13" for v in vague.decision.violations)
    explicit = reviewers["2025-01-29"].review(load("apps/gpt-kids-story-time"))
    assert [r.rule_id for r in explicit.failures] == ["gpt.minors.under-13"]


def test_exception_turns_a_firing_rule_into_a_pass(reviewers: dict[str, Reviewer]) -> None:
    report = reviewers["2023-03-23"].review(load("apps/gpt-legal-reviewed"))
    legal = next(r for r in report.results if r.rule_id == "disallowed.regulated-advice.legal")
    assert legal.outcome is Outcome.PASS and legal.exemption == "professional-review"


def test_every_applicable_rule_is_in_the_report(library: PolicyLibrary, reviewers: dict[str, Reviewer]) -> None:
    report = reviewers["2025-01-29"].review(load("plugins/weather-forecast"))
    assert report.counts()["pass"] == len(report.results)
    ids = {r.rule_id for r in report.results}
    assert "universal.laws.illegal-activity" in ids
    assert not any(i.startswith(("gpt.", "api.", "store.")) for i in ids), "plugins are not GPTs or API apps"
