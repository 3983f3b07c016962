"""The database tables of the enforcement lifecycle (SQLAlchemy 2, typed).

One class per record kind. Ids are prefixed strings (``org_…``, ``act_…``) so a
log line or a notice says what it points at. JSON columns hold structured
detail that is read whole (violations, payloads, statement bodies).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


def _fk(target: str, *, nullable: bool = False, ondelete: str | None = None) -> Mapped[Any]:
    return mapped_column(String(40), ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True)


# --- tenants and subjects -----------------------------------------------------


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    ladder: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # overrides the default
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Workspace(Base):
    __tablename__ = "workspaces"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Account(Base):
    """An end user, builder or administrator of an organization."""

    __tablename__ = "accounts"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    workspace_id: Mapped[str | None] = _fk("workspaces.id", nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # end_user | builder | administrator
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # set by enterprise administrators: active | suspended | removed (enforcement is separate)
    membership: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class App(Base):
    """An app or GPT built on the platform."""

    __tablename__ = "apps"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    owner_account_id: Mapped[str | None] = _fk("accounts.id", nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    reach: Mapped[int] = mapped_column(Integer, default=0)  # e.g. weekly users; feeds case priority
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ContentItem(Base):
    __tablename__ = "content_items"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    account_id: Mapped[str | None] = _fk("accounts.id", nullable=True)
    app_id: Mapped[str | None] = _fk("apps.id", nullable=True)
    content_type: Mapped[str] = mapped_column(String(20), default="text")
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # None once sealed as evidence
    sha256: Mapped[str] = mapped_column(String(64))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    reach: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Evidence(Base):
    """Content preserved for a mandatory report; readable only by the submission path."""

    __tablename__ = "evidence"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    content_id: Mapped[str] = _fk("content_items.id")
    data: Mapped[bytes] = mapped_column(LargeBinary)  # nonce + AES-GCM ciphertext (`warden.enforce.sealing`)
    key_id: Mapped[str | None] = mapped_column(String(40), nullable=True)  # None: stored before encryption
    sha256: Mapped[str] = mapped_column(String(64))
    md5: Mapped[str] = mapped_column(String(32))
    preserve_until: Mapped[dt.datetime] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --- decisions and enforcement ---------------------------------------------------


class DecisionRecord(Base):
    __tablename__ = "decisions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    content_id: Mapped[str | None] = _fk("content_items.id", nullable=True)
    account_id: Mapped[str | None] = _fk("accounts.id", nullable=True)
    verdict: Mapped[str] = mapped_column(String(10))
    violations: Mapped[list[Any]] = mapped_column(JSON)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)
    policy_revision: Mapped[str] = mapped_column(String(200))
    detector: Mapped[str | None] = mapped_column(String(200), nullable=True)
    detector_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    surface: Mapped[str | None] = mapped_column(String(20), nullable=True)
    automated: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ActionRecord(Base):
    __tablename__ = "actions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    account_id: Mapped[str | None] = _fk("accounts.id", nullable=True)
    app_id: Mapped[str | None] = _fk("apps.id", nullable=True)
    content_id: Mapped[str | None] = _fk("content_items.id", nullable=True)
    decision_id: Mapped[str | None] = _fk("decisions.id", nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(40))  # policy.model.Action value
    # active | pending_confirmation | reversed | cancelled
    status: Mapped[str] = mapped_column(String(30), index=True)
    rule_ids: Mapped[list[Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    automated: Mapped[bool] = mapped_column(Boolean)
    hard_limit: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(30))  # automated | review | report | re_review
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    starts_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    appeal_until: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    reversed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    reversed_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Strike(Base):
    __tablename__ = "strikes"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    account_id: Mapped[str] = _fk("accounts.id")
    decision_id: Mapped[str | None] = _fk("decisions.id", nullable=True)
    action_id: Mapped[str | None] = _fk("actions.id", nullable=True)
    rule_id: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(10))
    weight: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_queue", "status", "priority"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    # automated_flag | user_report | re_review | appeal | confirmation
    kind: Mapped[str] = mapped_column(String(30))
    subject_type: Mapped[str] = mapped_column(String(20))  # content | app | account | action
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    account_id: Mapped[str | None] = _fk("accounts.id", nullable=True)
    content_id: Mapped[str | None] = _fk("content_items.id", nullable=True)
    app_id: Mapped[str | None] = _fk("apps.id", nullable=True)
    decision_id: Mapped[str | None] = _fk("decisions.id", nullable=True)
    action_id: Mapped[str | None] = _fk("actions.id", nullable=True)
    severity: Mapped[str] = mapped_column(String(10))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    reach: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[float] = mapped_column(Float)
    rule_ids: Mapped[list[Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | claimed | closed
    claimed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    excluded_reviewer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)  # uphold | overturn | escalate
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    case_id: Mapped[str] = _fk("cases.id")
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(40))
    reporter_account_id: Mapped[str | None] = _fk("accounts.id", nullable=True)
    reporter_contact: Mapped[str | None] = mapped_column(String(300), nullable=True)
    category: Mapped[str | None] = mapped_column(String(60), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    trusted_flagger: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Appeal(Base):
    __tablename__ = "appeals"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    action_id: Mapped[str] = _fk("actions.id")
    case_id: Mapped[str] = _fk("cases.id")
    account_id: Mapped[str | None] = _fk("accounts.id", nullable=True)
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | granted | denied
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    retain_until: Mapped[dt.datetime] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StatementOfReasons(Base):
    __tablename__ = "statements"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    action_id: Mapped[str] = _fk("actions.id")
    puid: Mapped[str] = mapped_column(String(500), unique=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MandatoryReport(Base):
    __tablename__ = "mandatory_reports"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    account_id: Mapped[str | None] = _fk("accounts.id", nullable=True)
    content_id: Mapped[str] = _fk("content_items.id")
    decision_id: Mapped[str | None] = _fk("decisions.id", nullable=True)
    evidence_id: Mapped[str] = _fk("evidence.id")
    # draft | confirmed | submitted | failed
    status: Mapped[str] = mapped_column(String(20), default="draft")
    report_xml: Mapped[str] = mapped_column(Text)
    file_xml: Mapped[str] = mapped_column(Text)
    confirmed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --- notices --------------------------------------------------------------------


class Subscription(Base):
    """Where notices go: a channel name, a target and which events it wants."""

    __tablename__ = "subscriptions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str | None] = _fk("organizations.id", nullable=True)  # None: platform-wide
    channel: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    events: Mapped[list[Any]] = mapped_column(JSON)  # patterns like "action.*", "policy.updated"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Notice(Base):
    __tablename__ = "notices"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str | None] = _fk("organizations.id", nullable=True)
    event: Mapped[str] = mapped_column(String(60))
    recipient_type: Mapped[str] = mapped_column(String(20))  # account | operator | reporter | subscriber
    recipient_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """One notice through one subscription: the outbox row a worker drains."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    notice_id: Mapped[str] = _fk("notices.id")
    subscription_id: Mapped[str | None] = _fk("subscriptions.id", nullable=True)
    channel: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


