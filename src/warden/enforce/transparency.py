"""Transparency report: the figures a DSA transparency report asks for, over a period.

Actions taken in [since, until) by ground and category (from their statements of reasons, so the
report and the statements agree), by kind and by source: *automated* (decided by Warden without a
person), *report* (a user's or trusted flagger's notice) or *proactive* (a reviewer on Warden's own
initiative: flags below the auto-action bar and re-reviews). Appeals filed, granted and denied,
actions reversed, and the median time from the content to the action.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.enforce.kinds import Source
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import scoped
from warden.store.tables import ActionRecord, Appeal, ContentItem, Report, StatementOfReasons


class AppealFigures(BaseModel):
    filed: int
    granted: int
    denied: int
    open: int
    median_hours_to_decide: float | None


class TransparencyReport(BaseModel):
    since: dt.datetime
    until: dt.datetime
    org_id: str | None
    actions: int
    by_ground: dict[str, int]
    by_category: dict[str, int]
    by_kind: dict[str, int]
    by_source: dict[str, int]  # automated | report | proactive
    automated_detection: int  # actions whose violation a detector found first
    reports_received: int
    appeals: AppealFigures
    reversals: int  # actions reversed in the period (appeals granted, terminations rejected)
    median_hours_to_action: float | None  # from the content's creation to the action


def source_of(action: ActionRecord) -> str:
    if action.automated:
        return "automated"
    if action.source == Source.REPORT:
        return "report"
    return "proactive"


def _median_hours(deltas: list[dt.timedelta]) -> float | None:
    return round(statistics.median(d.total_seconds() for d in deltas) / 3600, 2) if deltas else None


def report(session: Session, principal: Principal, since: dt.datetime, until: dt.datetime,
           org_id: str | None = None) -> TransparencyReport:
    principal.require(Permission.READ_ENFORCEMENT)
    acts = session.execute(scoped(
        select(ActionRecord, StatementOfReasons.body, ContentItem.created_at)
        # the statement issued when it took effect, not the updates a reversal publishes (statements.supersede)
        .outerjoin(StatementOfReasons, (StatementOfReasons.action_id == ActionRecord.id)
                   & StatementOfReasons.puid.not_like("%-rev%"))
        .outerjoin(ContentItem, ContentItem.id == ActionRecord.content_id)
        .where(ActionRecord.created_at >= since, ActionRecord.created_at < until,
               ActionRecord.status != "cancelled"), ActionRecord.org_id, principal, org_id)).all()
    ground: Counter[str] = Counter()
    category: Counter[str] = Counter()
    kind: Counter[str] = Counter()
    source: Counter[str] = Counter()
    detected = 0
    to_action: list[dt.timedelta] = []
    for action, body, content_at in acts:
        statement = body or {}
        ground[str(statement.get("decision_ground", "none"))] += 1
        category[str(statement.get("category", "none"))] += 1
        kind[action.kind] += 1
        source[source_of(action)] += 1
        detected += statement.get("automated_detection") == "Yes"
        if content_at is not None:
            to_action.append(action.created_at - content_at)
    appeals = session.execute(scoped(select(Appeal).where(Appeal.created_at >= since, Appeal.created_at < until),
                                     Appeal.org_id, principal, org_id)).scalars().all()
    status = Counter(a.status for a in appeals)
    reversed_ = session.execute(scoped(select(ActionRecord.id).where(
        ActionRecord.reversed_at >= since, ActionRecord.reversed_at < until, ActionRecord.status == "reversed"),
        ActionRecord.org_id, principal, org_id)).all()
    reports = session.execute(scoped(select(Report.id).where(Report.created_at >= since, Report.created_at < until),
                                     Report.org_id, principal, org_id)).all()
    return TransparencyReport(
        since=since, until=until, org_id=principal.scoped_org(org_id), actions=len(acts),
        by_ground=dict(ground.most_common()), by_category=dict(category.most_common()),
        by_kind=dict(kind.most_common()), by_source={k: source.get(k, 0) for k in ("automated", "report", "proactive")},
        automated_detection=detected, reports_received=len(reports),
        appeals=AppealFigures(filed=len(appeals), granted=status.get("granted", 0), denied=status.get("denied", 0),
                              open=status.get("open", 0),
                              median_hours_to_decide=_median_hours([a.decided_at - a.created_at for a in appeals
                                                                    if a.decided_at is not None])),
        reversals=len(reversed_), median_hours_to_action=_median_hours(to_action))
