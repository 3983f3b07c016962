"""Notice subscriptions, and policy-update announcements to everyone who signed up."""

from __future__ import annotations

import secrets

from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import Session

from warden.enforce import announcements, audit
from warden.enforce.errors import Forbidden, Invalid
from warden.enforce.keys import SHOWN_ONCE
from warden.enforce.notices import channels, email
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import get_org
from warden.outbound import OutboundError, OutboundRefused
from warden.policy.provider import PolicyProvider
from warden.store.tables import Subscription, new_id

POLICY_UPDATED = "policy.updated"


class SubscriptionIn(BaseModel):
    org_id: str | None = None  # None: platform-wide (platform admins only)
    channel: str = "webhook"
    target: str = Field(min_length=1, max_length=2000)
    events: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    secret: str | None = Field(default=None, min_length=16, max_length=200)

    @field_validator("channel")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in channels.names():
            raise ValueError(f"unknown channel {v!r}; known: {', '.join(channels.names())}")
        return v


class SubscriptionOut(BaseModel):
    id: str
    org_id: str | None
    channel: str
    target: str
    events: list[str]
    # shown when created, so the receiver can verify signatures; an idempotent replay redacts it
    secret: str | None = Field(json_schema_extra={SHOWN_ONCE: True})


def _check_target(target: str) -> None:
    """Refuse a webhook target that resolves to a loopback, private or link-local address now (unless
    allow-listed). Advisory: the guard at connection time is what holds; a host that does not resolve
    now is not refused here (it may later), it simply cannot be delivered to until it does."""
    try:
        channels.outbound_policy().check_url(target)
    except OutboundRefused as exc:
        raise Invalid(f"webhook target refused: {exc}", param="target") from None
    except OutboundError:
        return


def subscribe(session: Session, principal: Principal, body: SubscriptionIn) -> SubscriptionOut:
    principal.require(Permission.MANAGE_SUBSCRIPTIONS)
    if principal.workspace_id is not None:
        # a subscription receives the whole organization's notices, other workspaces' included
        raise Forbidden("a workspace-bound key cannot subscribe to the organization's notices", param="org_id")
    org_id = principal.org_id if body.org_id is None else body.org_id
    if org_id is not None:
        get_org(session, org_id, principal)
    if body.channel == "webhook" and not body.target.startswith(("http://", "https://")):
        raise Invalid("a webhook target must be an http(s) URL", param="target")
    if body.channel == "webhook":
        _check_target(body.target)
    if body.channel == "email" and not email.valid_address(body.target):
        raise Invalid("an email target must be an address such as ops@example.com", param="target")
    secret = body.secret or (secrets.token_urlsafe(32) if body.channel == "webhook" else None)
    sub = Subscription(id=new_id("sub"), org_id=org_id, channel=body.channel, target=body.target, secret=secret,
                       events=body.events)
    session.add(sub)
    session.flush()
    audit.record(session, actor=principal.actor, action="subscription.created", subject_type="subscription",
                 subject_id=sub.id, org_id=org_id, data={"channel": sub.channel, "events": sub.events})
    return SubscriptionOut(id=sub.id, org_id=org_id, channel=sub.channel, target=sub.target, events=sub.events,
                           secret=secret)


class PolicyUpdate(BaseModel):
    revision: str = Field(min_length=1)
    summary: str = Field(min_length=1, max_length=5000)
    effective: str | None = None  # ISO date
    url: str | None = None


def announce(session: Session, principal: Principal, update: PolicyUpdate, provider: PolicyProvider) -> int:
    """Notify every organization subscribed to policy updates (and platform-wide subscribers) of a revision
    that exists (a loaded pack, a resolved or announced revision: `announcements.known_revision`)."""
    principal.require(Permission.ANNOUNCE_POLICY)
    if not announcements.known_revision(session, provider, update.revision):
        raise Invalid(f"no such policy revision: {update.revision!r}; announce a loaded pack (e.g. "
                      f"{provider.library.packs()[-1].ref}) or a revision decisions name", param="revision")
    return len(announcements.announce(session, actor=principal.actor, revision=update.revision,
                                      summary=update.summary, diff={}, effective=update.effective, url=update.url))
