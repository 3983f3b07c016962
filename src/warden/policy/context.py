"""The names a rule's CEL condition can read, in one documented place.

A decision's context is a plain mapping; these keys are the contract between
the packs, the detectors and the callers that build it. Unknown or missing
fields make a condition false (see `expr.check`); a value of the wrong type is an
evaluation error, which `decide` logs and reports as a degraded rule (a hard limit fails closed).
"""

from __future__ import annotations

import re

CONTEXT_FIELDS: dict[str, str] = {
    "surface": "where the content appears: api, chatgpt, gpt-builder, gpt-store, plugin, visual, voice, "
    "connectors, enterprise",
    "content.text": "the text being judged",
    "content.type": "text | image | audio | app | manifest",
    "signals": "map of category -> score from the detectors, e.g. signals['hate'] > 0.4",
    "app.name": "app or GPT name",
    "app.description": "public description",
    "app.instructions": "system prompt / instructions",
    "app.purpose": "declared purpose in a few words",
    "app.categories": "declared use-case tags, e.g. ['medical', 'legal', 'financial', 'news', 'companionship', "
    "'gambling', 'political-campaign', 'dating', 'surveillance', 'biometric-id', 'credit-decisions', ...]; review "
    "also infers 'academic-cheating', 'plagiarism', 'sockpuppets' and 'political-microtargeting' from the text",
    "app.audience": "declared audience tags, e.g. ['general', 'children-under-13', 'teens', 'professionals']",
    "app.capabilities": "e.g. ['actions', 'connectors', 'image', 'voice', 'browsing', 'code', "
    "'autonomous-messaging', 'outbound-messaging']",
    "app.disclosures.ai": "the app tells people they are talking to an AI",
    "app.disclosures.limitations": "a disclaimer about AI use and its limits is shown",
    "app.disclosures.professional_review": "a qualified professional reviews tailored advice",
    "app.disclosures.simulated": "a simulated person is labelled as simulated or parody",
    "app.disclosures.consent": "the simulated person has consented",
    "app.disclosures.ai_generated_label": "distributed AI-generated content is labelled",
    "app.simulates_person": "name of a real person the app simulates, if any",
    "app.store_listed": "the app is submitted to or listed in the GPT Store",
    "app.monetized": "the app takes part in monetization",
    "manifest": "an OpenAI plugin manifest (ai-plugin.json fields) when a plugin is reviewed",
    # --- set by submission review (warden.review); facts an analyzer inferred fill in what was not declared ---
    "app.kind": "gpt | api-app | plugin",
    "app.conversation_starters": "a GPT's conversation starters",
    "app.knowledge": "names of a GPT's knowledge files",
    "app.safeguards": "API apps: declared safety measures for end users, e.g. ['moderation', 'human-review', "
    "'rate-limits', 'user-reporting', 'age-verification']; [] declares none",
    "app.builder.name": "builder profile name",
    "app.builder.verified": "the builder profile is verified",
    "app.name_signals": "map of category -> score for the app's name alone (e.g. profanity in a Store name)",
    "app.disclosures.content_rights": "the builder holds the rights to the third-party content the app uses",
    "app.disclosures.user_confirmation": "actions with side effects ask the user before running",
    "app.disclosures.publication_policy": "livestreams, demos and research follow the Sharing & Publication Policy",
    "app.undisclosed_purpose": "the instructions tell the model to hide what the app is for or what it does to users",
    "plugin.operations": "operationIds (or METHOD path) the plugin's OpenAPI document exposes",
    "plugin.unexplained_operations": "exposed operations the manifest's descriptions never mention",
    "request.purpose": "declared purpose of the request: education, research, red-team, medical, ...",
    "request.red_team": "the caller belongs to an authorised red-teaming programme",
    "request.connectors": "connector and action names the request uses (matched against the workspace's "
    "allow-list: warden.enforce.connectors)",
    "request.connectors_not_enabled": "set by Warden, never by the caller: the names of request.connectors "
    "that the workspace has not enabled",
    "request.publication_policy": "the research follows the sharing & publication policy",
    "account.age": "the end user's age if known",
    "account.strikes": "active strikes on the account",
}

_ROOTS = r"(?:app|request|account|manifest|review|content|surface|signals)"
_FIELD = re.compile(rf"\b{_ROOTS}(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")


def is_documented(path: str) -> bool:
    """A dotted path is known if it is a documented field, lies under one, or leads to one."""
    return any(path == key or path.startswith(key + ".") or key.startswith(path + ".") for key in CONTEXT_FIELDS)


def undocumented_fields(expression: str) -> list[str]:
    """Context paths an expression reads that no one documents (string literals are ignored).

    CEL makes a missing field false rather than an error, so a misspelt field
    would let a rule silently never fire: validation reports these.
    """
    paths = _FIELD.findall(_STRING.sub('""', expression))
    return sorted({p for p in paths if not is_documented(p)})
