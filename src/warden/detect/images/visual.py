"""The `visual` detector: what a request asks about the image it carries (service terms §6).

The service terms forbid using image inputs to identify a person, to infer private or sensitive
information about them, or to reproduce anyone's likeness without consent (never a minor's).
None of that is visible in the pixels alone: it is the pairing of an image with a request. This
detector reads the text of a content **only when the content also holds an image** and reports:

| category | the request, with an image present |
|---|---|
| `visual-identification` | who the pictured person is, their name, their profiles, a face search |
| `visual-inference` | where they live or work, their address; religion, ethnicity, sexuality, health, |
| | politics, immigration status, age or criminal record |
| `visual-likeness` | new images or video of the pictured person, their face put on something, a deepfake |
| `visual-minor-likeness` | a likeness request where the pictured person is a child or a teenager |

It is a set of deterministic cues (regular expressions, evidence spans), not a face detector:
it does not check that the image shows a person, so it can fire on "who is the person in this
photo" over a landscape. The rules that read these signals cite §6 of the service terms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from warden.detect.images.intake import image_parts
from warden.detect.protocol import Content, Modality, text_of
from warden.detect.signals import Evidence, Signal

_PERSON = (r"(?:the |this |that |these |those )?(?:person|people|man|woman|men|women|guy|girl|boy|lady|kid|child|"
           r"individual|face|someone|him|her|them|he|she|they)")
_PICTURED = r"(?:in|on|from)\s+(?:the |this |that |my )?(?:photo|picture|pic|image|video|screenshot|selfie|frame)"

CUES: dict[str, list[str]] = {
    "visual-identification": [
        rf"\bwho\s+(?:is|are|'s)\s+{_PERSON}\b",
        r"\bwho\s+(?:is|are|'s)\s+(?:this|that|these|those)\s*(?:\?|$|\b(?:in|on)\b)",
        rf"\bidentify\s+{_PERSON}",
        r"\b(?:what|tell me)\s+(?:is\s+)?(?:his|her|their)\s+(?:full\s+|real\s+)?name\b",
        r"\bwhat(?:'s| is)\s+(?:the\s+)?name\s+of\s+(?:this|that|the)\s+(?:person|man|woman|guy|girl)",
        r"\bwhat(?:'s| is)\s+(?:this|that|the)\s+(?:person|man|woman|guy|girl|boy|lady)'s\s+name\b",
        r"\b(?:find|look up|search for)\s+(?:his|her|their|this person's)\s+(?:profile|instagram|facebook|"
        r"linkedin|social media|accounts?)",
        r"\b(?:reverse\s+image|face)\s+(?:search|recognition|match)\b",
        r"\brecogni[sz]e\s+(?:this|the|that)\s+(?:person|face|man|woman)",
    ],
    "visual-inference": [
        r"\bwhere\s+(?:does|do)\s+(?:he|she|they|this person|the person)\s+(?:live|work|stay)\b",
        r"\b(?:his|her|their|this person's)\s+(?:home\s+)?(?:address|location|workplace|phone number)\b",
        r"\bhome\s+address\b",
        r"\b(?:is|are)\s+(?:he|she|they|this person|the person)\s+(?:gay|lesbian|straight|bisexual|trans|"
        r"transgender|muslim|jewish|christian|hindu|an? immigrant|illegal|undocumented|sick|pregnant|"
        r"disabled|a criminal|on drugs|(?:an?\s+)?(?:illegal|undocumented)(?:\s+immigrant)?)\b",
        r"\bwhat\s+(?:religion|ethnicity|race|nationality|sexual orientation|political party)\s+(?:is|are)\s+"
        r"(?:he|she|they|this person|the person|this (?:man|woman|guy|girl))\b",
        r"\b(?:his|her|their|this person's)\s+(?:religion|ethnicity|race|sexual orientation|sexuality|"
        r"political (?:views|party|affiliation)|health|medical condition|diagnosis|immigration status|"
        r"criminal record|income)\b",
        rf"\bhow old\s+(?:is|are)\s+{_PERSON}\b",
    ],
    "visual-likeness": [
        r"\b(?:make|create|generate|render|draw|produce)\s+(?:an?\s+|some\s+)?(?:new\s+)?(?:image|picture|photo|"
        r"video|portrait|clip)s?\s+(?:of|with|showing)\s+(?:him|her|them|this (?:person|man|woman|guy|girl)|"
        r"the (?:person|man|woman) (?:in|from))",
        r"\b(?:put|paste|swap|place)\s+(?:his|her|their|this person's|the)\s+face\b",
        r"\bface[\s-]?swap\b",
        r"\bdeep\s?fake\b",
        r"\bmake\s+(?:him|her|them|this person)\s+(?:look|appear)\s+(?:like|as if|naked|nude|undressed)",
        r"\b(?:undress|nudify|remove (?:his|her|their) clothes)\b",
        r"\bsame (?:face|person) (?:as|in) (?:this|the) (?:photo|picture|image)",
    ],
}
_MINOR = re.compile(r"\b(?:child|children|kid|kids|boy|girl|toddler|baby|teen|teenager|minor|my (?:son|daughter)|"
                    r"(?:1[0-7]|[1-9])[- ]?(?:years?[- ]old|yo))\b", re.IGNORECASE)
_COMPILED = {cat: [re.compile(p, re.IGNORECASE) for p in pats] for cat, pats in CUES.items()}
SCORE = 0.9


class VisualCueDetector:
    name = "visual"
    version = "1"
    modalities: tuple[Modality, ...] = ("text",)
    categories: tuple[str, ...] = ("visual-identification", "visual-inference", "visual-likeness",
                                   "visual-minor-likeness")

    def signals_for(self, text: str) -> list[Signal]:
        out = []
        ident = f"{self.name}@{self.version}"
        for category, patterns in _COMPILED.items():
            spans = [m for p in patterns for m in p.finditer(text)]
            if not spans:
                continue
            evidence = tuple(Evidence(detail=f"asks about the pictured person: {m.group(0)!r}", start=m.start(),
                                      end=m.end()) for m in sorted(spans, key=lambda m: m.start())[:5])
            out.append(Signal(category=category, score=SCORE, detector=ident, evidence=evidence))
            if category == "visual-likeness":
                minor = _MINOR.search(text)
                if minor is not None:
                    out.append(Signal(category="visual-minor-likeness", score=SCORE, detector=ident, evidence=(
                        Evidence(detail=f"likeness request about a minor: {minor.group(0)!r}", start=minor.start(),
                                 end=minor.end()),)))
        return out

    def detect(self, contents: Sequence[Content]) -> list[list[Signal]]:
        return [self.signals_for(text_of(c)) if image_parts(c) else [] for c in contents]
