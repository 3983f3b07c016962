"""The email notice channel: a notice as a plain-text message over SMTP (`Settings.smtp`, WARDEN_SMTP_*).

The server is the operator's own (not a subscriber's), so it is not put through the outbound guard; the
subscription's target is the recipient address. A `policy.updated` notice reads as its summary and the
rules each pack or overlay changed; any other event as its JSON data. No SMTP host configured, a refused
connection or a rejected recipient is `DeliveryFailed`, which the outbox retries and records.
"""

from __future__ import annotations

import json
import re
import smtplib
from email.message import EmailMessage
from typing import Any

from warden.enforce.notices.channels import DeliveryFailed, Message, Target
from warden.settings import Settings, SmtpSettings

ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$|^[^@\s<>\"',;]+@localhost$")


def valid_address(address: str) -> bool:
    return bool(ADDRESS.match(address))


def _diff_lines(diff: dict[str, Any]) -> list[str]:
    lines = []
    for pack in diff.get("packs", []):
        lines.append(f"Pack {pack['pack']}: {pack.get('old')} -> {pack.get('new')}")
        for key in ("added", "removed"):
            if pack.get(key):
                lines.append(f"  {key}: {', '.join(pack[key])}")
        for r in pack.get("replaced", []):
            lines.append(f"  replaced: {r['rule_id']} (was {', '.join(r['replaces'])})")
        for c in pack.get("changed", []):
            lines.append(f"  changed: {c['rule_id']} ({', '.join(f['field'] for f in c['changes'])})")
    for key in ("rules_added", "rules_removed", "rules_changed"):
        if diff.get(key):
            lines.append(f"{key.replace('_', ' ')}: {', '.join(diff[key])}")
    return lines


def render(message: Message, sender: str, recipient: str) -> EmailMessage:
    data = message.data
    mail = EmailMessage()
    mail["From"], mail["To"] = sender, recipient
    mail["Message-ID"] = f"<{message.id}@warden>"  # receivers de-duplicate retries with it
    if message.event == "policy.updated":
        mail["Subject"] = f"[Warden] Policy updated: {data.get('revision', '')}"[:200]
        body = [str(data.get("summary", "")), "", f"Revision: {data.get('revision')}"]
        if data.get("effective"):
            body.append(f"Effective: {data['effective']}")
        if data.get("url"):
            body.append(f"Details: {data['url']}")
        body += ["", *_diff_lines(data.get("diff") or {})]
    else:
        mail["Subject"] = f"[Warden] {message.event}"
        body = [json.dumps(data, indent=2, sort_keys=True)]
    body += ["", f"Notice {message.notice_id}, organization {message.org_id or '(platform)'}."]
    mail.set_content("\n".join(body))
    return mail


class EmailChannel:
    def __init__(self, settings: SmtpSettings | None = None) -> None:
        self.settings = settings or Settings.from_env().smtp

    def send(self, message: Message, target: Target) -> None:
        cfg = self.settings
        if not cfg.host:
            raise DeliveryFailed("no SMTP server is configured (WARDEN_SMTP_HOST)")
        if not valid_address(target.address):
            raise DeliveryFailed(f"not an email address: {target.address!r}")
        mail = render(message, cfg.from_address, target.address)
        try:
            with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout) as smtp:
                if cfg.starttls:  # required when on: never fall back to sending in the clear
                    smtp.ehlo()
                    if not smtp.has_extn("starttls"):
                        raise DeliveryFailed(f"SMTP {cfg.host}:{cfg.port} does not offer STARTTLS "
                                             "(WARDEN_SMTP_STARTTLS=off to send without it)")
                    smtp.starttls()
                if cfg.username:
                    smtp.login(cfg.username, cfg.password or "")
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP {cfg.host}:{cfg.port}: {type(exc).__name__}: {exc}") from exc