# --- access and audit ---------------------------------------------------------------


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(20), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(200))  # the person or system holding it
    org_id: Mapped[str | None] = _fk("organizations.id", nullable=True)
    workspace_id: Mapped[str | None] = _fk("workspaces.id", nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency"
    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RateBucket(Base):
    """One token bucket of the rate limits shared by several workers (`warden.ratelimit`)."""

    __tablename__ = "rate_buckets"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # "key:<id>", "address:<ip>", ...
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float)  # seconds since the epoch


class AuditHead(Base):
    """The chain's tip, one row; writers lock it so events are appended one at a time."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    org_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    workspace_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column()
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# --- trends -------------------------------------------------------------------------


class TrendBucket(Base):
    """Decisions of one hour or day, per organization, surface and category (`warden.trends.aggregates`).
    `category` "*" counts every decision of the bucket (the flag rate's denominator)."""

    __tablename__ = "trend_buckets"
    granularity: Mapped[str] = mapped_column(String(5), primary_key=True)  # hour | day
    start: Mapped[dt.datetime] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    surface: Mapped[str] = mapped_column(String(20), primary_key=True)  # "" when the decision named none
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    decisions: Mapped[int] = mapped_column(Integer)
    flagged: Mapped[int] = mapped_column(Integer)


# --- image hash lists and image metadata (warden.detect.images) ------------------------


class HashList(Base):
    """A list of known-image hashes an operator imported (`warden hashes import`); a match drives the rules
    of its `category` (sexual/minors lists take the hard-limit path). `revision` grows on every import so a
    running detector knows to reload."""

    __tablename__ = "hash_lists"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    category: Mapped[str] = mapped_column(String(60))
    hash_type: Mapped[str] = mapped_column(String(20), default="pdq")
    source: Mapped[str | None] = mapped_column(String(300), nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class HashEntry(Base):
    __tablename__ = "hash_entries"
    __table_args__ = (Index("ix_hash_entries_list_hash", "list_id", "hash", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_id: Mapped[str] = _fk("hash_lists.id")
    hash: Mapped[str] = mapped_column(String(64))  # 64 lower-case hex digits (PDQ)
    label: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ContentImage(Base):
    """An image of a content item, kept as hashes and metadata. Its bytes are kept only where the operator
    enables it (`keep_image_bytes`), sealed (`warden.enforce.imagebytes`), and never for suspected CSAM."""

    __tablename__ = "content_images"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    content_id: Mapped[str] = _fk("content_items.id")
    part: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    md5: Mapped[str] = mapped_column(String(32))
    pdq: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pdq_quality: Mapped[int | None] = mapped_column(Integer, nullable=True)
    format: Mapped[str] = mapped_column(String(10))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)  # bytes as received
    source: Mapped[str] = mapped_column(String(300))  # "data" or the URL's host
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # nonce + AES-GCM ciphertext; None: not kept
    key_id: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the key that sealed `data`


# --- policy tiers -------------------------------------------------------------------


class PolicyOverlay(Base):
    """One uploaded version of an operator overlay (organization), a workspace overlay or a user's settings
    (account): the YAML as sent, validated before it was stored; at most one version per scope is active."""

    __tablename__ = "policy_overlays"
    __table_args__ = (Index("ix_policy_overlays_scope", "org_id", "workspace_id", "account_id", "status"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    workspace_id: Mapped[str | None] = _fk("workspaces.id", nullable=True)
    account_id: Mapped[str | None] = _fk("accounts.id", nullable=True)
    name: Mapped[str] = mapped_column(String(80))  # the overlay's own id (its `overlay.id`)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per scope
    layer: Mapped[str] = mapped_column(String(20))  # operator | workspace | user
    text: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="inactive")  # inactive | active
    created_by: Mapped[str] = mapped_column(String(200))
    activated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    activated_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class GrantedExemption(Base):
    """A red-team or research exemption a platform administrator granted to an organization or one account:
    which exception, for which rules (empty: every rule that offers it), until when and why."""

    __tablename__ = "exemptions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    account_id: Mapped[str | None] = _fk("accounts.id", nullable=True)
    kind: Mapped[str] = mapped_column(String(40))  # policy.model.ExceptionKind value
    rule_ids: Mapped[list[Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --- connectors and policy-update announcements ----------------------------------------


class ConnectorSetting(Base):
    """Whether a workspace's administrators enabled a connector or action (`warden.enforce.connectors`), by
    name; a workspace of None is the organization's own list, for requests outside any workspace. `version`
    grows on every change, each change audited; a name with no row is not enabled."""

    __tablename__ = "connector_settings"
    __table_args__ = (Index("ix_connector_settings_scope", "org_id", "workspace_id", "name"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = _fk("organizations.id")
    workspace_id: Mapped[str | None] = _fk("workspaces.id", nullable=True)
    name: Mapped[str] = mapped_column(String(120))  # lower-case, as requests are matched
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PolicyAnnouncement(Base):
    """A policy revision subscribers were told about (`warden.enforce.announcements`): the platform packs the
    service loaded (org_id None) or an organization's overlay activation, so each is sent once."""

    __tablename__ = "policy_announcements"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str | None] = _fk("organizations.id", nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # platform | overlay
    revision: Mapped[str] = mapped_column(String(500), index=True)
    previous: Mapped[str | None] = mapped_column(String(500), nullable=True)
    notice_id: Mapped[str | None] = mapped_column(String(40), nullable=True)  # a notice sent; None: a baseline
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
