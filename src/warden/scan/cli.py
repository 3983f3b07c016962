"""Rescans of stored content items, locally or on Ray: `warden rescan --engine local|ray` (and its older
name, `warden rescan-content`). `warden rescan` without `--engine` re-reviews stored apps
(`warden.review.cli`); with it, it decides every stored content item under a policy version."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True)
CONTENT_DETECTORS = "embedded,recognisers"
EngineOpt = Annotated[str, typer.Option(help="local (this process) or ray (Ray Data, an actor pool).")]
WorkersOpt = Annotated[int, typer.Option(min=1, help="Ray actors (one detector set each).")]
AddressOpt = Annotated[str | None, typer.Option(help="An existing Ray cluster (ray://host:10001, or auto); "
                                                "default: start a local one.")]


def scan(policy: list[str] | None, engine: str, workers: int = 1, address: str | None = None,
         detectors: str = CONTENT_DETECTORS, batch_size: int = 512, org: str | None = None,
         database: str | None = None) -> None:
    """Decide every stored content item under the policy and print the report (exit 2: unknown engine)."""
    from warden.scan.engine import ScanJob
    from warden.scan.engine import engine as make
    from warden.settings import Settings
    from warden.store.database import Database

    url = database or Settings.from_env().database_url
    try:
        job = ScanJob(database_url=url, packs=tuple(policy or ()), detectors=tuple(d.strip() for d in
                      detectors.split(",") if d.strip()), org_id=org, batch_size=batch_size)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    Database(url).dispose()  # create or migrate the store first
    try:
        chosen = make(engine, workers, address)
    except KeyError as exc:
        err.print(f"[red]error:[/red] {exc.args[0]}", highlight=False)
        raise typer.Exit(2) from exc
    except ImportError as exc:
        err.print("[red]error:[/red] the ray engine needs ray: pip install 'warden[ray]'", highlight=False)
        raise typer.Exit(1) from exc
    report = chosen.run(job)
    print(json.dumps(report.model_dump() | {"items_per_second": round(report.items_per_second, 1)}, indent=2))


def rescan_content(
    policy: Annotated[list[str] | None, typer.Option("--policy", help="Pack ref(s); default: in force today.")] = None,
    engine: EngineOpt = "local",
    workers: WorkersOpt = 1,
    address: AddressOpt = None,
    detectors: Annotated[str, typer.Option(help="Comma-separated detector names.")] = CONTENT_DETECTORS,
    batch_size: Annotated[int, typer.Option(min=1)] = 512,
    org: Annotated[str | None, typer.Option(help="Only this organization's items.")] = None,
    database: Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL; default: the store.")] = None,
) -> None:
    """Write a decision for every stored item under the policy (idempotent: a rerun writes only what is missing).
    The same as `warden rescan --engine ENGINE`."""
    scan(policy, engine, workers, address, detectors, batch_size, org, database)


def register(app: typer.Typer) -> None:
    app.command("rescan-content")(rescan_content)
