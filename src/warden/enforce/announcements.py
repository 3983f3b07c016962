"""Policy updates that subscribers can follow: sent by Warden itself when the policy changes.

Two moments change a customer's policy. The service loads a new platform pack version (`platform_loaded`,
called once per start by the runtime): the packs in force are compared with those last announced, and
every organization subscribed to `policy.updated` (and platform-wide subscribers) is sent the diff
summary (`warden.policy.diff`), the rules added, removed, replaced and changed per pack. An operator or
workspace overlay version is activated or rolled back (`overlay_switched`, called inside
`warden.enforce.overlays`' transaction): that organization's subscribers are sent the overlay diff and the
composed revision decisions will now name. Each announcement is stored (`PolicyAnnouncement`) so a
revision is sent once; the very first load records a baseline and sends nothing (nothing to compare with).
Notices go through the outbox (`warden.enforce.notices`) over each subscription's channel: webhook, email
or log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.enforce import audit
from warden.enforce.notices import enqueue
from warden.policy.diff import diff_packs
from warden.policy.library import LibraryError, PolicyLibrary
from warden.policy.provider import PolicyProvider
from warden.store.database import Database
from warden.store.tables import PolicyAnnouncement, Subscription, new_id

POLICY_UPDATED = "policy.updated"
PLATFORM, OVERLAY = "platform", "overlay"


def _subscribed_orgs(session: Session) -> list[str]:
    subs = session.execute(select(Subscription).where(Subscription.active.is_(True))).scalars().all()
    return sorted({s.org_id for s in subs if s.org_id is not None
                   and any(e in {POLICY_UPDATED, "policy.*", "*"} for e in s.events)})


def _ref(revision: str) -> str:
    return revision.partition("#")[0]  # "openai-usage@2025-10-29#ab12" -> "openai-usage@2025-10-29"


def _family(revision: str) -> str:
    return _ref(revision).partition("@")[0]


def platform_diff(library: PolicyLibrary, before: Sequence[str], after: Sequence[str]) -> dict[str, Any]:
    """Pack by pack, what changed between two sets of pack revisions (`warden.policy.diff` where both
    versions are loaded; a pack whose version is the same but whose bytes changed says so)."""
    old = {_family(r): r for r in before}
    new = {_family(r): r for r in after}
    packs: list[dict[str, Any]] = []
    for family in sorted(old.keys() | new.keys()):
        was, now = old.get(family), new.get(family)
        if was == now:
            continue
        entry: dict[str, Any] = {"pack": family, "old": was, "new": now}
        if was is not None and now is not None and _ref(was) != _ref(now):
            try:
                entry |= {k: v for k, v in diff_packs(library, _ref(was), _ref(now)).as_dict().items()
                          if k not in ("old", "new")}
            except LibraryError:
                entry["note"] = f"{_ref(was)} is no longer loaded; rules cannot be compared"
        elif was is not None and now is not None:
            entry["note"] = "same version, different content"
        packs.append(entry)
    return {"packs": packs}


def _summary_of(diff: dict[str, Any]) -> str:
    lines = []
    for p in diff["packs"]:
        if p["old"] is None:
            lines.append(f"{p['pack']}: new pack {_ref(p['new'])}")
        elif p["new"] is None:
            lines.append(f"{p['pack']}: {_ref(p['old'])} no longer in force")
        else:
            counts = ", ".join(f"{len(p[k])} {k}" for k in ("added", "removed", "replaced", "changed") if p.get(k))
            lines.append(f"{p['pack']}: {_ref(p['old'])} -> {_ref(p['new'])}"
                         + (f" ({counts})" if counts else f" ({p.get('note', 'no rule changes')})"))
    return "; ".join(lines)[:5000] or "no change"


def _record(session: Session, *, kind: str, org_id: str | None, revision: str, previous: str | None,
            notice_id: str | None) -> None:
    session.add(PolicyAnnouncement(id=new_id("ann"), kind=kind, org_id=org_id, revision=revision[:500],
                                   previous=previous[:500] if previous else None, notice_id=notice_id))


def announce(session: Session, *, actor: str, revision: str, summary: str, diff: dict[str, Any],
             org_id: str | None = None, effective: str | None = None, url: str | None = None) -> list[str]:
    """Enqueue `policy.updated` to the subscribers: an organization's own (`org_id`), or every subscribed
    organization and the platform-wide subscribers (None). Returns the notices written."""
    payload: dict[str, Any] = {"revision": revision, "summary": summary, "effective": effective, "url": url,
                               "diff": diff}
    written = [enqueue(session, org_id=org, event=POLICY_UPDATED, recipient_type="subscriber", recipient_id=org,
                       payload=payload, platform_subscribers=False).id
               for org in ([org_id] if org_id is not None else _subscribed_orgs(session))]
    if org_id is None:
        written.append(enqueue(session, org_id=None, event=POLICY_UPDATED, recipient_type="subscriber",
                               recipient_id=None, payload=payload).id)
    audit.record(session, actor=actor, action="policy.announced", subject_type="policy",
                 subject_id=revision[:40], org_id=org_id,
                 data={"revision": revision, "summary": summary, "notices": len(written)})
    return written


def platform_loaded(db: Database, provider: PolicyProvider) -> str | None:
    """Announce the platform packs in force if they differ from those last announced; returns the summary
    sent (None: nothing new, or the first load, which records a baseline)."""
    packs = provider.effective().packs
    revision = "+".join(packs)
    with db.transaction() as s:
        last = s.execute(select(PolicyAnnouncement).where(PolicyAnnouncement.kind == PLATFORM)
                         .order_by(PolicyAnnouncement.created_at.desc(), PolicyAnnouncement.id.desc()).limit(1)
                         ).scalars().first()
        if last is not None and last.revision == revision[:500]:
            return None
        if last is None:
            _record(s, kind=PLATFORM, org_id=None, revision=revision, previous=None, notice_id=None)
            return None
        diff = platform_diff(provider.library, last.revision.split("+"), packs)
        summary = _summary_of(diff)
        sent = announce(s, actor="system:policy-loader", revision=revision, summary=summary, diff=diff)
        _record(s, kind=PLATFORM, org_id=None, revision=revision, previous=last.revision, notice_id=sent[-1])
        return summary


def overlay_switched(session: Session, *, actor: str, org_id: str, revision: str, previous: str | None,
                     summary: str, diff: dict[str, Any]) -> None:
    """Tell an organization's subscribers that an overlay version took effect (in the caller's transaction)."""
    sent = announce(session, actor=actor, revision=revision, summary=summary, diff=diff, org_id=org_id)
    _record(session, kind=OVERLAY, org_id=org_id, revision=revision, previous=previous, notice_id=sent[0])


def known_revision(session: Session, provider: PolicyProvider, revision: str) -> bool:
    """Whether `revision` names a policy that exists: a loaded pack (ref or revision), a revision this service
    resolved, or one already announced."""
    refs = {p.ref for p in provider.library.packs()} | {p.revision for p in provider.library.packs()}
    if revision in refs or provider.by_revision(revision) is not None:
        return True
    if all(part in refs for part in revision.split("+")):
        return True
    found = session.execute(select(PolicyAnnouncement.id).where(PolicyAnnouncement.revision == revision[:500])
                            .limit(1)).first()
    return found is not None
