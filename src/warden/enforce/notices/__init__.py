"""Notices: an outbox of messages, delivered by channels registered by name."""

from warden.enforce.notices.channels import Channel, DeliveryFailed, Message, Target, channel, register
from warden.enforce.notices.email import EmailChannel
from warden.enforce.notices.outbox import DeliveryRun, deliver_due, enqueue
from warden.enforce.notices.signing import SIGNATURE_HEADER, sign, verify_signature

register("email", EmailChannel)  # over SMTP (`Settings.smtp`)

__all__ = [
    "SIGNATURE_HEADER",
    "Channel",
    "DeliveryFailed",
    "DeliveryRun",
    "EmailChannel",
    "Message",
    "Target",
    "channel",
    "deliver_due",
    "enqueue",
    "register",
    "sign",
    "verify_signature",
]
