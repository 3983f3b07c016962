"""Policy updates customers can follow: a new platform pack version on load and an overlay activation send
subscribers the diff automatically (once), over webhook, log or email (SMTP, against a local aiosmtpd
server); a hand-made announcement must name a revision that exists; failed deliveries are recorded."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from warden.enforce import announcements, directory, overlays, subscriptions
from warden.enforce.errors import Invalid
from warden.enforce.notices import deliver_due
from warden.enforce.notices.channels import Channel, channel
from warden.enforce.notices.email import EmailChannel
from warden.enforce.overlays import StoredOverlays
from warden.enforce.principal import SYSTEM
from warden.policy.library import PolicyLibrary
from warden.policy.provider import PolicyProvider
from warden.settings import SmtpSettings
from warden.store import Database
from warden.store.tables import Delivery, Notice
from warden.trends import metrics

TIGHTEN = """\
overlay: {id: acme, title: Acme for families, layer: operator}
adjust:
  - {rule: universal.laws.regulated-activity, min_score: 0.5}
"""
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls it by this name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _closed_port()  # free now; the server takes it
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _channels(smtp_port: int) -> Any:
    email = EmailChannel(SmtpSettings(host="127.0.0.1", port=smtp_port, starttls=False, timeout=5))

    def pick(name: str) -> Channel:
        return email if name == "email" else channel(name)
    return pick


def _org(db: Database, target: str, chan: str = "email") -> str:
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="acme")).id
        subscriptions.subscribe(s, SYSTEM, subscriptions.SubscriptionIn(org_id=org, channel=chan, target=target,
                                                                        events=["policy.*"]))
    return org


def test_activating_an_overlay_emails_the_diff(db: Database, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    org = _org(db, "policy@acme.example")
    provider = PolicyProvider.load(overlays=StoredOverlays(db))
    with db.transaction() as s:
        pushed = overlays.push(s, SYSTEM, overlays.OverlayIn(org_id=org, text=TIGHTEN, filename="acme.yaml"),
                               provider)
        assert s.scalars(select(Notice).where(Notice.org_id == org)).all() == [], "pushing announces nothing"
        overlays.activate(s, SYSTEM, pushed.id, provider, NOW)
    with db.read() as s:
        [notice] = s.scalars(select(Notice).where(Notice.org_id == org, Notice.event == "policy.updated")).all()
        revision = notice.payload["revision"]
    assert "acme" in revision and notice.payload["diff"]["rules_changed"] == ["universal.laws.regulated-activity"]
    assert provider.by_revision(revision) is not None, "the composed revision exists"
    run = deliver_due(db, channels=_channels(port))
    assert run.delivered == 1 and run.failed == run.retrying == 0
    [(to, mail)] = inbox.messages
    assert to == ["policy@acme.example"] and mail["Subject"].startswith("[Warden] Policy updated: ")
    body = mail.get_payload()
    assert "operator overlay acme@v1 now in force" in body and "universal.laws.regulated-activity" in body

    with db.transaction() as s:  # rolling back is a change too
        overlays.rollback(s, SYSTEM, overlays.OverlayScope(org_id=org), provider, NOW)
    assert deliver_due(db, channels=_channels(port)).delivered == 1
    assert "acme@v1" in inbox.messages[-1][1].get_payload()


def test_a_new_platform_pack_version_is_announced_once(db: Database) -> None:
    org = _org(db, "https://hooks.example/policy", chan="log")
    library = PolicyLibrary.discover(())
    january = PolicyProvider(library, today=lambda: dt.date(2025, 2, 1))  # openai-usage@2025-01-29 only
    assert announcements.platform_loaded(db, january) is None, "the first load is the baseline"
    with db.read() as s:
        assert s.scalars(select(Notice).where(Notice.event == "policy.updated")).all() == []
    today = PolicyProvider(library, today=lambda: dt.date(2026, 3, 1))
    summary = announcements.platform_loaded(db, today)
    assert summary is not None and "openai-usage: openai-usage@2025-01-29 -> openai-usage@2025-10-29" in summary
    assert "openai-service-terms: new pack" in summary
    with db.read() as s:
        [notice] = s.scalars(select(Notice).where(Notice.org_id == org, Notice.event == "policy.updated")).all()
    usage = next(p for p in notice.payload["diff"]["packs"] if p["pack"] == "openai-usage")
    assert usage["added"] or usage["changed"] or usage["replaced"], "the pack diff's rules"
    assert announcements.platform_loaded(db, today) is None, "the same packs again: nothing sent"


def test_an_announcement_must_name_a_revision_that_exists(db: Database) -> None:
    provider = PolicyProvider.load()
    with db.transaction() as s, pytest.raises(Invalid, match="no such policy revision"):
        subscriptions.announce(s, SYSTEM, subscriptions.PolicyUpdate(revision="totally-made-up@1999", summary="x"),
                               provider)
    with db.transaction() as s:
        sent = subscriptions.announce(
            s, SYSTEM, subscriptions.PolicyUpdate(revision="openai-usage@2025-01-29", summary="x"), provider)
    assert sent >= 1


def test_email_targets_are_addresses(db: Database) -> None:
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="acme")).id
        with pytest.raises(Invalid, match="email target"):
            subscriptions.subscribe(s, SYSTEM, subscriptions.SubscriptionIn(org_id=org, channel="email",
                                                                            target="not an address"))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_failed_email_delivery_is_recorded_and_counted(db: Database) -> None:
    org = _org(db, "policy@acme.example")
    with db.transaction() as s:
        announcements.announce(s, actor="test", revision="openai-usage@2025-10-29", summary="s", diff={},
                               org_id=org)
    before = metrics.NOTICE_FAILURES.labels(channel="email")._value.get()
    run = deliver_due(db, channels=_channels(_closed_port()))
    assert run.retrying == 1 and run.delivered == 0
    assert metrics.NOTICE_FAILURES.labels(channel="email")._value.get() == before + 1
    with db.read() as s:
        [delivery] = s.scalars(select(Delivery).where(Delivery.channel == "email")).all()
    assert delivery.status == "pending" and delivery.attempts == 1 and "SMTP 127.0.0.1" in (delivery.last_error or "")
    unconfigured = EmailChannel(SmtpSettings())
    with pytest.raises(Exception, match="WARDEN_SMTP_HOST"):
        unconfigured.send(*_sample_message())


def _sample_message() -> tuple[Any, Any]:
    from warden.enforce.notices.channels import Message, Target

    return (Message(id="dlv_1", notice_id="ntc_1", event="policy.updated", org_id=None, recipient_type="subscriber",
                    recipient_id=None, created_at=NOW.isoformat(), data={}), Target(address="a@b.example"))
