"""Trend pages: flag rate per category with plots, emerging clusters, the transparency report."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from warden.categories import CATEGORIES
from warden.console.app import templates
from warden.console.charts import line_chart
from warden.console.web import Allowed, Visit
from warden.enforce import transparency
from warden.enforce.principal import Permission
from warden.errors import InvalidInput
from warden.policy.model import Surface
from warden.trends import aggregates, clusters

router = APIRouter()
Reader = Annotated[Visit, Allowed(Permission.READ_ENFORCEMENT)]


@router.get("/trends", response_class=HTMLResponse)
def trends(visit: Reader, days: int = 7, granularity: str = "day", surface: str | None = None) -> Response:
    try:
        g = aggregates.Granularity(granularity)
    except ValueError:
        raise InvalidInput(f"granularity is hour or day, not {granularity!r}") from None
    window = dt.timedelta(days=min(max(days, 1), 90))
    with visit.tx() as s:
        aggregates.refresh(s, visit.now - 2 * window, visit.now + g.step)
    with visit.tx() as s:
        report = aggregates.report(s, visit.principal, now=visit.now, window=window, granularity=g,
                                   surface=surface or None)
    fmt = "%m-%d %H:00" if g is aggregates.Granularity.HOUR else "%m-%d"
    labels = [p.start.strftime(fmt) for p in report.totals]
    top = report.categories[:6]
    rate_chart = line_chart("Flag rate per category", labels,
                            [(c.category, [p.flagged / p.decisions if p.decisions else 0.0 for p in c.series])
                             for c in top], percent=True)
    volume_chart = line_chart("Decisions and flagged decisions", labels,
                              [("decisions", [float(p.decisions) for p in report.totals]),
                               ("flagged", [float(p.flagged) for p in report.totals])])
    return templates.TemplateResponse(visit.request, "trends.html", visit.page(
        report=report, rate_chart=rate_chart, volume_chart=volume_chart, days=window.days, granularity=g.value,
        surface=surface or "", surfaces=[v.value for v in Surface]))


@router.get("/trends/clusters", response_class=HTMLResponse)
def emerging(visit: Reader, hours: int = 24) -> Response:
    window = dt.timedelta(hours=min(max(hours, 1), 24 * 30))
    with visit.tx() as s:
        windows = clusters.load(s, visit.principal, now=visit.now, window=window)
    report = clusters.cluster(windows, _embedder(visit))  # embedding runs outside the transaction
    return templates.TemplateResponse(visit.request, "clusters.html", visit.page(
        report=report, hours=hours, categories=sorted(CATEGORIES)))


@router.post("/trends/clusters/rule", response_class=HTMLResponse)
def prototype_rule(visit: Annotated[Visit, Allowed(Permission.REVIEW)], name: Annotated[str, Form(min_length=1)],
                   category: Annotated[str, Form()], content_ids: Annotated[list[str], Form()]) -> Response:
    """A reviewer names a cluster: a prototype rule drafted from its texts, for WARDEN_PROTOTYPE_RULES."""
    with visit.tx() as s:
        draft = clusters.draft_rule(s, visit.principal, name=name, category=category, content_ids=content_ids)
    return templates.TemplateResponse(visit.request, "prototype.html", visit.page(draft=draft))


def _embedder(visit: Visit) -> clusters.Embedder:
    cached: clusters.Embedder | None = getattr(visit.request.app.state, "embedder", None)
    if cached is None:
        cached = clusters.default_embedder()
        visit.request.app.state.embedder = cached
    return cached


def _day(value: str | None, default: dt.datetime) -> dt.datetime:
    if not value:
        return default
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)") from None


@router.get("/transparency", response_class=HTMLResponse)
def transparency_page(visit: Reader, start: str | None = None, end: str | None = None) -> Response:
    until = _day(end, visit.now.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1))
    since = _day(start, until - dt.timedelta(days=30))
    with visit.tx() as s:
        report = transparency.report(s, visit.principal, since, until)
    return templates.TemplateResponse(visit.request, "transparency.html", visit.page(report=report))
