"""Disclosures the instructions contradict.

- `app.disclosures.ai` is false when the instructions tell the model to deny
  being an AI or to pass as a human.
- `app.disclosures.user_confirmation` is false when an app with actions is told
  to act without asking the user first.
"""

from __future__ import annotations

from collections.abc import Sequence

from warden.review.analyzers import cues
from warden.review.facts import Fact
from warden.review.fields import TextField
from warden.review.schema import AppSubmission, Submission

NAME = "disclosure"

_AI = r"(?:an?\s+)?(?:ai|a\.i\.|bot|chatbot|language model|virtual assistant|machine|computer program)"
DENIES_AI = (
    cues.cue(rf"\b(?:never|do not|don't)\s+(?:ever\s+)?(?:reveal|admit|say|tell|mention|disclose|confirm|let)\w*\b"
             rf".{{0,40}}?\b(?:you are|you're|that you are|that you're|being)\s+{_AI}\b", 0.9,
             "tells the model to hide that it is an AI", negatable=False),
    cues.cue(r"\b(?:pretend|claim|insist|act as if|say|convince (?:them|people|users))\s+(?:\w+\s+)?(?:to be|you are|"
             r"that you are|you're)\s+(?:a\s+)?(?:real\s+)?(?:human|person|living person|human being)\b", 0.9,
             "tells the model to pass as human"),
    cues.cue(r"\bif\s+(?:anyone|someone|they|the user|users?)\s+asks?\b.{0,50}?\b(?:deny|say no|insist)\b", 0.8,
             "tells the model to deny being an AI when asked", negatable=False),
)
NO_CONFIRMATION = (
    cues.cue(r"\b(?:without|never|do not|don't)\s+(?:first\s+)?(?:ask|asking|wait|waiting|check|checking|confirm|"
             r"confirming|request|requesting|seek|seeking)\w*\s+(?:\w+\s+){0,3}?(?:confirmation|permission|approval|"
             r"consent|go-ahead|sign-off)", 0.9, "acts without asking the user", negatable=False),
    cues.cue(r"\b(?:immediately|automatically)\s+(?:purchase|buy|book|pay|transfer|order|send|delete|cancel|"
             r"submit|sign)\w*\b", 0.6, "takes consequential actions automatically"),
)


def analyze(submission: Submission, fields: Sequence[TextField]) -> list[Fact]:
    if not isinstance(submission, AppSubmission):
        return []
    facts: list[Fact] = []
    if submission.disclosures.ai is None:
        hit = cues.best(cues.find(fields, DENIES_AI))
        if hit is not None:
            facts.append(Fact("app.disclosures.ai", False, hit.cue.confidence, NAME, hit.cue.detail,
                              hit.field.pointer, hit.start, hit.end))
    acts = bool(submission.actions) or "actions" in submission.capabilities
    if acts and submission.disclosures.user_confirmation is None:
        hit = cues.best(cues.find(fields, NO_CONFIRMATION))
        if hit is not None:
            facts.append(Fact("app.disclosures.user_confirmation", False, hit.cue.confidence, NAME, hit.cue.detail,
                              hit.field.pointer, hit.start, hit.end))
    return facts
