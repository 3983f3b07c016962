"""Stored aggregates of decisions: per hour and per day, organization, surface and category.

`refresh` recomputes the buckets of a time range from the decisions table (the automated, first-line
decisions: a reviewer's later decision on the same content is not a second data point) (idempotent: a range
is deleted and written again in one transaction), so history survives however long decisions
are kept and the trend views read a few hundred rows instead of every decision. A decision's
categories are those of its violations (the signal that fired); the category "*" counts every
decision of the bucket, the denominator of a flag rate.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import scoped
from warden.store.tables import DecisionRecord, TrendBucket

ALL = "*"
NO_CATEGORY = "(condition)"  # a violation that fired on a condition, not a signal


class Granularity(StrEnum):
    HOUR = "hour"
    DAY = "day"

    @property
    def step(self) -> dt.timedelta:
        return dt.timedelta(hours=1) if self is Granularity.HOUR else dt.timedelta(days=1)

    def floor(self, t: dt.datetime) -> dt.datetime:
        t = t.astimezone(dt.UTC)
        if self is Granularity.HOUR:
            return t.replace(minute=0, second=0, microsecond=0)
        return t.replace(hour=0, minute=0, second=0, microsecond=0)


def categories(violations: Iterable[dict[str, object]]) -> set[str]:
    return {str(v.get("category") or NO_CATEGORY) for v in violations}


class RefreshResult(BaseModel):
    decisions: int
    buckets: int


def refresh(session: Session, since: dt.datetime, until: dt.datetime) -> RefreshResult:
    """Recompute every bucket that starts in [since, until) at both granularities."""
    rows = session.execute(
        select(DecisionRecord.org_id, DecisionRecord.surface, DecisionRecord.verdict, DecisionRecord.violations,
               DecisionRecord.created_at)
        .where(DecisionRecord.created_at >= Granularity.DAY.floor(since), DecisionRecord.created_at < until,
               DecisionRecord.automated.is_(True))
    ).all()
    written = 0
    for g in Granularity:
        start = g.floor(since)
        session.execute(delete(TrendBucket).where(TrendBucket.granularity == g.value, TrendBucket.start >= start,
                                                  TrendBucket.start < until))
        totals: Counter[tuple[dt.datetime, str, str, str]] = Counter()
        flagged: Counter[tuple[dt.datetime, str, str, str]] = Counter()
        for org_id, surface, verdict, violations, created in rows:
            bucket = g.floor(created)
            if bucket < start:
                continue
            is_flagged = verdict != "allow"
            for category in {ALL} | categories(violations):
                key = (bucket, org_id, surface or "", category)
                totals[key] += 1 if category == ALL else 0
                flagged[key] += 1 if is_flagged else 0
        for key in set(totals) | set(flagged):
            bucket, org_id, surface, category = key
            session.add(TrendBucket(granularity=g.value, start=bucket, org_id=org_id, surface=surface,
                                    category=category, decisions=totals[key], flagged=flagged[key]))
            written += 1
    session.flush()
    return RefreshResult(decisions=len(rows), buckets=written)


class Point(BaseModel):
    start: dt.datetime
    decisions: int
    flagged: int

    @property
    def rate(self) -> float:
        return self.flagged / self.decisions if self.decisions else 0.0


class CategoryTrend(BaseModel):
    category: str
    series: list[Point]  # flagged decisions of this category per bucket; `decisions` is the bucket's total
    last: int  # flagged in the last window
    previous: int  # flagged in the window before it
    last_rate: float
    previous_rate: float
    rising: bool

    @property
    def change(self) -> float | None:
        return None if self.previous_rate == 0 else self.last_rate / self.previous_rate


class TrendReport(BaseModel):
    granularity: Granularity
    since: dt.datetime
    until: dt.datetime
    window: dt.timedelta
    org_id: str | None
    surface: str | None
    totals: list[Point]  # every decision per bucket (flagged: any category)
    categories: list[CategoryTrend]


RISE_FACTOR = 2.0  # the last window's flag rate at least this many times the previous one's
RISE_MIN = 5  # and at least this many flagged decisions in the last window


def _rising(last: int, last_rate: float, previous_rate: float) -> bool:
    if last < RISE_MIN:
        return False
    return previous_rate == 0 or last_rate >= RISE_FACTOR * previous_rate


Bucket = tuple[dt.datetime, str, int, int]  # start, category, decisions, flagged


def _buckets(session: Session, principal: Principal, granularity: Granularity, since: dt.datetime,
             until: dt.datetime, org_id: str | None, surface: str | None) -> list[Bucket]:
    """The buckets of [since, until) the principal may see. The stored ones are per organization; a key
    bound to a workspace sees only its workspace's, counted here from that workspace's decisions (scoped
    like every other read, so never another workspace's)."""
    if principal.workspace_id is None:
        q = scoped(select(TrendBucket)
                   .where(TrendBucket.granularity == granularity.value, TrendBucket.start >= since,
                          TrendBucket.start < until), TrendBucket.org_id, principal, org_id)
        if surface is not None:
            q = q.where(TrendBucket.surface == surface)
        return [(b.start, b.category, b.decisions, b.flagged) for b in session.execute(q).scalars()]
    q2 = scoped(select(DecisionRecord.verdict, DecisionRecord.violations, DecisionRecord.created_at)
                .where(DecisionRecord.created_at >= since, DecisionRecord.created_at < until,
                       DecisionRecord.automated.is_(True)), DecisionRecord.org_id, principal, org_id)
    if surface is not None:
        q2 = q2.where(DecisionRecord.surface == surface)
    totals: Counter[tuple[dt.datetime, str]] = Counter()
    flagged: Counter[tuple[dt.datetime, str]] = Counter()
    for verdict, violations, created in session.execute(q2).tuples():
        bucket = granularity.floor(created)
        for category in {ALL} | categories(violations):
            totals[(bucket, category)] += 1 if category == ALL else 0
            flagged[(bucket, category)] += 1 if verdict != "allow" else 0
    return [(b, c, totals[(b, c)], flagged[(b, c)]) for b, c in set(totals) | set(flagged)]


def report(session: Session, principal: Principal, *, now: dt.datetime, window: dt.timedelta = dt.timedelta(days=7),
           granularity: Granularity = Granularity.DAY, org_id: str | None = None,
           surface: str | None = None) -> TrendReport:
    """Flag rate per category over the last two windows (read from the stored buckets), with the categories
    whose rate rose: the last window against the one before it."""
    principal.require(Permission.READ_ENFORCEMENT)
    until = granularity.floor(now) + granularity.step
    since = until - 2 * window
    boundary = until - window
    totals: dict[dt.datetime, int] = {}
    flagged_any: dict[dt.datetime, int] = {}
    by_cat: dict[str, dict[dt.datetime, int]] = {}
    for start, category, decisions, flagged in _buckets(session, principal, granularity, since, until, org_id,
                                                        surface):
        if category == ALL:
            totals[start] = totals.get(start, 0) + decisions
            flagged_any[start] = flagged_any.get(start, 0) + flagged
        else:
            cat = by_cat.setdefault(category, {})
            cat[start] = cat.get(start, 0) + flagged
    starts = []
    t = since
    while t < until:
        starts.append(t)
        t += granularity.step
    last_total = sum(v for k, v in totals.items() if k >= boundary)
    prev_total = sum(v for k, v in totals.items() if k < boundary)
    trends = []
    for category, counts in by_cat.items():
        last = sum(v for k, v in counts.items() if k >= boundary)
        prev = sum(v for k, v in counts.items() if k < boundary)
        last_rate = last / last_total if last_total else 0.0
        prev_rate = prev / prev_total if prev_total else 0.0
        trends.append(CategoryTrend(
            category=category, last=last, previous=prev, last_rate=last_rate, previous_rate=prev_rate,
            rising=_rising(last, last_rate, prev_rate),
            series=[Point(start=s, decisions=totals.get(s, 0), flagged=counts.get(s, 0)) for s in starts]))
    trends.sort(key=lambda c: (not c.rising, -c.last, c.category))
    return TrendReport(granularity=granularity, since=since, until=until, window=window, org_id=org_id,
                       surface=surface, categories=trends,
                       totals=[Point(start=s, decisions=totals.get(s, 0), flagged=flagged_any.get(s, 0))
                               for s in starts])
