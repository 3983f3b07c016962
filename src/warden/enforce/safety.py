"""Safe messaging: a person who appears to be at risk of harming themselves gets support, not a penalty.

When a decision carries a `safe_messaging` outcome (a safe-messaging rule of the
policy fired, see `warden.policy.model.SafeMessaging`), `respond`:

- sends the person a notice (`safety.support`) with the support resources the
  rule lists, or the operator when no account is known, so the app can show them;
- adds no strike and takes no action: the person broke no rule;
- when the score reaches the rule's `escalate_min_score`, opens a `safety_check`
  case so a trained human can check in. A reviewer closes it with `uphold`
  (checked in), `overturn` (not a person at risk) or `escalate`; none of these
  enforces anything.

The content itself never goes into the notice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from warden.decide import SafeMessagingOutcome
from warden.enforce import audit, cases
from warden.enforce.kinds import CaseKind
from warden.enforce.notices import enqueue
from warden.policy.model import Severity

EVENT = "safety.support"
CASE_KIND = CaseKind.SAFETY_CHECK
MESSAGE = (
    "It sounds like you may be going through a very hard time. You don't have to face it alone: "
    "the people below are there to listen, any time. If you are in immediate danger, call your local "
    "emergency number."
)


class SafetyResponse(BaseModel):
    notice_id: str
    case_id: str | None = None


def payload(safe: SafeMessagingOutcome, decision_id: str, content_id: str | None) -> dict[str, Any]:
    return {
        "decision_id": decision_id,
        "content_id": content_id,
        "rule_id": safe.rule_id,
        "citation": safe.citation.model_dump(mode="json"),
        "message": MESSAGE,
        "resources": [r.model_dump(mode="json", exclude_none=True) for r in safe.resources],
        "penalty": "none",
    }


def respond(session: Session, *, org_id: str, account_id: str | None, content_id: str | None,
            decision_id: str, safe: SafeMessagingOutcome, actor: str, reach: int = 0,
            now: dt.datetime | None = None) -> SafetyResponse:
    """Send the support notice and, if the rule asks for it, open a check-in case. Never a strike."""
    recipient_type, recipient_id = ("account", account_id) if account_id else ("operator", org_id)
    notice = enqueue(session, org_id=org_id, event=EVENT, recipient_type=recipient_type, recipient_id=recipient_id,
                     payload=payload(safe, decision_id, content_id), platform_subscribers=False)
    case_id = None
    if safe.escalate:
        case = cases.open_case(
            session, org_id=org_id, kind=CASE_KIND, subject_type="content" if content_id else "decision",
            subject_id=content_id or decision_id, severity=Severity.HIGH, actor=actor, confidence=safe.score,
            reach=reach, rule_ids=[safe.rule_id], account_id=account_id, content_id=content_id,
            decision_id=decision_id,
        )
        case_id = case.id
    audit.record(session, actor=actor, action="safety.support_sent", subject_type="decision", subject_id=decision_id,
                 org_id=org_id, data={"rule_id": safe.rule_id, "notice_id": notice.id, "case_id": case_id,
                                      "escalated": safe.escalate})
    return SafetyResponse(notice_id=notice.id, case_id=case_id)
