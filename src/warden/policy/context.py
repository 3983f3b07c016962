"""The names a rule's CEL condition can read, in one documented place.

A decision's context is a plain mapping; these keys are the contract between
the packs, the detectors and the callers that build it. Unknown or missing
fields make a condition false (see `expr.evaluate`), never an error.
"""

from __future__ import annotations

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
    "'gambling', 'political-campaign', 'dating', 'surveillance', 'biometric-id', 'credit-decisions', ...]",
    "app.audience": "declared audience tags, e.g. ['general', 'children-under-13', 'teens', 'professionals']",
    "app.capabilities": "e.g. ['actions', 'connectors', 'image', 'voice', 'browsing', 'code', "
    "'autonomous-messaging']",
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
    "request.purpose": "declared purpose of the request: education, research, red-team, medical, ...",
    "request.red_team": "the caller belongs to an authorised red-teaming programme",
    "request.publication_policy": "the research follows the sharing & publication policy",
    "account.age": "the end user's age if known",
    "account.strikes": "active strikes on the account",
}
