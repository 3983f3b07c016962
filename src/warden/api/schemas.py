"""Response models of the enforcement API (requests reuse the service's input models)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OrgOut(_Out):
    id: str
    name: str
    ladder: dict[str, Any] | None
    created_at: dt.datetime


class WorkspaceOut(_Out):
    id: str
    org_id: str
    name: str


class AccountOut(_Out):
    id: str
    org_id: str
    workspace_id: str | None
    kind: str
    external_id: str | None
    display_name: str | None
    membership: str


class AppOut(_Out):
    id: str
    org_id: str
    name: str
    owner_account_id: str | None
    reach: int


class ContentOut(_Out):
    """Restricted content (sealed evidence) shows only its hash, never its text."""

    id: str
    org_id: str
    account_id: str | None
    app_id: str | None
    content_type: str
    text: str | None
    sha256: str
    restricted: bool
    removed: bool


class ActionOut(_Out):
    id: str
    org_id: str
    kind: str
    status: str
    account_id: str | None
    app_id: str | None
    content_id: str | None
    decision_id: str | None
    case_id: str | None
    rule_ids: list[str]
    reason: str
    automated: bool
    hard_limit: bool
    source: str
    decided_by: str | None
    confirmed_by: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    appeal_until: dt.datetime | None
    reversed_at: dt.datetime | None


class StrikeOut(_Out):
    id: str
    rule_id: str
    severity: str
    weight: float
    decision_id: str | None
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


class CaseOut(_Out):
    id: str
    org_id: str
    kind: str
    subject_type: str
    subject_id: str
    account_id: str | None
    content_id: str | None
    action_id: str | None
    severity: str
    confidence: float
    reach: int
    priority: float
    rule_ids: list[str]
    status: str
    claimed_by: str | None
    report_count: int
    outcome: str | None
    reason: str | None
    decided_by: str | None
    created_at: dt.datetime


class AppealOut(_Out):
    id: str
    org_id: str
    action_id: str
    case_id: str
    account_id: str | None
    status: str
    decided_by: str | None
    decision_reason: str | None
    retain_until: dt.datetime
    created_at: dt.datetime


class MandatoryReportOut(_Out):
    """The draft's XML carries hashes and identifiers only; the evidence itself is never returned."""

    id: str
    org_id: str
    account_id: str | None
    content_id: str
    status: str
    report_xml: str
    file_xml: str
    confirmed_by: str | None
    external_id: str | None
    last_error: str | None
    submitted_at: dt.datetime | None


class AuditEventOut(_Out):
    seq: int
    id: str
    org_id: str | None
    workspace_id: str | None
    actor: str
    action: str
    subject_type: str
    subject_id: str
    data: dict[str, Any]
    created_at: dt.datetime
    hash: str


class DecisionOut(_Out):
    id: str
    org_id: str
    content_id: str | None
    account_id: str | None
    verdict: str
    violations: list[dict[str, Any]]
    scores: dict[str, float]
    explanation: str
    policy_revision: str
    detector: str | None
    detector_version: str | None
    automated: bool
    created_at: dt.datetime


class DeliveryState(BaseModel):
    channel: str
    status: str


class NoticeOut(_Out):
    id: str
    event: str
    recipient_type: str
    recipient_id: str | None
    payload: dict[str, Any]
    created_at: dt.datetime
    deliveries: list[DeliveryState] = []


class ListOut(BaseModel, Generic[T]):
    data: list[T]
