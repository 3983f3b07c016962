"""Webhook targets go through the outbound guard: refused when registered and when connected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from warden.enforce import subscriptions
from warden.enforce.errors import Invalid
from warden.enforce.notices import channels
from warden.enforce.notices.channels import DeliveryFailed, Message, Target, WebhookChannel
from warden.enforce.principal import SYSTEM
from warden.outbound import OutboundPolicy
from warden.store import Database


@pytest.fixture(autouse=True)
def no_allow_list() -> Iterator[None]:
    channels.configure_outbound(OutboundPolicy())
    yield
    channels.configure_outbound(OutboundPolicy())


def _message() -> Message:
    return Message(id="dlv_1", notice_id="ntc_1", event="action.taken", org_id=None, recipient_type="subscriber",
                   recipient_id=None, created_at=dt.datetime.now(dt.UTC).isoformat(), data={})


@pytest.mark.parametrize("target", ["http://127.0.0.1:8000/hook", "http://10.1.2.3/hook", "http://169.254.169.254/",
                                    "http://[::1]/hook", "http://[::ffff:127.0.0.1]/x"])
def test_a_non_public_target_is_refused_when_subscribed(db: Database, target: str) -> None:
    with db.transaction() as s, pytest.raises(Invalid, match="refused"):
        subscriptions.subscribe(s, SYSTEM, subscriptions.SubscriptionIn(target=target))


def test_an_allow_listed_target_is_accepted(db: Database) -> None:
    channels.configure_outbound(OutboundPolicy.from_hosts(["10.0.0.0/8"]))
    with db.transaction() as s:
        made = subscriptions.subscribe(s, SYSTEM, subscriptions.SubscriptionIn(target="http://10.1.2.3/hook"))
    assert made.target == "http://10.1.2.3/hook"


def test_a_name_that_rebinds_to_loopback_is_refused_at_connection_time() -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # public when checked, loopback when connecting

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers, ["127.0.0.1"])

    policy = OutboundPolicy.from_hosts([], resolver=rebinding)
    policy.check_url("http://rebind.example/hook")  # the registration-time check passes
    channel: Any = WebhookChannel(policy=policy)
    with pytest.raises(DeliveryFailed, match="refused"):
        channel.send(_message(), Target(address="http://rebind.example/hook", secret=None))
