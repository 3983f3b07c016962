"""What an app is built to do, read from its own words when the tags do not say it.

Adds use-case tags to `app.categories` (academic-cheating, plagiarism,
sockpuppets, political-microtargeting), `children-under-13` to `app.audience`,
and sets `app.undisclosed_purpose` when the instructions tell the model to hide
what the app is really for, and `app.disclosures.content_rights` to false when
it is built on content that plainly is not the builder's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from warden.review.analyzers import cues
from warden.review.facts import Fact
from warden.review.fields import TextField
from warden.review.schema import AppSubmission, Submission

NAME = "purpose"

TAGS: dict[str, tuple[cues.Cue, ...]] = {
    "academic-cheating": (
        cues.cue(r"\b(?:take|complete|do|sit|finish)\s+(?:my|your|their|the student'?s|students')\s+(?:online\s+)?"
                 r"(?:exams?|tests?|quiz(?:zes)?|homework|assignments?|coursework)\s+for\s+(?:me|you|them)", 0.9,
                 "does students' assessed work for them"),
        cues.cue(r"\b(?:essays?|assignments?|dissertations?|theses|coursework|homework)\b.{0,80}?\b(?:submit|hand in|"
                 r"turn in|pass off)\w*\s+(?:it\s+|them\s+)?(?:as|under)\s+(?:your|their|his|her)\s+own", 0.9,
                 "work to be handed in as the student's own"),
        cues.cue(r"\b(?:answers?|solutions?)\s+(?:to|for|during)\s+(?:live|ongoing|proctored|timed)\s+(?:exams?|tests?|"
                 r"quiz(?:zes)?)", 0.9, "answers during live exams"),
    ),
    "plagiarism": (
        cues.cue(r"\b(?:rewrite|reword|spin|paraphrase|rephrase)\w*\b.{0,80}?\b(?:pass|avoid|evade|beat|escape|fool|"
                 r"bypass|get past|not be caught by|isn't flagged by)\w*\s+(?:\w+\s+){0,2}?(?:plagiarism|turnitin|"
                 r"copyscape|originality|ai[- ]detect|gptzero)", 0.9, "disguises copied text from plagiarism checks"),
        cues.cue(r"\bpass(?:es|ing)?\s+off\b.{0,60}?\bas\s+(?:your|their|his|her)\s+own\b", 0.9,
                 "passes others' work off as one's own"),
        cues.cue(r"\bundetectable\s+(?:by\s+)?(?:plagiarism|turnitin|ai[- ]detect)", 0.9,
                 "makes copied text undetectable"),
    ),
    "sockpuppets": (
        cues.cue(r"\b(?:hundreds|dozens|thousands|networks?|fleets?|armies|army|farm)\s+of\s+"
                 r"(?:fake\s+|sock ?puppet\s+|burner\s+|aged\s+)?(?:accounts|personas|profiles|identities)",
                 0.9, "runs many fake accounts"),
        cues.cue(r"\bsock ?puppets?\b", 0.9, "sockpuppet accounts"),
        cues.cue(r"\b(?:appear|look|seem)s?\s+(?:like|as if they (?:are|were)|to be)\s+(?:\w+\s+)?(?:independent|"
                 r"unrelated|different|real|organic|genuine)\s+(?:people|users|voices|accounts|customers)", 0.85,
                 "coordinated accounts posing as independent voices"),
    ),
    "political-microtargeting": (
        cues.cue(r"\b(?:tailor|personali[sz]e|customi[sz]e|target|segment)\w*\b.{0,60}?\b(?:campaign|political|"
                 r"candidate|voting|ballot|get-out-the-vote)\w*\b.{0,80}?\b(?:demographic|age groups?|ethnic|"
                 r"religio\w*|gender|zip codes?|income|segments?|voter (?:files?|profiles?))", 0.9,
                 "campaign material tailored to demographic groups"),
        cues.cue(r"\b(?:campaign|political|candidate)\w*\s+(?:messages?|ads?|emails?|texts?|materials?)\b.{0,60}?\b"
                 r"(?:for|to|aimed at|targeting)\s+(?:each|specific|particular|different)\s+(?:demographic|voter)\w*",
                 0.9, "campaign material aimed at specific demographics"),
    ),
}

_UNDER_13 = (
    cues.cue(r"\b(?:preschool(?:ers)?|kindergarten(?:ers)?|toddlers?|(?:first|second|third|fourth|1st|2nd|3rd|4th)"
             r"[- ]graders?|elementary[- ]school\s+(?:kids|children|students|pupils)|primary[- ]school\s+(?:kids|"
             r"children|pupils))\b", 0.9, "aimed at young children"),
    cues.cue(r"\b(?:for|with|helps?|teaches|entertains)\s+(?:young\s+)?(?:kids|little ones|children)\b", 0.6,
             "mentions children as the audience"),
    cues.cue(r"\b(?:kids|children|students|users|readers|players)\s+(?:under|younger than|below)\s+(?:the age of\s+)?"
             r"(?:1[0-2]|[1-9])\b|\b(?:little kids|grade[- ]schoolers|early readers|young learners|k-5|k\u20135|"
             r"grades?\s+(?:k|[1-5])\s*(?:-|to|\u2013)\s*[1-6])\b", 0.9, "aimed at children under 13"),
    cues.cue(r"\b(?:ages?|aged)\s+(?:[3-9]|1[0-2])\s*(?:\+|and up|and under|or younger)|"
             r"\b(?:[3-9]|1[0-2])[- ]year[- ]olds\b",
             0.9, "aimed at young children"),
)
_AGE_RANGE = re.compile(r"\b(?:ages?|aged|kids|children)\s*(\d{1,2})\s*(?:-|to|\u2013|through)\s*(\d{1,2})\b", re.I)

CONCEALMENT = (
    cues.cue(r"\b(?:do not|don't|never)\s+(?:tell|reveal|disclose|mention|explain|let)\s+(?:to\s+)?(?:the\s+)?"
             r"(?:users?|them|people|anyone|customers)\b.{0,60}?\b(?:real|true|actual|hidden|other)?\s*(?:purpose|goal|"
             r"reason|that (?:we|you|this)|we (?:collect|store|sell|share|log|forward)|you (?:collect|store|sell|"
             r"share|log|forward)|about (?:the|our) (?:affiliate|sponsor|data))", 0.9,
             "tells the model to hide what the app is for", negatable=False),
    cues.cue(r"\b(?:secretly|covertly|quietly|discreetly)\s+(?:\w+\s+)?(?:collect|gather|log|record|harvest|steer|"
             r"push|upsell|promote|insert|forward)", 0.9, "acts covertly on users", negatable=False),
    cues.cue(r"\bwithout\s+(?:the\s+)?(?:users?|customers)\s+(?:knowing|noticing|realising|realizing|"
             r"being aware)", 0.9, "acts without users knowing", negatable=False),
)

THIRD_PARTY = (
    cues.cue(r"\b(?:pirated|ripped|leaked|paywalled|cracked|bootleg)\b", 0.9,
             "built on content obtained without rights"),
    cues.cue(r"\b(?:full|complete|entire)\s+(?:text|texts|transcripts?|books?|episodes?|issues|archive)\s+of\b", 0.6,
             "reproduces whole third-party works"),
    cues.cue(r"\b(?:copyrighted|scraped)\b", 0.6, "uses third-party content"),
)


def _tag_facts(fields: Sequence[TextField]) -> list[Fact]:
    facts = []
    for tag, tag_cues in TAGS.items():
        hit = cues.best(cues.find(fields, tag_cues))
        if hit is not None:
            facts.append(Fact("app.categories", tag, hit.cue.confidence, NAME, hit.cue.detail,
                              hit.field.pointer, hit.start, hit.end))
    return facts


def _audience_fact(fields: Sequence[TextField]) -> Fact | None:
    for field in fields:
        for m in _AGE_RANGE.finditer(field.text):
            low, high = int(m.group(1)), int(m.group(2))
            if low < high < 13 and not cues.negated(field.text, m.start()):
                return Fact("app.audience", "children-under-13", 0.9, NAME, f"aimed at ages {low}-{high}",
                            field.pointer, m.start(), m.end())
    hit = cues.best(cues.find(fields, _UNDER_13))
    if hit is None:
        return None
    return Fact("app.audience", "children-under-13", hit.cue.confidence, NAME, hit.cue.detail,
                hit.field.pointer, hit.start, hit.end)


def analyze(submission: Submission, fields: Sequence[TextField]) -> list[Fact]:
    facts = _tag_facts(fields)
    audience = _audience_fact(fields)
    if audience is not None:
        facts.append(audience)
    concealed = cues.best(cues.find(fields, CONCEALMENT))
    if concealed is not None:
        facts.append(Fact("app.undisclosed_purpose", True, concealed.cue.confidence, NAME, concealed.cue.detail,
                          concealed.field.pointer, concealed.start, concealed.end))
    if isinstance(submission, AppSubmission) and submission.disclosures.content_rights is None:
        third = cues.best(cues.find(fields, THIRD_PARTY))
        if third is not None:
            facts.append(Fact("app.disclosures.content_rights", False, third.cue.confidence, NAME, third.cue.detail,
                              third.field.pointer, third.start, third.end))
    return facts
