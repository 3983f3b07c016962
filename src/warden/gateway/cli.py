"""`warden gateway echo`: the scripted OpenAI-compatible upstream, for demos of the gateway."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

gateway = typer.Typer(help="The chat-completions gateway (POST /v1/chat/completions in `warden serve`).",
                      no_args_is_help=True)


@gateway.command("echo")
def echo(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 9000,
    script: Annotated[Path | None, typer.Option(help="JSON object of trigger -> reply (the first trigger "
                                                      "found in the last user message chooses the reply).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Serve a scripted OpenAI-compatible upstream (echo by default) at http://HOST:PORT/v1."""
    import uvicorn

    from warden.gateway.echo import create_echo_app

    replies: dict[str, str] = {}
    if script is not None:
        try:
            loaded = json.loads(script.read_text())
        except (OSError, ValueError) as exc:
            typer.echo(f"error: cannot read {script}: {exc}", err=True)
            raise typer.Exit(1) from exc
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            typer.echo(f"error: {script} must be a JSON object of trigger -> reply strings", err=True)
            raise typer.Exit(1)
        replies = loaded
    uvicorn.run(create_echo_app(replies), host=host, port=port, log_level=log_level)


def register(app: typer.Typer) -> None:
    app.add_typer(gateway, name="gateway")
