"""The signal taxonomy: OpenAI's 13 moderation categories plus what the policies need.

Detectors emit scores keyed by these names, policy rules trigger on them, and
`/v1/moderations` reports the OpenAI subset under their exact spelling.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    description: str
    openai: bool = False  # one of the 13 names in OpenAI's moderation contract
    image: bool = False  # OpenAI applies it to image inputs too


_OPENAI = [
    Category("harassment", "Harassing language towards any target.", True),
    Category("harassment/threatening", "Harassment that also threatens violence or serious harm.", True),
    Category("hate", "Hatred based on a protected attribute.", True),
    Category("hate/threatening", "Hateful content that also threatens violence or serious harm.", True),
    Category("illicit", "Advice or instructions for committing wrongdoing.", True),
    Category("illicit/violent", "Wrongdoing that also involves violence or weapons.", True),
    Category("self-harm", "Promotes, encourages or depicts acts of self-harm.", True, True),
    Category("self-harm/intent", "The speaker expresses intent to harm themselves.", True, True),
    Category("self-harm/instructions", "Instructions or advice for self-harm.", True, True),
    Category("sexual", "Content meant to arouse, or promoting sexual services.", True, True),
    Category("sexual/minors", "Sexual content involving anyone under 18.", True),
    Category("violence", "Depicts death, violence or physical injury.", True, True),
    Category("violence/graphic", "Depicts death, violence or injury in graphic detail.", True, True),
]

_EXTENDED = [
    Category("privacy", "Compromises someone's privacy: tracking, doxxing, surveillance."),
    Category("pii", "Contains personal data such as emails, phone numbers or addresses."),
    Category("secrets", "Contains or solicits credentials, API keys, card numbers or government ids."),
    Category("biometrics", "Facial recognition or biometric identification or categorisation."),
    Category("jailbreak", "Attempts to make a model ignore its safety rules."),
    Category("prompt-injection", "Instructions smuggled in to override a system or tool prompt."),
    Category("malware", "Code or help meant to disrupt, damage or break into computer systems."),
    Category("weapons", "Development or acquisition of weapons, including CBRN."),
    Category("fraud", "Scams, deception, impersonation or fake engagement."),
    Category("spam", "Unsolicited bulk or promotional messages."),
    Category("disinformation", "False or misleading claims presented as fact."),
    Category("political-campaigning", "Campaign material, lobbying or political persuasion."),
    Category("elections", "Misrepresenting voting or discouraging participation."),
    Category("regulated-advice", "Tailored legal, medical or financial advice."),
    Category("high-stakes-decisions", "Automated decisions about credit, jobs, housing, justice or migration."),
    Category("gambling", "Real-money gambling or payday lending."),
    Category("profanity", "Profane or obscene words."),
    Category("manipulation", "Manipulative or subliminal techniques that exploit vulnerabilities."),
    Category("minors", "Mentions a child or a minor (not a harm in itself; read together with other signals)."),
    Category("unsafe", "Harmful under the usage policies, whatever the category: a detector's overall judgement."),
    Category("visual-identification", "Asks who a person in an accompanying image is (service terms 6)."),
    Category("visual-inference", "Asks for private or sensitive facts about a person in an accompanying image."),
    Category("visual-likeness", "Asks to reproduce the likeness of a person in an accompanying image."),
    Category("visual-minor-likeness", "Asks to reproduce the likeness of a minor in an accompanying image."),
]

CATEGORIES: dict[str, Category] = {c.name: c for c in _OPENAI + _EXTENDED}
OPENAI_CATEGORIES: tuple[str, ...] = tuple(c.name for c in _OPENAI)


def is_category(name: str) -> bool:
    return name in CATEGORIES
