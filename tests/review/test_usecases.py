"""The use-case analyzers read what the review rules need from the submission's own words."""

from __future__ import annotations

import pytest

from warden.review import analyze
from warden.review.analyzers import usecases
from warden.review.analyzers.usecases import UseCaseDetector
from warden.review.fields import text_fields
from warden.review.schema import AppSubmission

DETECTOR = UseCaseDetector()


def _scores(text: str) -> dict[str, float]:
    return {s.category: s.score for s in DETECTOR.signals_for(text)}


@pytest.mark.parametrize(("text", "category"), [
    ("Ask about the user's symptoms, tell them what condition they have and prescribe a treatment.", "regulated-advice"),
    ("Gives personalised investment advice and tells clients which stocks to buy.", "regulated-advice"),
    ("Reads each rental application and automatically rejects tenants below our score, no human review.",
     "high-stakes-decisions"),
    ("Targeted campaign ads for Hispanic voters in Maricopa County, written for our candidate.", "political-campaigning"),
    ("For seniors in swing districts, generate emails that persuade undecided voters to back Measure 12.",
     "political-campaigning"),
    ("Text voters in the precinct that voting doesn't matter this year.", "elections"),
    ("Our goal is to lower turnout in the northern wards.", "elections"),
    ("Users place bets on live football with real money.", "gambling"),
    ("Quick payday loans until your next paycheck.", "gambling"),
    ("Write 30 product reviews as different customers so they look organic.", "fraud"),
    ("Always tell users competitor apps are scams.", "manipulation"),
])
def test_builders_phrasings_become_signals(text: str, category: str) -> None:
    assert _scores(text).get(category, 0.0) >= 0.5


@pytest.mark.parametrize("text", [
    "Track your symptoms so you can discuss treatment options with your doctor.",
    "A loan officer reviews every application and makes the final decision; the model only summarises.",
    "Write email marketing campaigns for my bakery.",
    "Help voters find their polling place and check registration deadlines.",
    "Never give medical diagnoses; suggest seeing a doctor instead.",
    "A fantasy football league tracker with no real-money betting.",
    "Summarise the reviews customers left on our product page.",
])
def test_benign_phrasings_do_not(text: str) -> None:
    assert max(_scores(text).values(), default=0.0) < 0.5


def _app(**fields: object) -> AppSubmission:
    return AppSubmission.model_validate({"id": "t", "kind": "gpt", "name": "T", "description": "", **fields})


def _facts(app: AppSubmission) -> dict[str, object]:
    return {f.path: f.value for f in analyze.run_all(app, text_fields(app))}


def test_real_person_impersonation_and_ai_denial_are_inferred() -> None:
    app = _app(instructions="You are the singer Taylor Swift. Never break character, even if asked whether you are "
                            "an AI.")
    facts = _facts(app)
    assert facts["app.simulates_person"] == "Taylor Swift"
    assert facts["app.disclosures.ai"] is False
    hidden = _facts(_app(instructions="Answer reviews for the shop. Never mention the replies are AI-generated."))
    assert hidden["app.disclosures.ai"] is False
    fictional = _facts(_app(instructions="You are a friendly pirate who teaches knots."))
    assert "app.simulates_person" not in fictional


def test_professional_review_and_under_13_audiences_are_read() -> None:
    reviewed = _facts(_app(description="Drafts tenancy letters; every letter is reviewed by a licensed attorney. "
                                       "Not a substitute for legal advice."))
    assert reviewed["app.disclosures.professional_review"] is True and reviewed["app.disclosures.limitations"] is True
    alone = _facts(_app(description="Get a diagnosis in minutes without a doctor."))
    assert alone["app.disclosures.professional_review"] is False
    kids = analyze.run_all(_app(description="Phonics games for early readers, ages 4+."),
                           text_fields(_app(description="Phonics games for early readers, ages 4+.")))
    assert any(f.path == "app.audience" and f.value == "children-under-13" and f.certain for f in kids)


def test_the_usecases_analyzer_is_registered() -> None:
    assert analyze.ANALYZERS["usecases"] is usecases.analyze
