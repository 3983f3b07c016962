"""Retention: evidence is kept exactly as long as the law asks, then destroyed.

Evidence sealed for a mandatory report is preserved for a year (REPORT Act);
past `preserve_until` its bytes are destroyed. The row keeps the hashes that
the CyberTipline report cites, and each destruction is recorded in the audit
chain in the same transaction, so the log shows what was destroyed and when
without keeping the content itself.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warden.enforce import audit
from warden.store.tables import Evidence


class PurgeReport(BaseModel):
    expired: int
    purged: int
    dry_run: bool


def purge_expired_evidence(session: Session, *, now: dt.datetime, actor: str = "system:retention",
                           dry_run: bool = False, limit: int = 1000) -> PurgeReport:
    rows = list(session.execute(
        select(Evidence)
        .where(Evidence.preserve_until < now, func.length(Evidence.data) > 0)  # empty data: already purged
        .order_by(Evidence.preserve_until)
        .limit(limit)
    ).scalars())
    if dry_run:
        return PurgeReport(expired=len(rows), purged=0, dry_run=True)
    for evidence in rows:
        audit.record(session, actor=actor, action="evidence.purged", subject_type="evidence",
                     subject_id=evidence.id, org_id=evidence.org_id,
                     data={"content_id": evidence.content_id, "sha256": evidence.sha256,
                           "preserve_until": evidence.preserve_until.isoformat()})
        evidence.data = b""
    session.flush()
    return PurgeReport(expired=len(rows), purged=len(rows), dry_run=False)
