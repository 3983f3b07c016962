"""The store's current figures that `/metrics` reports: queue depth and age, notice deliveries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from warden.enforce.kinds import CaseStatus
from warden.store.database import Database
from warden.store.tables import Case, Delivery


class Readings:
    def __init__(self, db: Database) -> None:
        self.db = db

    def queue(self) -> list[tuple[str, str, int]]:
        with self.db.transaction() as s:
            rows = s.execute(select(Case.kind, Case.status, func.count()).where(Case.status != CaseStatus.CLOSED)
                             .group_by(Case.kind, Case.status)).all()
        return [(k, st, int(n)) for k, st, n in rows]

    def oldest_open(self) -> dict[str, dt.datetime]:
        with self.db.transaction() as s:
            rows = s.execute(select(Case.kind, func.min(Case.created_at)).where(Case.status == CaseStatus.OPEN)
                             .group_by(Case.kind)).all()
        out = {}
        for kind, created in rows:
            if created is not None:
                out[kind] = created if created.tzinfo else created.replace(tzinfo=dt.UTC)
        return out

    def deliveries(self) -> list[tuple[str, str, int]]:
        with self.db.transaction() as s:
            rows = s.execute(select(Delivery.channel, Delivery.status, func.count())
                             .group_by(Delivery.channel, Delivery.status)).all()
        return [(c, st, int(n)) for c, st, n in rows]
