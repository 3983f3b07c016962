"""`warden connectors enable|disable|list`: a workspace's connector and action allow-list from the command line.

The same service as `/v1/connectors` (`warden.enforce.connectors`), run as the platform against the store
(`--database`, default WARDEN_DATABASE_URL). Answers are JSON on stdout; a refused change exits 1.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from warden.enforce import connectors
from warden.enforce.pages import MAX_LIMIT, Page
from warden.enforce.principal import SYSTEM
from warden.errors import WardenError
from warden.settings import Settings
from warden.store.database import Database

err = Console(stderr=True)
app = typer.Typer(
    help="Connectors and actions a workspace's administrators enabled (Service Terms 7.a).", no_args_is_help=True
)
DbOpt = Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL; default WARDEN_DATABASE_URL.")]
OrgOpt = Annotated[str, typer.Option("--org", help="The organization.")]
WsOpt = Annotated[
    str | None,
    typer.Option(
        "--workspace", help="The workspace (default: the organization's own list, for requests outside any workspace)."
    ),
]
T = TypeVar("T")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="connectors")


def _run(database: str | None, work: Callable[[Session], T]) -> T:
    db = Database(database or Settings.from_env().database_url)
    try:
        with db.transaction() as s:
            return work(s)
    except (WardenError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    finally:
        db.dispose()


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))


def _change(name: str, org: str, workspace: str | None, on: bool, database: str | None) -> None:
    try:
        body = connectors.ConnectorChange(org_id=org, workspace_id=workspace, name=name)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    now = dt.datetime.now(dt.UTC)
    _print(_run(database, lambda s: connectors.set_enabled(s, SYSTEM, body, on, now).model_dump(mode="json")))


@app.command("enable")
def enable(name: str, org: OrgOpt, workspace: WsOpt = None, database: DbOpt = None) -> None:
    """Put a connector or action on the workspace's allow-list."""
    _change(name, org, workspace, True, database)


@app.command("disable")
def disable(name: str, org: OrgOpt, workspace: WsOpt = None, database: DbOpt = None) -> None:
    """Take it off: requests that use it are refused."""
    _change(name, org, workspace, False, database)


@app.command("list")
def list_(org: OrgOpt, workspace: WsOpt = None, database: DbOpt = None) -> None:
    """The workspace's connectors and actions, enabled and disabled, with their versions."""
    _print(
        _run(
            database,
            lambda s: [
                c.model_dump(mode="json")
                for c in connectors.listing(s, SYSTEM, Page.of(MAX_LIMIT), org_id=org, workspace_id=workspace)
            ],
        )
    )
