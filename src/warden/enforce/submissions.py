"""The automated path: content and its signals in, a recorded decision and its consequences out.

Violations that clear the organization's auto-action bar (a block verdict, a
score at or above `auto_action_min_score`, or any hard limit) are enforced at
once; the rest open a case in the review queue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from warden.decide import Decision, decide
from warden.detect.images.facts import ImageFacts, describe
from warden.detect.protocol import Content, ContentPart
from warden.detect.signals import Signal
from warden.enforce import audit, cases, connectors, enforcement, exemptions, imagebytes, mandatory, safety, strikes
from warden.enforce.enforcement import EnforcementResult
from warden.enforce.errors import Conflict, Invalid
from warden.enforce.kinds import CaseKind, Source
from warden.enforce.principal import Permission, Principal
from warden.enforce.safety import SafetyResponse
from warden.enforce.scoping import get_org, get_scoped
from warden.policy.layering import EffectivePolicy
from warden.policy.model import Severity, Surface, Verdict
from warden.store.tables import Account, App, ContentImage, ContentItem, DecisionRecord, new_id
from warden.trends import metrics

if TYPE_CHECKING:
    from warden.detect.images.intake import ImageIntake
    from warden.screening import Screener


@runtime_checkable
class PolicySource(Protocol):
    """The policy an organization (and a workspace, and an end user) runs under: `PolicyProvider` is one."""

    def __call__(self, org_id: str, workspace_id: str | None = None,
                 user_id: str | None = None) -> EffectivePolicy: ...


class Submission(BaseModel):
    org_id: str
    account_id: str | None = None
    app_id: str | None = None
    content: str = Field(min_length=1, max_length=200_000)
    content_type: str = Field(default="text", pattern=r"^(text|image|mixed|audio|video|app|manifest)$")
    # Image inputs (data:image/... or http(s) URLs) for content_type image or mixed; an image submission
    # may instead give its one image URL as `content`. Kept as hashes and metadata; the bytes only where the
    # operator enables it (sealed; never for suspected CSAM: `warden.enforce.imagebytes`).
    images: list[str] = Field(default_factory=list, max_length=16)
    # Scores from an external detector; when empty, text content is scored by Warden's own detectors
    # (the caller screens it before the transaction opens: see `needs_detection`).
    signals: dict[str, float] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    surface: Surface | None = None
    detector: str | None = None
    detector_version: str | None = None
    reach: int = Field(default=0, ge=0)


class SubmissionResult(BaseModel):
    content_id: str
    decision: Decision
    outcome: str  # allowed | actioned | queued | safe_messaging
    enforcement: EnforcementResult | None = None
    safety: SafetyResponse | None = None  # support sent to a person at risk (never a penalty)


def record_decision(session: Session, *, org_id: str, decision: Decision, content_id: str | None,
                    account_id: str | None, detector: str | None, detector_version: str | None) -> DecisionRecord:
    row = DecisionRecord(
        id=decision.id, org_id=org_id, content_id=content_id, account_id=account_id,
        verdict=decision.verdict.value, violations=[v.model_dump(mode="json") for v in decision.violations],
        scores=decision.scores, explanation=decision.explanation, policy_revision=decision.policy_revision,
        detector=detector or (",".join(decision.detectors) or None), detector_version=detector_version,
        surface=decision.surface.value if decision.surface else None, automated=decision.automated,
        created_at=decision.created_at,
    )
    session.add(row)
    session.flush()
    metrics.observe_decision(decision)
    return row


def needs_detection(sub: Submission) -> bool:
    """Whether Warden's detectors score this submission (text, image or mixed sent without the caller's signals)."""
    return not sub.signals and sub.content_type in ("text", "image", "mixed")


def _is_image_url(value: str) -> bool:
    return value.startswith(("data:image/", "http://", "https://"))


def content_of(sub: Submission) -> Content:
    """What the detectors read: the text, or text and image parts (OpenAI's content parts)."""
    if sub.content_type not in ("image", "mixed"):
        if sub.images:
            raise Invalid(f"images are accepted with content_type image or mixed, not {sub.content_type}",
                          param="images")
        return sub.content
    urls = list(sub.images)
    text = sub.content
    if not urls and sub.content_type == "image" and _is_image_url(sub.content.strip()):
        urls, text = [sub.content.strip()], ""
    for i, url in enumerate(urls):
        if not url.startswith(("data:image/", "http://", "https://")):
            raise Invalid(f"images[{i}] must be an http(s) URL or a data:image/... URL", param=f"images[{i}]")
    if not urls:
        raise Invalid(f"content_type {sub.content_type} needs an image: give it in images (or as content)",
                      param="images")
    parts = [ContentPart("text", text=text)] if text.strip() else []
    return parts + [ContentPart("image_url", image_url=u) for u in urls]


def stored_text(sub: Submission) -> str:
    """The text kept on the content record: never an image's data URL."""
    if sub.content_type == "image" and not sub.images and _is_image_url(sub.content.strip()):
        return ""
    return sub.content


def _store_images(session: Session, content: ContentItem, images: Sequence[ImageFacts], decision: Decision,
                  signals: Mapping[str, float] | Sequence[Signal], screened: bool,
                  cybertip: mandatory.CyberTipSettings, actor: str, now: dt.datetime) -> None:
    """Each image's hashes and metadata; its bytes sealed where the operator keeps them, never for suspected CSAM.
    `screened`: Warden's detectors (its hash lists among them) scored the images; with only a caller's signals
    nothing has checked them against the lists, so their bytes are not kept either (fail closed)."""
    keep = cybertip.keep_image_bytes and any(f.data for f in images)
    csam = imagebytes.suspected_csam(decision, signals)
    withheld = keep and (csam or not screened)
    for facts in images:
        row = ContentImage(id=new_id("img"), content_id=content.id, created_at=now, **facts.as_dict())
        if keep and not withheld and facts.data:
            imagebytes.seal(row, facts.data, cybertip.keyring)
        session.add(row)
    session.flush()
    if withheld:  # the setting asked for the bytes; the record says why they are not there
        reason = ("suspected CSAM: Warden keeps no copy (hashes and metadata only)" if csam else
                  "scored by the caller's signals only: not checked against the hash lists")
        audit.record(session, actor=actor, action="image.bytes_withheld", subject_type="content",
                     subject_id=content.id, org_id=content.org_id,
                     data={"reason": reason, "sha256": [f.sha256 for f in images]})


def prepare(sub: Submission, screener: Screener, intake: ImageIntake) -> tuple[list[Signal] | None, list[ImageFacts]]:
    """The work done before the write transaction opens (no lock is held through decoding, inference or a
    fetch): the images' hashes and metadata, decoded under the intake's limits (a bad image reference is a
    400 before anything runs), and, where Warden's detectors score the content, its signals. Every shell that
    submits (the REST route, `warden submit`) calls this and then `submit`."""
    content = content_of(sub)
    images = describe(content, intake) if not isinstance(content, str) else []
    detected = None
    if needs_detection(sub):
        [found] = screener.detect([content])
        detected = list(found.signals)
    return detected, images


def submit(session: Session, principal: Principal, sub: Submission, policy: PolicySource,
           cybertip: mandatory.CyberTipSettings, now: dt.datetime,
           detected: Sequence[Signal] | None = None, images: Sequence[ImageFacts] = ()) -> SubmissionResult:
    """Record and enforce the decision on `sub`. `detected`: the signals Warden's detectors found for
    its content, screened before this transaction began (used when the caller sent no signals);
    `images`: the hashes and metadata of its images, taken at the same time (stored; their bytes sealed only
    where `cybertip.keep_image_bytes` is on and the content is not suspected CSAM)."""
    principal.require(Permission.SUBMIT_CONTENT)
    get_org(session, sub.org_id, principal)
    for value in sub.signals.values():
        if not 0.0 <= value <= 1.0:
            raise Invalid("signal scores must lie in [0, 1]", param="signals")
    account = get_scoped(session, Account, sub.account_id, principal, "account") if sub.account_id else None
    app = get_scoped(session, App, sub.app_id, principal, "app") if sub.app_id else None
    for record, name in ((account, "account"), (app, "app")):
        if record is not None and record.org_id != sub.org_id:
            raise Invalid(f"{name} belongs to another organization", param=f"{name}_id")
    if account is not None and account.membership != "active":
        # Suspended or removed by a workspace administrator: the account may not use the service.
        raise Conflict(f"account {account.id} is {account.membership} in its workspace; "
                       "its content is not accepted", param="account_id")
    ctx = dict(sub.context)
    if account is not None:
        ctx.setdefault("account", {})["strikes"] = strikes.active_points(session, account.id, now)
    signals: Mapping[str, float] | Sequence[Signal] = sub.signals
    if needs_detection(sub) and detected is not None:
        signals = detected
    # the caller's tiers: the organization's overlay, the workspace's and the end user's settings
    workspace = account.workspace_id if account is not None else principal.workspace_id
    effective = policy(sub.org_id, workspace, account.id if account is not None else None)
    # connectors the request uses must be on the workspace's allow-list (`connectors`: 003 section 7.a)
    ctx, not_enabled = connectors.mark(session, sub.org_id, workspace, ctx)
    # a red-team or research claim counts only where a platform administrator granted it (`exemptions`)
    grants = exemptions.live(session, sub.org_id, sub.account_id, now)
    decision = decide(effective, signals, exemptions.gate(ctx, grants), sub.surface)
    if not exemptions.within_grants(decision, grants):
        decision = decide(effective, signals, exemptions.strip_claims(ctx), sub.surface)
    connectors.refuse(decision, not_enabled, workspace)

    content = ContentItem(id=new_id("cnt"), org_id=sub.org_id, account_id=sub.account_id, app_id=sub.app_id,
                          content_type=sub.content_type, text=stored_text(sub),
                          sha256=hashlib.sha256(sub.content.encode()).hexdigest(),
                          reach=max(sub.reach, app.reach if app else 0), created_at=now)
    session.add(content)
    session.flush()
    screened = needs_detection(sub) and detected is not None
    _store_images(session, content, images, decision, signals, screened, cybertip, principal.actor, now)
    row = record_decision(session, org_id=sub.org_id, decision=decision, content_id=content.id,
                          account_id=sub.account_id, detector=sub.detector, detector_version=sub.detector_version)
    audit.record(session, actor=principal.actor, action="decision.recorded", subject_type="decision",
                 subject_id=row.id, org_id=sub.org_id,
                 data={"verdict": row.verdict, "rule_ids": [v.rule_id for v in decision.violations],
                       "policy_revision": row.policy_revision, "content_id": content.id})
    support = None
    if decision.safe_messaging is not None:
        support = safety.respond(session, org_id=sub.org_id, account_id=sub.account_id, content_id=content.id,
                                 decision_id=row.id, safe=decision.safe_messaging, actor=principal.actor,
                                 reach=content.reach, now=now)
    if not decision.violations:
        return SubmissionResult(content_id=content.id, decision=decision,
                                outcome="safe_messaging" if support else "allowed", safety=support)

    ladder = enforcement.org_ladder(session, sub.org_id)
    top = max((v.score or 0.0) for v in decision.violations)
    # A score from a weak source (detect.quality) never clears the auto-action bar by itself.
    strong = max(((v.score or 0.0) for v in decision.violations if not v.weak_evidence), default=0.0)
    target = enforcement.Target(org_id=sub.org_id, account_id=sub.account_id, app_id=sub.app_id,
                                content_id=content.id)
    if decision.hard_limit or decision.verdict is Verdict.BLOCK or strong >= ladder.auto_action_min_score:
        outcome = enforcement.act(session, target, row, decision.violations, actor=principal.actor,
                                  source=Source.AUTOMATED, decided_by="system", automated=True, case_id=None,
                                  cybertip=cybertip, now=now)
        return SubmissionResult(content_id=content.id, decision=decision, outcome="actioned", enforcement=outcome,
                                safety=support)
    case = cases.open_case(
        session, org_id=sub.org_id, kind=CaseKind.AUTOMATED_FLAG, subject_type="content", subject_id=content.id,
        severity=max((v.severity for v in decision.violations), default=Severity.LOW, key=lambda s: s.rank),
        actor=principal.actor, confidence=top, reach=content.reach,
        rule_ids=[v.rule_id for v in decision.violations], account_id=sub.account_id, content_id=content.id,
        app_id=sub.app_id, decision_id=row.id,
    )
    return SubmissionResult(content_id=content.id, decision=decision, outcome="queued",
                            enforcement=EnforcementResult(actions=[], case_id=case.id), safety=support)
