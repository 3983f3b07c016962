"""Casework: a reviewer's decision on a claimed case, and the registry of handlers by case kind.

How an outcome plays out depends on the case's kind. Handlers are registered by
name exactly like detectors: core kinds in `CORE_HANDLERS` and plugins through
the `warden.casework` entry-point group, each a "module:function" path loaded on
first use, so no handler module imports another to register itself (this ends
the old enforce/review <-> enforce/appeals cycle; the core handlers are in `handlers`). The shared pieces a handler
uses (`close`, `escalate`, the value objects) live here, below every handler.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from enum import StrEnum
from functools import cache
from importlib.metadata import entry_points

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from warden.enforce import audit, mandatory
from warden.enforce.errors import Conflict, Invalid, NotFound
from warden.enforce.kinds import CaseKind, CaseStatus
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import get_scoped
from warden.enforce.submissions import PolicySource
from warden.policy.model import Action
from warden.store.tables import Case


class CaseOutcome(StrEnum):
    """What a reviewer decides on a case."""

    UPHOLD = "uphold"
    OVERTURN = "overturn"
    ESCALATE = "escalate"


class CaseDecision(BaseModel):
    outcome: CaseOutcome
    reason: str = Field(min_length=3, max_length=5000)
    rule_ids: list[str] = Field(default_factory=list)
    # for uphold of a flag, report or re-review: the action from the rules' allowed ladder
    # (`choices`); None takes the ladder's next step for the account
    action: Action | None = None


class Review(BaseModel):
    """Everything a handler needs besides the case."""

    model_config = {"arbitrary_types_allowed": True}

    principal: Principal
    decision: CaseDecision
    policy: PolicySource
    cybertip: mandatory.CyberTipSettings
    now: dt.datetime


class CaseResult(BaseModel):
    case_id: str
    status: str
    outcome: str
    actions: list[str] = Field(default_factory=list)
    reversed_actions: list[str] = Field(default_factory=list)


Handler = Callable[[Session, Case, Review], CaseResult]

CORE_HANDLERS: dict[str, str] = {
    CaseKind.AUTOMATED_FLAG: "warden.enforce.handlers:decide_flag",
    CaseKind.USER_REPORT: "warden.enforce.handlers:decide_flag",
    CaseKind.RE_REVIEW: "warden.enforce.handlers:decide_flag",
    CaseKind.SAFETY_CHECK: "warden.enforce.handlers:decide_safety_check",
    CaseKind.CONFIRMATION: "warden.enforce.handlers:decide_confirmation",
    CaseKind.APPEAL: "warden.enforce.appeals:decide_appeal",
}


CHOOSES_ACTION = frozenset({CaseKind.AUTOMATED_FLAG, CaseKind.USER_REPORT, CaseKind.RE_REVIEW})


class UnknownCaseKind(NotFound):
    pass


def available() -> dict[str, str]:
    """Every case kind with a handler, and the path it points to (core and plugins)."""
    found = dict(CORE_HANDLERS)
    for ep in entry_points(group="warden.casework"):
        found.setdefault(ep.name, ep.value)
    return found


@cache
def handler(kind: str) -> Handler:
    paths = available()
    if kind not in paths:
        raise UnknownCaseKind(f"no handler for cases of kind {kind!r}", param="kind")
    module, _, attr = paths[kind].partition(":")
    found: Handler = getattr(importlib.import_module(module), attr)
    return found


def close(session: Session, case: Case, review: Review, outcome: str) -> None:
    case.status, case.outcome, case.reason = CaseStatus.CLOSED, outcome, review.decision.reason
    case.decided_by, case.decided_at = review.principal.subject, review.now
    audit.record(session, actor=review.principal.actor, action="case.decided", subject_type="case",
                 subject_id=case.id, org_id=case.org_id,
                 data={"outcome": outcome, "reason": review.decision.reason, "rule_ids": review.decision.rule_ids})


def escalate(session: Session, case: Case, review: Review) -> CaseResult:
    """Back to the queue, higher up, for someone other than this reviewer."""
    case.status, case.claimed_by, case.claimed_at = CaseStatus.OPEN, None, None
    case.excluded_reviewer, case.priority = review.principal.subject, case.priority + 100
    audit.record(session, actor=review.principal.actor, action="case.escalated", subject_type="case",
                 subject_id=case.id, org_id=case.org_id, data={"reason": review.decision.reason})
    return CaseResult(case_id=case.id, status=case.status, outcome=CaseOutcome.ESCALATE.value)


def decide_case(session: Session, case_id: str, review: Review) -> CaseResult:
    review.principal.require(Permission.REVIEW)
    case = get_scoped(session, Case, case_id, review.principal, "case", for_update=True)
    if case.status != CaseStatus.CLAIMED or case.claimed_by != review.principal.subject:
        raise Conflict(f"claim case {case_id} before deciding it (it is {case.status}"
                       + (f" by {case.claimed_by})" if case.claimed_by else ")"))
    if review.decision.action is not None and (case.kind not in CHOOSES_ACTION
                                               or review.decision.outcome is not CaseOutcome.UPHOLD):
        raise Invalid("an action is chosen only when upholding a flag, report or re-review case", param="action")
    return handler(case.kind)(session, case, review)
