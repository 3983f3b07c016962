"""Typed model of a policy pack and of an overlay.

Packs are data: YAML files validated by these models before anything uses them.
Ordered enums (severity, verdict, action) define what "stricter" means, which
is what layering relies on.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warden.categories import is_category
from warden.policy import expr

RULE_ID = r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$"
PACK_ID = r"^[a-z0-9][a-z0-9-]*$"


class _Ordered(StrEnum):
    """A string enum whose members compare by declaration order (later = stricter)."""

    @property
    def rank(self) -> int:
        return list(type(self)).index(self)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank >= other.rank


class Severity(_Ordered):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Verdict(_Ordered):
    ALLOW = "allow"
    FLAG = "flag"
    BLOCK = "block"


class Action(_Ordered):
    """Enforcement actions, from mildest to most severe (the ladder's rungs)."""

    NONE = "none"
    WARNING = "warning"
    CONTENT_REMOVAL = "content_removal"
    SHARING_RESTRICTION = "sharing_restriction"
    STORE_DELISTING = "store_delisting"
    MONETIZATION_INELIGIBILITY = "monetization_ineligibility"
    FEATURE_RESTRICTION = "feature_restriction"
    SUSPENSION = "suspension"
    TERMINATION = "termination"


class Surface(StrEnum):
    ALL = "all"
    API = "api"
    CHATGPT = "chatgpt"
    GPT_BUILDER = "gpt-builder"
    GPT_STORE = "gpt-store"
    PLUGIN = "plugin"
    VISUAL = "visual"
    VOICE = "voice"
    CONNECTORS = "connectors"
    ENTERPRISE = "enterprise"


class RuleKind(StrEnum):
    PROHIBITION = "prohibition"
    REQUIREMENT = "requirement"
    STORE_ELIGIBILITY = "store-eligibility"
    OBLIGATION = "obligation"  # a duty of the platform itself, e.g. "users can appeal"


class Layer(StrEnum):
    PLATFORM = "platform"
    OPERATOR = "operator"  # an organization's overlay
    WORKSPACE = "workspace"  # one workspace of that organization
    USER = "user"  # an end user's settings, where the layers above delegate them

    @property
    def depth(self) -> int:
        return list(Layer).index(self)


class Setting(StrEnum):
    """What a layer may hand down for the layer below to relax."""

    THRESHOLD = "threshold"  # raise a signal's min_score
    ACTION = "action"  # choose a milder verdict, severity or action
    DISABLE = "disable"  # switch the rule off
    EXCEPTIONS = "exceptions"  # grant one of the rule's exceptions by default


class ExceptionKind(StrEnum):
    SCIENTIFIC = "scientific"
    EDUCATIONAL = "educational"
    SEX_EDUCATION = "sex-education"
    RED_TEAM = "red-team"
    PUBLICATION_RESEARCH = "publication-research"
    HISTORICAL_PUBLIC_FIGURE = "historical-public-figure"
    CONSENT = "consent"
    MEDICAL_OR_SAFETY = "medical-or-safety"
    PROFESSIONAL_REVIEW = "professional-review"
    OBVIOUS_FROM_CONTEXT = "obvious-from-context"
    AT_RISK = "at-risk"  # the speaker is a person at risk, answered by a safe-messaging rule
    OTHER = "other"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


def _check_expression(value: str | None) -> str | None:
    if value is not None:
        expr.compile_expression(value)  # raises ValueError with the parser's message
    return value


class Citation(_Strict):
    document: str = Field(min_length=1)
    date: dt.date
    section: str = Field(min_length=1)
    item: str | None = None  # as the document numbers it; bullets are counted from 1
    note: str | None = None


class SignalTrigger(_Strict):
    category: str
    min_score: float = Field(default=0.5, ge=0.0, le=1.0)

    @field_validator("category")
    @classmethod
    def _known(cls, v: str) -> str:
        if not is_category(v):
            raise ValueError(f"unknown signal category {v!r}")
        return v


class Match(StrEnum):
    ALL = "all"  # a listed signal reaches its score AND the condition holds
    ANY = "any"  # a listed signal reaches its score OR the condition holds


class Triggers(_Strict):
    """When a rule fires: listed signals (any one reaching its min_score) and a condition.

    `match` combines the two parts when both are given. With only one part, that
    part decides; with neither, the rule is enforced through human review only.
    """

    signals: list[SignalTrigger] = Field(default_factory=list)
    condition: str | None = None  # CEL over the decision context
    match: Match = Match.ALL

    _v = field_validator("condition")(_check_expression)


class RuleException(_Strict):
    kind: ExceptionKind
    summary: str = Field(min_length=1)
    when: str | None = None  # CEL: the context that establishes the exception
    citation: Citation | None = None

    _v = field_validator("when")(_check_expression)


class CarriedForward(_Strict):
    """A rule kept in force from an earlier version whose text this version's copy lost.

    It is the platform's reading of the lost text, not the document's wording: `rule` and
    `citation` name the earlier rule it continues (the citation must be that rule's own), and
    `note` says what survives in this version that the reading rests on.
    """

    pack: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*@.+$")]  # family@version of the earlier pack
    rule: Annotated[str, Field(pattern=RULE_ID)]
    citation: Citation
    note: str = Field(min_length=1)


class SupportResource(_Strict):
    """Where a person at risk can get help now (named in the safe-messaging notice)."""

    name: str = Field(min_length=1)
    contact: str | None = None  # e.g. "call or text 988"
    url: str | None = None
    region: str | None = None  # where it serves; None: anywhere


class SafeMessaging(_Strict):
    """A rule that answers a person at risk instead of penalising them.

    When it fires, the decision carries a `safe_messaging` outcome (support resources for the
    notice, and a human check-in at or above `escalate_min_score`), never a violation: no strike,
    no ladder. While it fires, signals in `yields` are read as part of the person's distress, so a
    rule that fires only on them is recorded as an exemption, not a violation. Hard limits never
    yield.
    """

    resources: list[SupportResource] = Field(min_length=1)
    escalate_min_score: float | None = Field(default=None, ge=0.0, le=1.0)
    yields: list[str] = Field(default_factory=list)

    @field_validator("yields")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [c for c in v if not is_category(c)]
        if unknown:
            raise ValueError(f"unknown signal categories {unknown}")
        return v


class Enforcement(_Strict):
    severity: Severity = Severity.MEDIUM
    verdict: Verdict = Verdict.FLAG
    action: Action = Action.WARNING


class Rule(_Strict):
    id: Annotated[str, Field(pattern=RULE_ID)]
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    citation: Citation
    also_cites: list[Citation] = Field(default_factory=list)
    surfaces: list[Surface] = Field(min_length=1)
    kind: RuleKind
    hard_limit: bool = False
    exceptions: list[RuleException] = Field(default_factory=list)
    triggers: Triggers | None = None
    enforcement: Enforcement = Field(default_factory=Enforcement)
    delegates: list[Setting] = Field(default_factory=list)
    supersedes: list[str] = Field(default_factory=list)  # ids in the previous version
    source_gap: str | None = None
    carried_forward: CarriedForward | None = None
    safe_messaging: SafeMessaging | None = None

    @model_validator(mode="after")
    def _hard_limits_are_fixed(self) -> Rule:
        if self.hard_limit and self.delegates:
            raise ValueError("a hard limit cannot delegate any setting to a lower layer")
        return self

    @model_validator(mode="after")
    def _carried_forward_rests_on_a_gap(self) -> Rule:
        if self.carried_forward is not None and self.source_gap is None:
            raise ValueError("a carried-forward rule must say, in source_gap, which lost text it stands in for")
        return self

    @model_validator(mode="after")
    def _safe_messaging_never_penalises(self) -> Rule:
        if self.safe_messaging is None:
            return self
        e = self.enforcement
        if self.hard_limit or e.action is not Action.NONE or e.verdict is not Verdict.FLAG:
            raise ValueError("a safe-messaging rule is a response, not a penalty: "
                             "enforcement must be {verdict: flag, action: none} and it cannot be a hard limit")
        if self.triggers is None or not self.triggers.signals:
            raise ValueError("a safe-messaging rule needs signal triggers")
        return self

    def covers(self, surface: Surface | str) -> bool:
        s = Surface(surface)
        return Surface.ALL in self.surfaces or s in self.surfaces


class ChangelogEntry(_Strict):
    date: dt.date
    summary: str = Field(min_length=1)


class SourceItem(_Strict):
    """One numbered item of the source document, for the coverage table."""

    section: str
    item: str | None = None
    label: str = Field(min_length=1)  # a few words of our own, not the document's sentence
    gap: bool = False  # the item is missing from our copy of the source


class PackSource(_Strict):
    document: str
    date: dt.date
    file: str  # the seed file this pack encodes
    outline: list[SourceItem] = Field(default_factory=list)


class PackHeader(_Strict):
    id: Annotated[str, Field(pattern=PACK_ID)]  # the family: versions share it
    version: str = Field(min_length=1)
    title: str
    effective: dt.date
    layer: Layer = Layer.PLATFORM
    extends: str | None = None  # "family@version": inherit its rules, then override
    source: PackSource
    notes: str | None = None
    source_gaps: list[str] = Field(default_factory=list)
    changelog: list[ChangelogEntry] = Field(default_factory=list)


class Pack(_Strict):
    pack: PackHeader
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Pack:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return self

    @model_validator(mode="after")
    def _carried_from_earlier(self) -> Pack:
        for rule in self.rules:
            cf = rule.carried_forward
            if cf is None:
                continue
            if cf.pack == self.ref or cf.citation.date >= self.pack.effective:
                raise ValueError(f"rule {rule.id!r} is carried forward from {cf.pack}, "
                                 "which must be an earlier version")
        return self

    @property
    def ref(self) -> str:
        return f"{self.pack.id}@{self.pack.version}"


class Adjustment(_Strict):
    """An overlay's change to an inherited rule. Unset fields leave it as it is."""

    rule: Annotated[str, Field(pattern=RULE_ID)]
    enabled: bool | None = None
    min_score: float | None = Field(default=None, ge=0.0, le=1.0)
    category: str | None = None  # limit min_score to one signal; default: all of the rule's
    severity: Severity | None = None
    verdict: Verdict | None = None
    action: Action | None = None
    grant_exceptions: list[ExceptionKind] = Field(default_factory=list)
    delegates: list[Setting] | None = None  # narrow what the next layer may relax
    reason: str | None = None


class OverlayHeader(_Strict):
    id: Annotated[str, Field(pattern=PACK_ID)]
    title: str
    layer: Layer
    notes: str | None = None

    @field_validator("layer")
    @classmethod
    def _not_platform(cls, v: Layer) -> Layer:
        if v is Layer.PLATFORM:
            raise ValueError("an overlay is an operator, workspace or user layer; platform rules go in a pack")
        return v


class Overlay(_Strict):
    overlay: OverlayHeader
    rules: list[Rule] = Field(default_factory=list)  # rules the layer adds
    adjust: list[Adjustment] = Field(default_factory=list)

