"""Phrase rules for the review tests, run by the shipped `warden.detect.testing.KeywordDetector`.

They stand in for the embedded classifier so the fixtures' expected verdicts do
not depend on a trained model. Phrases are matched case-insensitively; a
"never"/"do not" just before a phrase cancels it, as advice is not intent.
"""

from __future__ import annotations

from warden.detect.testing import KeywordDetector

KEYWORDS: dict[str, tuple[float, tuple[str, ...]]] = {
    "regulated-advice": (0.8, ("diagnose", "diagnosis", "treatment plan", "prescribe", "dosage", "which medication",
                               "legal strategy", "your lawsuit", "custody case", "which stocks to buy",
                               "portfolio allocation", "investment plan", "tax strategy", "personalized legal advice",
                               "personalised legal advice", "eviction defense")),
    "sexual": (0.9, ("explicit sexual", "erotic", "sexual roleplay", "nsfw", "sexting", "sexually explicit",
                     "pornography", "escort")),
    "sexual/minors": (0.95, ("sexual content involving minors",)),
    "hate": (0.9, ("racial slurs", "inferior race", "subhuman", "hateful jokes about")),
    "harassment": (0.9, ("harass", "bully", "humiliate", "threatening messages", "make their life miserable")),
    "violence": (0.8, ("gore", "glorifies violence", "mass shooting")),
    "violence/graphic": (0.85, ("dismember", "graphic gore", "mutilat")),
    "malware": (0.95, ("ransomware", "keylogger", "malware", "exploit code", "credential stealer", "botnet")),
    "weapons": (0.95, ("pipe bomb", "3d-printed gun", "ghost gun", "nerve agent", "untraceable firearm")),
    "self-harm": (0.9, ("pro-ana", "thinspiration", "encourage self-harm", "suicide methods")),
    "fraud": (0.9, ("fake reviews", "phishing", "fake invoice", "advance-fee", "pose as their bank", "gift card scam")),
    "spam": (0.9, ("unsolicited bulk", "mass dm", "blast thousands of", "spam")),
    "disinformation": (0.85, ("fabricated news", "fake news articles", "vaccines cause autism", "stolen election",
                                "polls are closed early")),
    "political-campaigning": (0.85, ("vote for", "campaign messages", "donate to the campaign", "re-elect",
                                     "get-out-the-vote", "campaign talking points")),
    "elections": (0.9, ("polls are closed", "vote by text", "don't bother voting", "election is on wednesday")),
    "illicit": (0.9, ("buy cocaine", "launder money", "counterfeit", "fake passports", "darknet market")),
    "illicit/violent": (0.9, ("arson", "torch the building", "sabotage the", "vandalise", "vandalize")),
    "privacy": (0.85, ("track someone", "home address of anyone", "monitor your partner", "dox", "read their messages",
                       "without them knowing where")),
    "pii": (0.85, ("home addresses", "date of birth and address")),
    "biometrics": (0.85, ("facial recognition", "face match", "identify people from photos", "voiceprint",
                          "faceprint")),
    "manipulation": (0.85, ("exploit their loneliness", "dark patterns", "false urgency", "guilt them into",
                            "subliminal")),
    "gambling": (0.85, ("place bets", "sportsbook", "betting odds", "online casino", "payday loan")),
    "high-stakes-decisions": (0.85, ("approve or deny", "approve or reject", "screen out applicants",
                                     "eligibility decision", "reject candidates", "visa applications",
                                     "credit decision")),
}


# A borderline score, as a model gives to flirting aimed at teenagers: not evidence for the CSAM hard limit.
BORDERLINE: dict[str, tuple[float, tuple[str, ...]]] = {
    "sexual/minors": (0.5, ("flirty roleplay with teens",)),
}


def borderline_keywords() -> KeywordDetector:
    """Phrases a model scores only moderately (see BORDERLINE)."""
    return KeywordDetector(BORDERLINE, negation=True, version="borderline")


def review_keywords() -> KeywordDetector:
    """The shipped keyword detector with the review fixtures' phrase rules (negations cancel a phrase)."""
    return KeywordDetector(KEYWORDS, negation=True)
