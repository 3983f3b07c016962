"""Statements of reasons with the fields of the EU DSA transparency database.

Every action that takes effect gets one, built from the action, the decision
behind it and what it restricted. The mappings from Warden's actions, signal
categories and content types to the database's enumerations are tables here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from warden.enforce import audit
from warden.enforce.kinds import Source
from warden.enforce.principal import Principal
from warden.enforce.scoping import scoped
from warden.policy.model import Action
from warden.store.tables import Account, ActionRecord, ContentItem, DecisionRecord, StatementOfReasons, new_id

# Which DSA restriction fields an action sets (at least one is required per statement).
RESTRICTIONS: dict[Action, dict[str, Any]] = {
    Action.WARNING: {"decision_visibility": ["DECISION_VISIBILITY_OTHER"],
                     "decision_visibility_other": "Warning to the account; no content restricted"},
    Action.CONTENT_REMOVAL: {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"]},
    Action.SHARING_RESTRICTION: {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED"]},
    Action.STORE_DELISTING: {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DEMOTED"],
                             "decision_provision": "DECISION_PROVISION_PARTIAL_SUSPENSION"},
    Action.MONETIZATION_INELIGIBILITY: {"decision_monetary": "DECISION_MONETARY_SUSPENSION"},
    Action.FEATURE_RESTRICTION: {"decision_provision": "DECISION_PROVISION_PARTIAL_SUSPENSION"},
    Action.SUSPENSION: {"decision_account": "DECISION_ACCOUNT_SUSPENDED",
                        "decision_provision": "DECISION_PROVISION_TOTAL_SUSPENSION"},
    Action.TERMINATION: {"decision_account": "DECISION_ACCOUNT_TERMINATED",
                         "decision_provision": "DECISION_PROVISION_TOTAL_TERMINATION"},
}

# Which end-date field a time-limited action fills.
END_DATE_FIELD: dict[Action, str] = {
    Action.SHARING_RESTRICTION: "end_date_visibility_restriction",
    Action.STORE_DELISTING: "end_date_visibility_restriction",
    Action.MONETIZATION_INELIGIBILITY: "end_date_monetary_restriction",
    Action.FEATURE_RESTRICTION: "end_date_service_restriction",
    Action.SUSPENSION: "end_date_account_restriction",
}

CATEGORIES: dict[str, str] = {
    "sexual/minors": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "sexual": "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
    "hate": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "hate/threatening": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "harassment": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "harassment/threatening": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "violence": "STATEMENT_CATEGORY_VIOLENCE",
    "violence/graphic": "STATEMENT_CATEGORY_VIOLENCE",
    "illicit/violent": "STATEMENT_CATEGORY_VIOLENCE",
    "weapons": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "malware": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "self-harm": "STATEMENT_CATEGORY_SELF_HARM",
    "self-harm/intent": "STATEMENT_CATEGORY_SELF_HARM",
    "self-harm/instructions": "STATEMENT_CATEGORY_SELF_HARM",
    "fraud": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "spam": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "privacy": "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "pii": "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "biometrics": "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "elections": "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "political-campaigning": "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "disinformation": "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
}
DEFAULT_CATEGORY = "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"

CONTENT_TYPES: dict[str, str] = {
    "text": "CONTENT_TYPE_TEXT", "image": "CONTENT_TYPE_IMAGE", "audio": "CONTENT_TYPE_AUDIO",
    "video": "CONTENT_TYPE_VIDEO", "app": "CONTENT_TYPE_APP", "manifest": "CONTENT_TYPE_APP",
}

# EU and EEA member states: the default territorial scope of a platform-wide action.
EEA = ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IS", "IT",
       "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK"]

SOURCES: dict[str, str] = {
    "automated": "SOURCE_VOLUNTARY", "review": "SOURCE_VOLUNTARY", "re_review": "SOURCE_VOLUNTARY",
    "report": "SOURCE_ARTICLE_16", "trusted_flagger": "SOURCE_TRUSTED_FLAGGER",
}

GROUND_REFERENCE_URL = "https://openai.com/policies/usage-policies/"


def _date(value: dt.datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def _automated_decision(action: ActionRecord, decision: DecisionRecord | None) -> str:
    if action.automated:
        return "AUTOMATED_DECISION_FULLY"
    if decision is not None and action.source in {Source.REVIEW, Source.RE_REVIEW}:
        return "AUTOMATED_DECISION_PARTIALLY"  # a human confirmed an automated flag
    return "AUTOMATED_DECISION_NOT_AUTOMATED"


def build(session: Session, action: ActionRecord) -> dict[str, Any]:
    kind = Action(action.kind)
    decision = session.get(DecisionRecord, action.decision_id) if action.decision_id else None
    content = session.get(ContentItem, action.content_id) if action.content_id else None
    account = session.get(Account, action.account_id) if action.account_id else None
    violations: list[dict[str, Any]] = list(decision.violations) if decision else []
    categories = [CATEGORIES.get(v.get("category") or "", DEFAULT_CATEGORY) for v in violations]
    category = categories[0] if categories else DEFAULT_CATEGORY
    citations = "; ".join(
        f"{v['rule_id']}: {v['citation']['document']} ({v['citation']['date']}), {v['citation']['section']}"
        + (f" item {v['citation']['item']}" if v["citation"].get("item") else "")
        for v in violations
    ) or ", ".join(action.rule_ids)
    illegal = any(v.get("category") == "sexual/minors" for v in violations)
    body: dict[str, Any] = {**RESTRICTIONS[kind]}
    if illegal:
        body |= {"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
                 "illegal_content_legal_ground": "Child sexual abuse material (18 U.S.C. 2256; Directive 2011/93/EU)",
                 "illegal_content_explanation": action.reason}
    else:
        body |= {"decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
                 "incompatible_content_ground": citations[:500],
                 "incompatible_content_explanation": action.reason[:2000],
                 "incompatible_content_illegal": "No"}
    end_field = END_DATE_FIELD.get(kind)
    body |= {
        "decision_ground_reference_url": GROUND_REFERENCE_URL,
        "category": category,
        "category_addition": sorted(set(categories) - {category}),
        "content_type": [CONTENT_TYPES.get(content.content_type if content else "app", "CONTENT_TYPE_OTHER")],
        "content_date": _date(content.created_at if content else action.created_at),
        "application_date": _date(action.starts_at),
        "account_type": "ACCOUNT_TYPE_PRIVATE" if account is None or account.kind == "end_user"
        else "ACCOUNT_TYPE_BUSINESS",
        "territorial_scope": EEA,
        "decision_facts": (decision.explanation if decision else action.reason)[:5000],
        "source_type": SOURCES.get(action.source, "SOURCE_TYPE_OTHER_NOTIFICATION"),
        "automated_detection": "Yes" if decision is not None and decision.automated else "No",
        "automated_decision": _automated_decision(action, decision),
        "puid": action.id.replace("_", "-"),
    }
    if end_field:
        body[end_field] = _date(action.ends_at)
    return body


def issue(session: Session, action: ActionRecord) -> StatementOfReasons:
    body = build(session, action)
    sor = StatementOfReasons(id=new_id("sor"), org_id=action.org_id, action_id=action.id, puid=body["puid"],
                             body=body)
    session.add(sor)
    session.flush()
    return sor


def supersede(session: Session, action: ActionRecord, *, reason: str, now: dt.datetime) -> StatementOfReasons | None:
    """An updated statement for a reversed action: the current facts, marked reversed, referencing the
    statement it supersedes (the latest one for the action). None if the action never had one."""
    old = session.execute(select(StatementOfReasons).where(StatementOfReasons.action_id == action.id)
                          .order_by(StatementOfReasons.created_at.desc(), StatementOfReasons.id.desc())
                          .limit(1)).scalar_one_or_none()
    if old is None:
        return None
    count = len(session.execute(select(StatementOfReasons.id).where(
        StatementOfReasons.action_id == action.id)).all())
    body = build(session, action) | {
        "puid": f"{old.puid}-rev{count}", "supersedes_puid": old.puid, "decision_status": "REVERSED",
        "reversal_date": _date(now), "reversal_explanation": reason[:2000],
    }
    sor = StatementOfReasons(id=new_id("sor"), org_id=action.org_id, action_id=action.id, puid=body["puid"],
                             body=body)
    session.add(sor)
    session.flush()
    audit.record(session, actor="system", action="statement.superseded", subject_type="statement",
                 subject_id=sor.id, org_id=action.org_id, data={"supersedes": old.id, "puid": sor.puid,
                                                                "action_id": action.id})
    return sor


class StatementPage(BaseModel):
    statements: list[dict[str, Any]]
    next_cursor: str | None


def export(session: Session, *, org_id: str | None, after: str | None = None, limit: int = 100,
           principal: Principal | None = None) -> StatementPage:
    """A batch of at most 100 statements (the transparency database's batch size), oldest first; with
    `principal`, only those its tenant and workspace cover (`org_id` is then the organization asked for)."""
    q = select(StatementOfReasons).order_by(StatementOfReasons.created_at, StatementOfReasons.id)
    if principal is not None:
        q = scoped(q, StatementOfReasons.org_id, principal, org_id)
    elif org_id is not None:
        q = q.where(StatementOfReasons.org_id == org_id)
    if after is not None:
        last = session.get(StatementOfReasons, after)
        if last is not None:
            q = q.where(tuple_(StatementOfReasons.created_at, StatementOfReasons.id) > (last.created_at, last.id))
    rows = session.execute(q.limit(min(limit, 100))).scalars().all()
    next_cursor = rows[-1].id if len(rows) == min(limit, 100) and rows else None
    return StatementPage(statements=[{"id": r.id, "action_id": r.action_id, **r.body} for r in rows],
                         next_cursor=next_cursor)
