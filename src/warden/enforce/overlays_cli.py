"""`warden overlay push|list|show|activate|rollback|diff|impact`: stored overlays from the command line.

The same service as `/v1/overlays` (`warden.enforce.overlays`), run as the platform against the store
(`--database`, default WARDEN_DATABASE_URL) with the packs the service would load. Every answer is JSON
on stdout; a refused overlay prints its `file:line: field: message` and exits 1, storing nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from sqlalchemy.orm import Session

from warden.enforce import overlays
from warden.enforce.pages import MAX_LIMIT, Page
from warden.enforce.principal import SYSTEM
from warden.errors import WardenError
from warden.policy.provider import PolicyProvider
from warden.settings import Settings
from warden.store.database import Database

err = Console(stderr=True)
app = typer.Typer(help="Operator, workspace and user policy overlays stored in the database.", no_args_is_help=True)

DbOpt = Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL; default WARDEN_DATABASE_URL.")]
OrgOpt = Annotated[str, typer.Option("--org", help="The organization.")]
WsOpt = Annotated[str | None, typer.Option("--workspace", help="A workspace of the organization.")]
AcctOpt = Annotated[str | None, typer.Option("--account", help="An account: the end user's own settings.")]
T = TypeVar("T")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="overlay")


def _run(database: str | None, work: Callable[[Session, PolicyProvider], T]) -> T:
    from warden.runtime import StartupError, load_policies

    settings = Settings.from_env()
    db = Database(database or settings.database_url)
    try:
        provider = load_policies(settings, db)
        with db.transaction() as s:
            return work(s, provider)
    except (StartupError, WardenError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    finally:
        db.dispose()


def _print(value: BaseModel | list[Any] | None) -> None:
    if isinstance(value, BaseModel):
        data: Any = value.model_dump(mode="json")
    elif isinstance(value, list):
        data = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    else:
        data = value
    typer.echo(json.dumps(data, indent=2))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@app.command("push")
def push(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)], org: OrgOpt,
         workspace: WsOpt = None, account: AcctOpt = None, database: DbOpt = None) -> None:
    """Validate and store a new version for the scope (inactive until `activate`)."""
    body = overlays.OverlayIn(org_id=org, workspace_id=workspace, account_id=account,
                              text=file.read_text(encoding="utf-8"), filename=file.name)
    _print(_run(database, lambda s, p: overlays.push(s, SYSTEM, body, p)))


@app.command("list")
def list_(org: Annotated[str | None, typer.Option("--org")] = None, workspace: WsOpt = None,
          account: AcctOpt = None, database: DbOpt = None) -> None:
    """Every stored version, newest first per scope."""
    _print(_run(database, lambda s, p: [overlays.OverlayOut.model_validate(r) for r in overlays.history(
        s, SYSTEM, Page.of(MAX_LIMIT), org_id=org, workspace_id=workspace, account_id=account)]))


@app.command("show")
def show(overlay_id: str, database: DbOpt = None) -> None:
    """One version with its YAML."""
    _print(_run(database, lambda s, p: overlays.show(s, SYSTEM, overlay_id)))


@app.command("activate")
def activate(overlay_id: str, database: DbOpt = None) -> None:
    """Make this version the active one of its scope."""
    _print(_run(database, lambda s, p: overlays.activate(s, SYSTEM, overlay_id, p, _now())))


@app.command("rollback")
def rollback(org: OrgOpt, workspace: WsOpt = None, account: AcctOpt = None, database: DbOpt = None) -> None:
    """Back to the version active before the current one (null: no overlay left in the scope)."""
    scope = overlays.OverlayScope(org_id=org, workspace_id=workspace, account_id=account)
    _print(_run(database, lambda s, p: overlays.rollback(s, SYSTEM, scope, p, _now())))


@app.command("diff")
def diff(overlay_id: str, against: Annotated[str | None, typer.Option(help="Another version of the scope "
                                                                      "(default: the active one).")] = None,
         database: DbOpt = None) -> None:
    """The YAML diff and the effective rules that change."""
    _print(_run(database, lambda s, p: overlays.diff(s, SYSTEM, overlay_id, p, against)))


@app.command("impact")
def impact(overlay_id: str, last: Annotated[int, typer.Option(min=1, max=5000)] = 200,
           database: DbOpt = None) -> None:
    """Replay the scope's last N stored decisions under this version: what would change (nothing written)."""
    _print(_run(database, lambda s, p: overlays.impact(s, SYSTEM, overlay_id, p, last)))
