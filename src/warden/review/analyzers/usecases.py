"""Use-case signals read from what a submission says it does, for the rules the models score weakly.

The model heads for policy categories (regulated advice, high-stakes decisions,
campaigning, voter deterrence, gambling, fake engagement...) are trained on few
examples, so an app's own description of its job is read here as well, the way a
reviewer reads it: "diagnoses the user's symptoms and prescribes", "approves or
rejects loan applications automatically", "write reviews as different customers".

Two kinds of cue:

- a phrase pattern (`cues.cue`), negatable ("never diagnose" is advice, not intent);
- a co-occurrence (`Together`): words of two or more groups in the same sentence,
  in any order ("targeted campaign ads for Hispanic voters" and "for Hispanic
  voters, write campaign ads" both match).

This is a `Detector`, so its output goes through the same path as every other
detector's, with the span of each match as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warden.detect.protocol import TextDetector
from warden.detect.signals import Evidence, Signal
from warden.review.analyzers import cues
from warden.review.analyzers.cues import Cue, cue, negated
from warden.review.facts import Fact
from warden.review.fields import TextField
from warden.review.schema import AppSubmission, Submission

_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]?")


@dataclass(frozen=True, slots=True)
class Together:
    """Words of every group within one sentence, in any order."""

    groups: tuple[re.Pattern[str], ...]
    confidence: float
    detail: str
    unless: re.Pattern[str] | None = None  # a sentence that also says this does not count

    def find(self, text: str) -> list[tuple[int, int]]:
        spans = []
        for sentence in _SENTENCE.finditer(text):
            s = sentence.group(0)
            if self.unless is not None and self.unless.search(s):
                continue
            found = []
            for group in self.groups:
                hit = next((m for m in group.finditer(s) if not negated(s, m.start())), None)
                if hit is None:
                    break
                found.append(hit)
            else:
                spans.append((sentence.start() + min(m.start() for m in found),
                              sentence.start() + max(m.end() for m in found)))
        return spans


def together(*groups: str, confidence: float, detail: str, unless: str | None = None) -> Together:
    return Together(tuple(re.compile(rf"\b(?:{g})", re.I) for g in groups), confidence, detail,
                    re.compile(unless, re.I) if unless else None)


_PROFESSIONAL = (r"(?:doctors?|physicians?|clinicians?|gps?|nurses?|pharmacists?|lawyers?|attorneys?|solicitors?|"
                 r"paralegals?|(?:financial )?advis[eo]rs?|planners?|cpas?|accountants?|underwriters?|loan officers?|"
                 r"recruiters?|caseworkers?|case workers?|humans?|staff|reviewers?|officers?|specialists?)")
# The sentence puts a professional or a human in the loop ("talk to your doctor", "reviewed by a recruiter").
_IN_THE_LOOP = (rf"(?<!no )(?<!without )(?<!instead of )(?<!replaces )(?<!replace )(?:see|consult|talk to|ask|"
                rf"check with|visit|contact|discuss (?:\w+ ){{0,3}}with|reviewed by|checked by|approved by|"
                rf"signed off by|confirmed by) "
                rf"(?:your |a |an |their |the |our )?(?:licensed |qualified |human )?{_PROFESSIONAL}|"
                rf"(?<!no )(?<!without )(?<!any )(?<!never )\b{_PROFESSIONAL} (?:\w+ ){{0,3}}(?:reviews?|"
                r"makes? the final|approves|decides|signs? off)|"
                r"human[- ]in[- ]the[- ]loop|final (?:decision|say) (?:is|rests|stays|remains) with")


_YOU = r"(?:the user'?s?|users'?|their|your|patients'?|clients'?|customers'?|people'?s?|someone'?s)"

REGULATED: tuple[Cue | Together, ...] = (
    cue(r"\b(?:diagnos(?:e|es|is|ing)|prescrib(?:e|es|ing)|recommend(?:s|ing)? (?:a |the )?(?:dosage|dose|medication)|"
        r"treatment plans?|which medications?|adjust (?:their|your|the) (?:dose|dosage|medication))\b", 0.8,
        "gives medical diagnoses or prescriptions"),
    cue(r"\b(?:personali[sz]ed|tailored|individual|specific)\s+(?:legal|medical|health|financial|investment|tax)\s+"
        r"(?:advice|guidance|recommendations?|plans?|strateg(?:y|ies))", 0.8, "tailored professional advice"),
    cue(rf"\b(?:legal|medical|financial|investment|tax)\s+advice\s+(?:for|to|on|about)\s+{_YOU}", 0.8,
        "professional advice to individuals"),
    cue(r"\b(?:which|what)\s+(?:stocks?|shares|funds?|etfs?|crypto(?:currenc(?:y|ies))?)\s+"
        r"(?:to|they should|you should)"
        r"\s+(?:buy|sell)|\bportfolio (?:allocation|rebalancing)|\bbuy[/ ]sell (?:signals|calls|recommendations)",
        0.8, "tells people what to invest in"),
    cue(r"\b(?:draft|write|prepare|file)s?\s+(?:\w+\s+){0,2}?(?:wills?|contracts?|lawsuits?|motions?|legal filings?|"
        r"court filings?|custody (?:filings?|petitions?)|tax returns?)\s+(?:for|on behalf of)\b", 0.8,
        "prepares legal or tax documents for people"),
    cue(r"\b(?:represent|defend)s?\s+(?:the user|users|clients|them|you)\s+in\s+court\b|\blegal strateg(?:y|ies)\b|"
        r"\b(?:eviction|custody|divorce|immigration)\s+(?:case|defen[cs]e|strategy)\b", 0.8, "legal strategy"),
    together(r"symptoms?|conditions?|illness|disease|medications?|blood (?:test|work)|lab results",
             r"diagnos|tells? (?:them|the user|users|patients) (?:what|which)|what (?:they|it) (?:have|is)|"
             r"treat(?:ment|s|ing)?\b|prescri|dose|dosage",
             confidence=0.8, detail="medical diagnosis or treatment for individuals", unless=_IN_THE_LOOP),
)

HIGH_STAKES: tuple[Cue | Together, ...] = (
    cue(r"\b(?:returns?|gives?|issues?|makes?|outputs?)\s+(?:an?\s+|the\s+)?(?:instant\s+|automatic\s+|final\s+)?"
        r"(?:approve|approval|accept|yes)[/ -]+(?:or\s+)?(?:decline|deny|denial|reject|rejection|no)\b", 0.85,
        "returns approve-or-decline decisions"),
    together(r"approv|reject|deny|denies|declin|accept|shortlist|rank|screen(?:s|ing)? out|score|decid|determin"
             r"|eligib|disqualif",
             r"loans?|credit|mortgages?|applicants?|applications?|candidates?|job seekers|hires?|tenants?|rental "
             r"applications?|insurance claims?|claims|visas?|asylum|benefits?|welfare|admissions?|parole|bail|"
             r"sentenc",
             r"automatic|automated|without (?:a |any )?(?:human|person|anyone|manual|people)|"
             r"no (?:human|manual|person)|"
             r"on its own|by itself|final\b|instant|autonomous|in (?:under )?(?:a|one|\d+) (?:second|minute)s?\b|"
             r"real[- ]time (?:decisions?|approvals?)|(?:no one|nobody) (?:reviews|checks|looks)",
             confidence=0.85, detail="makes automated decisions about people's credit, jobs, housing or rights",
             unless=_IN_THE_LOOP),
    cue(r"\b(?:automatically|instantly|autonomously)\s+(?:approves?|rejects?|denies|declines?|accepts?|"
        r"disqualif(?:y|ies))\s+(?:\w+\s+){0,3}?(?:loan|credit|mortgage|applica|candidat|tenant|claim|visa|"
        r"asylum|benefit|admission)", 0.9, "approves or rejects applications automatically"),
)

_CAMPAIGN = (r"(?:political|election|electoral|re-?election|presidential|senate|congressional|gubernatorial|mayoral|"
             r"city council|school board|party) campaigns?|campaign (?:ads?|messag\w*|speech\w*|talking points|"
             r"mailers?|literature|slogans?) (?:for|supporting|attacking|about|against) (?:the |a |our |my |their )?"
             r"(?:candidate|senator|mayor|party|congress\w*|governor|president|ballot|measure|opponent)|"
             r"political candidates?|candidates? for (?:office|mayor|senate|congress|president|governor|council)|"
             r"(?:our|my|the) candidate'?s?\b|vote (?:for|against)\b|re-?elect|ballot (?:measures?|initiatives?|"
             r"propositions?)|get-out-the-vote|gotv|canvass\w*|political (?:ads?|messag\w*|content|persuasion|"
             r"talking points|mailers?)|persuad\w* (?:\w+ ){0,2}voters|swing voters|undecided voters|"
             r"lobby(?:ing|ists?)?\b|legislators?|lawmakers|members of congress")
_PRODUCE = r"write|writes|draft|generat|creat|craft|produc|personali[sz]|tailor|segment|target"
_GROUPS = (r"demographic|hispanic|latino|latina|black|african[- ]american|asian[- ]american|white|women|men\b|"
           r"young (?:people|voters)|seniors|retirees|millennials|gen ?z|evangelical|catholic|muslim|jewish|"
           r"christian|lgbt|veterans|union members|suburban|rural|zip codes?|income|age groups?|ethnic|religio|"
           r"gender|segments?|voter (?:files?|profiles?|lists?)|persona")

CAMPAIGNING: tuple[Cue | Together, ...] = (
    together(_CAMPAIGN, _PRODUCE, confidence=0.85, detail="produces campaign or lobbying material"),
    together(_CAMPAIGN, _GROUPS, _PRODUCE, confidence=0.9,
             detail="campaign material tailored to demographic groups"),
    cue(r"\b(?:fundraising|donation) (?:emails?|texts?|appeals?) for (?:the|our|a) (?:campaign|candidate|party)", 0.85,
        "campaign fundraising"),
)

ELECTIONS: tuple[Cue | Together, ...] = (
    cue(r"\b(?:don'?t|do not|no need to|no point in|never) bother (?:to )?vot|"
        r"\bvoting (?:doesn'?t|does not|won'?t|will "
        r"not) (?:matter|change anything|count)|\byour vote (?:won'?t|will not|doesn'?t|does not) count", 0.9,
        "tells people their vote does not matter", negatable=False),
    together(r"tell|remind|convince|persuade|encourag|urg|message|text",
             r"(?:not|never) (?:to )?vote|stay (?:at )?home (?:on|during) (?:election|voting)|"
             r"skip (?:the )?(?:election|vote)",
             confidence=0.9, detail="urges people not to vote"),
    together(r"discourag|suppress|deter\b|deters|deterr|intimidat",
             r"turnout|voters?|voting|from vot", confidence=0.9, detail="aims to suppress voting"),
    cue(r"\b(?:reduce|lower|depress|suppress|drive down)\w* (?:\w+ ){0,2}turnout", 0.9, "aims to suppress turnout"),
    cue(r"\bvote (?:by|via|over) (?:text|sms|phone|app|email|twitter)|\bpolls? (?:are|will be) closed\b|"
        r"\b(?:wrong|false|fake) (?:election )?(?:date|day|polling place|location)s?\b", 0.9,
        "false information about how or when to vote"),
)

GAMBLING: tuple[Cue | Together, ...] = (
    cue(r"\b(?:place|placing|take|taking|accept|accepting|make|making)\s+(?:\w+\s+)?(?:bets?|wagers?)\b|"
        r"\bsportsbooks?\b|\bbookmak|\b(?:online|live|real[- ]money)\s+(?:casino|poker|slots|roulette|blackjack|"
        r"betting|gambling)|\bbetting (?:odds|tips|picks|lines|slips)\b|\bparlays?\b|\bin-play bets?\b", 0.85,
        "real-money betting"),
    cue(r"\bpayday (?:loans?|lend|advance)|\bcash advances? (?:until|before|till) (?:your )?pay ?day|"
        r"\bshort[- ]term loans? (?:until|before|till) (?:your )?(?:next )?pay ?(?:day|check|cheque)", 0.85,
        "payday lending"),
)

FAKE_ENGAGEMENT: tuple[Cue | Together, ...] = (
    together(r"reviews?|testimonials?|ratings?|comments?|posts?|replies",
             r"as (?:\w+ ){0,2}(?:different|multiple|various|separate|distinct|many|real|satisfied|happy|verified|"
             r"independent) (?:customers|users|people|buyers|guests|patients|reviewers|accounts)|"
             r"(?:posing|pretending|appearing) (?:as|to be) (?:real |genuine |different )?(?:customers|users|buyers)|"
             r"from (?:different|multiple|fake) (?:accounts|profiles|names)|under different names",
             confidence=0.9, detail="fabricated reviews or engagement"),
    together(r"reviews?|testimonials?|ratings?|comments?|posts?",
             r"(?:from|across|using|with) (?:several|multiple|many|different|fake|sock[- ]?puppet|burner|\d+) "
             r"(?:accounts|profiles|identities)|(?:in|from|as) (?:a |each )?different (?:customer|reviewer|person|"
             r"user|buyer)'?s?|made-up|invented|fictional|fabricated|imaginary|"
             r"(?:look|appear|seem|sound)s? (?:like )?(?:they (?:come|came) from|written by|from) "
             r"(?:real|genuine|actual) ",
             confidence=0.9, detail="reviews or testimonials in made-up people's names"),
    together(r"post|write|generat|creat|leave|publish|submit",
             r"(?:five|5)[- ]star reviews?|glowing reviews?|positive reviews?",
             r"(?:our|my|the client'?s?|your) (?:own )?(?:business|shop|store|restaurant|products?|app|company|"
             r"listing|page|hotel|clinic|salon)|on (?:google|yelp|amazon|tripadvisor|trustpilot|the app store)",
             confidence=0.8, detail="posts positive reviews of one's own business"),
    cue(r"\bfake (?:reviews?|testimonials?|followers|likes|engagement|ratings?|comments?|accounts)\b|"
        r"\b(?:buy|boost|inflate)\w* (?:\w+ ){0,2}(?:ratings|reviews|followers|likes)\b.{0,40}?\b(?:fake|bot|"
        r"generated)\b", 0.9, "fake engagement"),
)

_COMPETITOR = (r"(?:competitors?(?: (?:products?|brands?|apps?|services?|stores?|tools?))?|"
               r"competing (?:products?|brands?|services?|stores?|apps?)|"
               r"rival (?:brands?|products?|stores?|shops?|services?|apps?|companies|sellers|retailers)|"
               r"other (?:stores|shops|brands|retailers|sellers|vendors))")
STEERING_USERS: tuple[Cue | Together, ...] = (
    cue(rf"\b(?:disparage|badmouth|bad-mouth|trash|belittle|mock|discredit|smear)\w*\s+(?:\w+\s+){{0,2}}?{_COMPETITOR}",
        0.85, "disparages competitors", negatable=False),
    cue(rf"\b{_COMPETITOR}\s+(?:are|is)\s+(?:all\s+)?(?:scams?|inferior|worse|unsafe|dangerous|unreliable|frauds?|"
        r"rip-?offs?|garbage|terrible)", 0.85, "tells users competitors are bad", negatable=False),
    cue(rf"\b(?:never|do not|don't)\s+(?:\w+\s+)?(?:mention|recommend|suggest|acknowledge|name|compare)\w*\s+"
        rf"(?:\w+\s+){{0,2}}?{_COMPETITOR}", 0.45, "hides competitors from users", negatable=False),
)

MANIPULATION: tuple[Cue | Together, ...] = (
    cue(r"\bexploit\w*\s+(?:their|users'?|people'?s|the user'?s|customers'?|players'?)\s+(?:\w+\s+)?(?:loneliness|"
        r"insecurit\w*|fears?|grief|anxiet\w*|addiction|vulnerab\w*|emotions?|impulsiv\w*)", 0.85,
        "exploits people's vulnerabilities"),
    cue(r"\b(?:false|fake|artificial|manufactured)\s+(?:urgency|scarcity|countdowns?|deadlines?)\b|\bdark patterns?\b",
        0.85, "manipulative design (false urgency, dark patterns)"),
    cue(r"\b(?:guilt|shame|pressure|scare|frighten)\w*(?:-trip\w*)?\s+(?:them|users|people|the user|customers|kids|"
        r"teens|players)\s+into\s+(?:buying|paying|spending|subscribing|upgrading|purchasing|staying)", 0.85,
        "pressures people into paying"),
)

_FACE = (r"fac(?:e|es|ial)(?:[- ](?:recognition|matching|match|search|scan\w*|id|print|geometry|embeddings?))?|"
         r"faceprints?|headshots?|selfies?|photos? of (?:people|strangers|someone|a person|them)|"
         r"voiceprints?|voice samples?|fingerprints?|iris|gait|retina")
BIOMETRICS: tuple[Cue | Together, ...] = (
    cue(r"\b(?:facial|face)[- ](?:recognition|matching|search|identification)\b|\b(?:face|voice)prints?\b|"
        r"\bbiometric (?:identification|matching|databases?|templates?)\b", 0.85,
        "biometric identification"),
    together(r"identif|recogni[sz]|match(?:es|ing)? (?:\w+ ){0,3}(?:against|to)|find (?:out )?who|"
             r"look(?:s|ing)? up who|who (?:is|they are|the person)|name (?:the|a|any) (?:person|stranger)|"
             r"enrol|database",
             _FACE, confidence=0.85, detail="identifies people from their face, voice or body"),
)

_MESSAGES = r"(?:e-?mails?|messages|texts|sms|dms|direct messages|whatsapps?|calls|robocalls|comments|posts)"
SPAM: tuple[Cue | Together, ...] = (
    cue(rf"\bunsolicited\s+(?:\w+\s+){{0,3}}?{_MESSAGES}", 0.85, "unsolicited bulk messages"),
    cue(rf"\b(?:mass|bulk)[- ](?:{_MESSAGES}|e-?mail(?:ing)?|messaging|texting|dm(?:ing)?)\b(?:\s+\w+){{0,6}}?\s+"
        r"(?:bought|purchased|scraped|harvested|rented|cold)\s+(?:\w+\s+)?(?:lists?|addresses|numbers|contacts|leads)",
        0.85, "bulk messages to bought or scraped lists"),
    cue(r"\bblast\w*\s+(?:\w+\s+){0,3}?(?:thousands|millions|hundreds|tens of thousands|every(?:one| number| address))",
        0.85, "blasts messages at scale"),
    together(r"send|blast|message|text|e-?mail|dm|post",
             r"(?:bought|purchased|scraped|harvested) (?:\w+ )?(?:lists?|addresses|numbers|contacts)|"
             r"without (?:their |any )?(?:consent|opt-?in)|never opted in",
             confidence=0.85, detail="messages people who did not opt in"),
)

_TARGET = (r"(?:(?:their|her|his|the user'?s|my|your) (?:ex|partner|boss|coworkers?|co-workers?|colleagues?|"
           r"neighbou?rs?|classmates?|teachers?|landlord|family)|an? (?:ex|person|classmate|coworker|neighbou?r)|"
           r"someone|people|her|him|them)")
HARASSMENT: tuple[Cue | Together, ...] = (
    together(r"write|send|generat|draft|creat|compose|post|text|message|spam",
             r"threaten\w*|harass\w*|humiliat\w*|intimidat\w*|bully\w*|torment\w*|stalk\w*|insult\w*|"
             r"make (?:their|her|his) li(?:fe|ves) (?:a )?(?:miserable|hell)",
             _TARGET, confidence=0.85, detail="produces messages that harass or threaten a person"),
)

DISINFORMATION: tuple[Cue | Together, ...] = (
    cue(r"\b(?:fake|fabricated|false|made-up|invented|bogus)\s+(?:news|news (?:stories|articles|reports)|"
        r"(?:wire |press )?(?:stories|articles|reports)|quotes?|headlines?)\b", 0.85,
        "fabricated news or quotes presented as real"),
    together(r"invent\w*|fabricat\w*|made-up|make up|fake",
             r"quotes?|sources?|statistics|studies|evidence|interviews?",
             r"news|articles?|stories|reports?|posts?|publish",
             confidence=0.85, detail="fabricated quotes or sources in published stories"),
)

_YOUNG = (r"teens?\b|teenagers?|minors?\b|kids?\b|children|child\b|under[- ]?(?:13|16|18)|"
          r"(?:1[0-7]|[5-9])[- ]?year[- ]?olds?|"
          r"middle[- ]schoolers?|high[- ]schoolers?|schoolgirls?|schoolboys?|preteens?|tweens?")
# A model scores sexual content aimed at minors only moderately; this is a reviewer's case (the
# child-safety review rules), never the CSAM hard limit, which needs strong evidence.
MINORS_SEXUAL: tuple[Cue | Together, ...] = (
    together(r"flirt\w*|romantic|romance|dating|seduc\w*|sexy|sexual\w*|erotic|intimate|make[- ]out|crush",
             r"role-?play\w*|chat\w*|play\w*|pretend\w*|messages?|practi[sc]e",
             _YOUNG, confidence=0.6, detail="romantic or sexual roleplay aimed at minors"),
)

GROUPS: tuple[tuple[str, tuple[Cue | Together, ...]], ...] = (
    ("harassment", HARASSMENT),
    ("disinformation", DISINFORMATION),
    ("sexual/minors", MINORS_SEXUAL),
    ("spam", SPAM),
    ("biometrics", BIOMETRICS),
    ("regulated-advice", REGULATED),
    ("high-stakes-decisions", HIGH_STAKES),
    ("political-campaigning", CAMPAIGNING),
    ("elections", ELECTIONS),
    ("gambling", GAMBLING),
    ("fraud", FAKE_ENGAGEMENT),
    ("manipulation", STEERING_USERS + MANIPULATION),
)


def _spans(c: Cue | Together, text: str) -> list[tuple[int, int]]:
    if isinstance(c, Together):
        return c.find(text)
    return [(m.start(), m.end()) for m in c.pattern.finditer(text)
            if not (c.negatable and negated(text, m.start()))]


class UseCaseDetector(TextDetector):
    """What an app says it does, as policy-category signals (see the module docstring)."""

    name = "review-usecases"
    version = "2"
    # In app review (benchmarks/review.py) this detector is the measured source for its categories:
    # where it ran, a weak model head's score for one of them is no evidence, and spam is read here
    # only (the model's SMS-trained spam head scored "Instant replies to every text your business
    # gets" 0.59). See warden.detect.quality.superseded.
    covers_weak = frozenset(category for category, _ in GROUPS)
    covers = frozenset({"spam"})

    def signals_for(self, text: str) -> list[Signal]:
        out = []
        for category, group in GROUPS:
            hits = [(c.confidence, Evidence(detail=c.detail, start=s, end=e))
                    for c in group for s, e in _spans(c, text)]
            if hits:
                out.append(Signal(category=category, score=max(score for score, _ in hits), detector=self.ident,
                                  evidence=tuple(e for _, e in hits)))
        return out

    def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
        return [self.signals_for(t) for t in texts]


# --- facts --------------------------------------------------------------------------------------------

NAME = "usecases"

REVIEWED = (
    cue(rf"\b(?:reviewed|checked|approved|verified|signed off|vetted)\s+(?:\w+\s+){{0,2}}?by\s+(?:a\s+|an\s+|our\s+|"
        rf"the\s+)?(?:licensed|qualified|board-certified|registered|certified|practising|practicing)?\s*"
        rf"{_PROFESSIONAL}", 0.85, "a professional reviews the advice"),
    cue(rf"\b(?:licensed|qualified|board-certified|registered|certified)\s+{_PROFESSIONAL}\s+(?:\w+\s+){{0,2}}?"
        r"(?:reviews?|checks?|approves?|signs? off on|verif(?:y|ies))", 0.85, "a professional reviews the advice"),
)
UNREVIEWED = (
    cue(rf"\b(?:without|no\s+need\s+(?:for|to\s+see)|instead\s+of|replaces?|skip)\s+(?:a\s+|an\s+|any\s+|the\s+|your\s+)?"
        rf"(?:\w+\s+)?{_PROFESSIONAL}", 0.9, "says no professional is involved", negatable=False),
    cue(rf"\bno\s+(?:\w+\s+)?{_PROFESSIONAL}\s+(?:is\s+)?(?:involved|needed|required|in the loop|reviews?)", 0.9,
        "says no professional is involved", negatable=False),
)
LIMITATIONS = (
    cue(r"\b(?:not a substitute for|does not replace|doesn't replace|limitations|can make mistakes|may be (?:wrong|"
        r"inaccurate|incomplete)|(?:is|are) (?:an? )?ai[- ](?:generated|assisted|powered)|informational purposes only)",
        0.85, "tells users the AI's limits"),
)

_WORD = r"(?:[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?|[A-Z]\.)"
_NAME = rf"{_WORD}(?:\s+(?:{_WORD}|de|van|von|da)){{1,3}}"
_REAL = (r"(?i:the\s+real|the\s+actual|real-life|famous|celebrity|the\s+singer|the\s+actor|the\s+actress|the\s+rapper|"
         r"the\s+footballer|the\s+athlete|the\s+ceo|the\s+influencer|the\s+youtuber|the\s+streamer|the\s+politician|"
         r"the\s+senator|the\s+president|the\s+podcaster|the\s+host)")
# One capitalised word or more, when the sentence says the person is real and known: "You are Drake,
# the rapper", "talk to fans as Taylor Swift would", "roleplay as Elon Musk ... as him".
_NAME_1 = rf"{_WORD}(?:\s+(?:{_WORD}|de|van|von|da)){{0,3}}"
_KNOWN = (r"(?i:the\s+(?:rapper|singer|actor|actress|athlete|footballer|ceo|founder|billionaire|politician|president|"
          r"senator|influencer|youtuber|streamer|podcaster|star|comedian|author|musician)|(?:his|her) (?:fans|albums?|"
          r"songs?|films?|movies?|career|tweets?|company|companies|shows?|music)|with (?:his|her|their)? ?fans|"
          r"fans|in (?:his|her) (?:own )?(?:voice|style|words)|as (?:him|her)(?:self)?\b|(?:he|she) would)")
IMPERSONATION: tuple[re.Pattern[str], ...] = (
    re.compile(rf"\b(?i:you\s+are|you're|act\s+as|play|pretend\s+to\s+be|roleplay\s+as|role-play\s+as|impersonate|"
               rf"speak\s+as|respond\s+as|talk\s+as|reply\s+as|become)\s+{_REAL}\s+(?P<name>{_NAME})"),
    re.compile(rf"\b(?i:impersonat\w*|clone\s+of|voice\s+of|digital\s+twin\s+of|ai\s+version\s+of)\s+(?i:the\s+)?"
               rf"(?:[a-z]+\s+)?(?P<name>{_NAME})"),
    re.compile(rf"\b(?i:you\s+are|you're|pretend\s+to\s+be|roleplay\s+as|speak\s+as)\s+(?P<name>{_NAME}),\s+"
               r"(?i:the\s+)?(?i:famous|real|well-known|popular|award-winning|grammy|oscar|olympic|billionaire|celebrity)"),
    re.compile(rf"\b(?i:you\s+are|you're|as)\s+(?P<name>{_NAME})\b.{{0,60}}?\b(?i:in\s+the\s+first\s+person|"
               r"never\s+break\s+character|real\s+person|not\s+an?\s+(?:ai|bot))", re.S),
    re.compile(rf"\b(?i:you\s+are|you're|act\s+as|play|pretend\s+to\s+be|roleplay\s+as|role-play\s+as|impersonate|"
               rf"speak\s+as|respond\s+as|talk\s+(?:to\s+\w+\s+)?as|reply\s+as|chat\s+(?:with\s+\w+\s+)?as|be|"
               rf"become)\s+(?P<name>{_NAME_1})\b[^.!?\n]{{0,80}}?{_KNOWN}"),
)
_NOT_A_PERSON = re.compile(r"^(?:The|This|Your|Our|A|An|You|I|We|They|It|Never|Always|GPT|AI)\b")


def _fact(path: str, value: object, c: Cue, hit: Any) -> Fact:
    return Fact(path, value, c.confidence, NAME, c.detail, hit.field.pointer, hit.start, hit.end)


def _impersonated(fields: Sequence[TextField]) -> Fact | None:
    for field in fields:
        if field.is_name:
            continue
        for i, pattern in enumerate(IMPERSONATION):
            for m in pattern.finditer(field.text):
                name = m.group("name")
                if _NOT_A_PERSON.match(name) or negated(field.text, m.start()):
                    continue
                confidence = 0.85 if i < 3 else 0.6
                return Fact("app.simulates_person", name, confidence, NAME, f"plays a real, named person: {name}",
                            field.pointer, m.start(), m.end())
    return None


def analyze(submission: Submission, fields: Sequence[TextField]) -> list[Fact]:
    """Disclosures and declarations the submission's own text settles: professional review, stated
    limitations, and the real person it plays."""
    if not isinstance(submission, AppSubmission):
        return []
    facts: list[Fact] = []
    d = submission.disclosures
    if d.professional_review is None:
        against = cues.best(cues.find(fields, UNREVIEWED))
        hit = against or cues.best(cues.find(fields, REVIEWED))
        if hit is not None:
            facts.append(_fact("app.disclosures.professional_review", against is None, hit.cue, hit))
    if d.limitations is None:
        hit = cues.best(cues.find(fields, LIMITATIONS))
        if hit is not None:
            facts.append(_fact("app.disclosures.limitations", True, hit.cue, hit))
    if not submission.simulates_person:
        person = _impersonated(fields)
        if person is not None:
            facts.append(person)
    return facts
