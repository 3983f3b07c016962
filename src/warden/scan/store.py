"""Stored items in, decisions out: keyset-paged reads and idempotent writes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from warden.store.database import Database
from warden.store.tables import Account, ContentItem, DecisionRecord

# the owner's account and workspace come along: a rescan decides each item under its owner's tiers
ITEMS_SQL = ("SELECT c.id AS id, c.org_id AS org_id, c.text AS text, c.account_id AS account_id, "
             "a.workspace_id AS workspace_id FROM content_items c LEFT JOIN accounts a ON a.id = c.account_id "
             "WHERE c.text IS NOT NULL")


@dataclass(frozen=True)
class StoredItem:
    id: str
    org_id: str
    text: str
    account_id: str | None = None  # the end user whose settings apply, if the item has one
    workspace_id: str | None = None  # that account's workspace


def item_batches(db: Database, batch: int, org_id: str | None = None) -> Iterator[list[StoredItem]]:
    last = ""
    while True:
        with db.transaction() as s:
            q = (select(ContentItem.id, ContentItem.org_id, ContentItem.text, ContentItem.account_id,
                        Account.workspace_id)
                 .outerjoin(Account, Account.id == ContentItem.account_id)
                 .where(ContentItem.text.is_not(None), ContentItem.id > last).order_by(ContentItem.id).limit(batch))
            if org_id is not None:
                q = q.where(ContentItem.org_id == org_id)
            rows = [StoredItem(r.id, r.org_id, r.text or "", r.account_id, r.workspace_id) for r in s.execute(q)]
        if not rows:
            return
        yield rows
        last = rows[-1].id


def decision_id(content_id: str, revision: str) -> str:
    """The same content under the same revision always gets the same decision id."""
    return "dec_" + hashlib.sha256(f"{content_id}\0{revision}".encode()).hexdigest()[:32]


def write_decisions(db: Database, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the decisions whose ids are not stored yet (one transaction); returns how many were new."""
    if not rows:
        return 0
    with db.transaction() as s:
        ids = [r["id"] for r in rows]
        present = set(s.execute(select(DecisionRecord.id).where(DecisionRecord.id.in_(ids))).scalars())
        fresh = [DecisionRecord(**r) for r in rows if r["id"] not in present]
        s.add_all(fresh)
    return len(fresh)
