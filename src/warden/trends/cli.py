"""`warden trends` (flag rate per category, rising categories, emerging clusters) and
`warden transparency --from --to` (the DSA transparency figures, as JSON).

Both read the store (`--database`, default WARDEN_DATABASE_URL) as the platform (every
organization, or `--org`). `warden trends` first refreshes the stored aggregates of the window.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from warden.enforce import transparency
from warden.enforce.principal import SYSTEM
from warden.store.database import Database
from warden.trends import aggregates, clusters

out = Console()

DbOpt = Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL; default WARDEN_DATABASE_URL "
                                           "or the embedded SQLite file.")]
OrgOpt = Annotated[str | None, typer.Option("--org", help="Limit to one organization.")]


def _when(value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date or time") from None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def trends(
    days: Annotated[int, typer.Option(min=1, max=365, help="Window: the last DAYS against the DAYS before.")] = 7,
    granularity: Annotated[aggregates.Granularity, typer.Option(help="Bucket size.")] = aggregates.Granularity.DAY,
    surface: Annotated[str | None, typer.Option(help="Limit to one surface.")] = None,
    cluster_hours: Annotated[int, typer.Option(min=1, help="Cluster window in hours (last against previous).")] = 24,
    with_clusters: Annotated[bool, typer.Option("--clusters/--no-clusters",
                                                help="Also look for emerging clusters (loads the encoder).")] = True,
    now: Annotated[str | None, typer.Option(help="Evaluate as of this time (ISO); default now.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    org: OrgOpt = None,
    database: DbOpt = None,
) -> None:
    """Flag rate per category over the last window against the one before; rising categories; new clusters."""
    at = _when(now)
    window = dt.timedelta(days=days)
    db = Database(database)
    with db.transaction() as s:
        aggregates.refresh(s, at - 2 * window, at + granularity.step)
    with db.transaction() as s:
        report = aggregates.report(s, SYSTEM, now=at, window=window, granularity=granularity, org_id=org,
                                   surface=surface)
        windows = clusters.load(s, SYSTEM, now=at, window=dt.timedelta(hours=cluster_hours), org_id=org) \
            if with_clusters else None
    found = clusters.cluster(windows) if windows is not None else None
    if as_json:
        body = {"trends": report.model_dump(mode="json"), "clusters": found.model_dump(mode="json") if found else None}
        print(json.dumps(body, indent=2))
        return
    table = Table(title=f"Flagged decisions per category: last {days} days against the {days} before")
    for col in ("category", "last", "previous", "rate now", "rate before", "trend"):
        table.add_column(col)
    for c in report.categories:
        table.add_row(c.category, str(c.last), str(c.previous), f"{c.last_rate:.1%}", f"{c.previous_rate:.1%}",
                      "RISING" if c.rising else "")
    out.print(table)
    if found is not None:
        out.print(f"Emerging clusters: {found.last_items} flagged or reported texts in the last {cluster_hours} h, "
                  f"{found.previous_items} in the {cluster_hours} h before")
        for i, cl in enumerate(found.clusters, 1):
            label = "NEW" if cl.new else f"growth x{cl.growth} ({cl.previous} before)"
            out.print(f"  cluster {i}: {cl.size} texts, {label}, cohesion {cl.cohesion}")
            for sample in cl.samples:
                out.print(f"    - {sample}", highlight=False, markup=False)


def transparency_report(
    since: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD), inclusive.")],
    until: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD), inclusive.")],
    org: OrgOpt = None,
    database: DbOpt = None,
) -> None:
    """Actions by ground, category and source, appeals and reversals, median time to action, as JSON."""
    start = _when(since).replace(hour=0, minute=0, second=0, microsecond=0)
    end = _when(until).replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    if end <= start:
        raise typer.BadParameter("--to is before --from")
    db = Database(database)
    with db.transaction() as s:
        report = transparency.report(s, SYSTEM, start, end, org_id=org)
    print(json.dumps(report.model_dump(mode="json"), indent=2))


def register(app: typer.Typer) -> None:
    app.command("trends")(trends)
    app.command("transparency")(transparency_report)
