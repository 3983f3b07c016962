"""The `warden` command line.

Each area registers its own commands through `register(app)`, the same hook a
plugin would use, so this module only knows the list of areas.
"""

from __future__ import annotations

import importlib
import sys
from importlib.metadata import entry_points
from typing import Annotated

import typer

import warden
from warden.errors import WardenError

# Core command modules, registered exactly like third-party plugins
# (entry-point group `warden.cli`, each exposing `register(app: typer.Typer)`).
CORE_COMMANDS = [
    "warden.policy.cli",
    "warden.review.cli",
    "warden.enforce.cli",
    "warden.detect.cli",
    "warden.detect.images.cli",
    "warden.api.cli",
    "warden.gateway.cli",
    "warden.trends.cli",
    "warden.scan.cli",
    "warden.enforce.overlays_cli",
    "warden.enforce.connectors_cli",
    "warden.enforce.submit_cli",
    "warden.enforce.evidence_cli",
]

app = typer.Typer(
    name="warden",
    help="Usage-policy enforcement for AI platforms.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"warden {warden.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Usage-policy enforcement for AI platforms."""


def _register_all() -> None:
    for name in CORE_COMMANDS:
        importlib.import_module(name).register(app)
    for ep in entry_points(group="warden.cli"):
        ep.load()(app)


_register_all()


def main() -> None:
    """The CLI's edge: a `WardenError` a command did not handle is its message and exit status 1."""
    try:
        app()
    except WardenError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        raise SystemExit(1) from None
