"""Plugin checks that compare what the manifest says with what the API exposes.

- `plugin.operations`: every operation the OpenAPI document exposes.
- `plugin.unexplained_operations`: operations whose purpose the manifest's
  descriptions never mention (the 2023 rule that the description must match
  the functionality the API exposes).
- `app.capabilities` += `outbound-messaging` when an operation sends messages,
  emails or posts to people, and `autonomous-messaging` when the plugin says it
  does so automatically or in the user's stead (automated conversations).
- `app.disclosures.ai_generated_label`: whether content the plugin sends out is
  labelled as AI-generated, when the developer did not declare it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from warden.review.analyzers import cues
from warden.review.facts import Fact
from warden.review.fields import TextField
from warden.review.schema import Operation, PluginSubmission, Submission

NAME = "operations"

_STOP_WORDS = """a an and are as at be by can for from get gets has have in into is it its list lists of on or the this
    that to via with you your user users api v1 v2 id ids query request response return returns retrieve fetch
    item items data info information new all one any endpoint call calls use using given specific current
    create update set put post patch read find lookup look up details detail result results"""
_STOP = frozenset(_STOP_WORDS.split())
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "er", "s")

_MESSAGING = re.compile(
    r"\b(?:send|reply|respond|post|publish|broadcast|schedule|forward|dm)\w*\b.{0,40}?"
    r"\b(?:message|messages|sms|texts?|e-?mails?|mail|dms?|tweets?|comments?|repl(?:y|ies)|whatsapp|posts?)\b",
    re.I,
)
AUTOMATION: tuple[cues.Cue, ...] = (
    cues.cue(r"\bautomatic(?:ally)?\s+(?:\w+\s+)?(?:reply|replies|respond|responds|answer|answers|send|sends|"
             r"message|messages|follow[- ]ups?|chat)", 0.9, "sends or replies automatically"),
    cues.cue(r"\bauto[- ]?(?:reply|replies|responder|respond|dm|message)", 0.9, "auto-replies"),
    cues.cue(r"\b(?:reply|respond|answer)\w*\s+to\s+(?:incoming|new|all|every|unread)\s+(?:\w+\s+)?"
             r"(?:messages|emails|dms|texts|comments|leads|matches)", 0.9, "answers incoming messages"),
    cues.cue(r"\b(?:sound|appear|seem|read)s?\s+(?:exactly\s+)?(?:like|as if)\s+(?:a real person|a human|you wrote|"
             r"the user wrote|it came from you)", 0.9, "passes messages off as human-written"),
    cues.cue(r"\b(?:pre-?written|pre-?programmed|canned|templated)\s+(?:messages|replies|responses)", 0.9,
             "sends pre-programmed replies"),
    cues.cue(r"\b(?:keeps?|carry|carries|hold|holds)\s+(?:on\s+)?(?:the\s+|a\s+)?conversations?\s+(?:going|on)\b",
             0.85, "carries conversations on by itself"),
    cues.cue(r"\bwithout\s+(?:the user|you)\s+(?:having to|needing to|reviewing|approving|seeing)", 0.7,
             "acts without the user in the loop"),
)
LABELLED: tuple[cues.Cue, ...] = (
    cues.cue(r"\b(?:ai[- ]generated|generated (?:by|with) (?:chatgpt|ai|an ai)|written (?:by|with) (?:chatgpt|ai)|"
             r"(?:sent|drafted|composed) (?:via|with|by) chatgpt)\b", 0.9, "labels AI-generated content"),
    cues.cue(r"\b(?:label|mark|tag|disclos|footer|signature)\w*\b.{0,50}?\b(?:ai|chatgpt)\b", 0.9,
             "labels AI-generated content"),
)
UNLABELLED: tuple[cues.Cue, ...] = (
    cues.cue(r"\b(?:do not|don't|never|without)\s+(?:\w+\s+){0,2}?(?:add|include|mention|label|mark|disclos|"
             r"indicat|reveal)\w*\b.{0,50}?\b(?:ai|chatgpt|generated|automated)\b", 0.9,
             "says sent content is not labelled as AI-generated", negatable=False),
    cues.cue(r"\b(?:remove|strip|delete)s?\s+(?:any\s+|all\s+)?(?:ai|chatgpt)\s+(?:disclaimers?|labels?|signatures?|"
             r"footers?)", 0.9, "removes AI labels", negatable=False),
)


def stem(word: str) -> str:
    w = word.lower()
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


def words(text: str) -> set[str]:
    return {stem(w) for w in _CAMEL.findall(text) if len(w) >= 3 and w.lower() not in _STOP}


def _op_text(op: Operation) -> str:
    path = " ".join(p for p in re.split(r"[/{}_\-.]", op.path) if p)
    return " ".join(filter(None, [op.operation_id or "", path, op.summary]))


def _op_label(op: Operation) -> str:
    return op.operation_id or f"{op.method.upper()} {op.path}"


def _spoken(text: str) -> str:
    """'sendSlackMessage' -> 'send Slack Message', so phrase patterns see words."""
    return " ".join(_CAMEL.findall(text))


def unexplained(plugin: PluginSubmission) -> list[Operation]:
    described = words(plugin.manifest.description_for_model) | words(plugin.manifest.description_for_human)
    missing = []
    for op in plugin.openapi.operations:
        own = words(_op_text(op))
        if own and not own & described:
            missing.append(op)
    return missing


def messaging_operations(plugin: PluginSubmission) -> list[Operation]:
    return [
        op for op in plugin.openapi.operations
        if _MESSAGING.search(_spoken(op.operation_id or "") + " " + op.summary + " " + op.path.replace("/", " "))
    ]


def analyze(submission: Submission, fields: Sequence[TextField]) -> list[Fact]:
    if not isinstance(submission, PluginSubmission):
        return []
    facts = [
        Fact("plugin.operations", [_op_label(op) for op in submission.openapi.operations], 1.0, NAME,
             f"{len(submission.openapi.operations)} operations in the OpenAPI document", "openapi.paths"),
    ]
    missing = unexplained(submission)
    facts.append(
        Fact("plugin.unexplained_operations", [_op_label(op) for op in missing], 0.9, NAME,
             "operations the manifest descriptions do not mention: " + ", ".join(_op_label(op) for op in missing)
             if missing else "every operation is reflected in the manifest descriptions",
             missing[0].pointer if missing else "manifest.description_for_model")
    )
    senders = messaging_operations(submission)
    if senders:
        labels = ", ".join(_op_label(op) for op in senders)
        facts.append(Fact("app.capabilities", "outbound-messaging", 0.9, NAME, f"sends messages to people: {labels}",
                          senders[0].pointer))
    automated = cues.best(cues.find(fields, AUTOMATION))
    if automated is not None:
        confidence = automated.cue.confidence if senders else min(automated.cue.confidence, 0.6)
        facts.append(Fact("app.capabilities", "autonomous-messaging", confidence, NAME, automated.cue.detail,
                          automated.field.pointer, automated.start, automated.end))
    if senders and submission.disclosures.ai_generated_label is None:
        facts.append(_label_fact(fields))
    return facts


def _label_fact(fields: Sequence[TextField]) -> Fact:
    against = cues.best(cues.find(fields, UNLABELLED))
    if against is not None:
        return Fact("app.disclosures.ai_generated_label", False, against.cue.confidence, NAME, against.cue.detail,
                    against.field.pointer, against.start, against.end)
    label = cues.best(cues.find(fields, LABELLED))
    if label is not None:
        return Fact("app.disclosures.ai_generated_label", True, label.cue.confidence, NAME, label.cue.detail,
                    label.field.pointer, label.start, label.end)
    return Fact("app.disclosures.ai_generated_label", False, 0.6, NAME,
                "sends content to people and never says it is labelled as AI-generated", None)
