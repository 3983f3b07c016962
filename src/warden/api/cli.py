"""`warden serve`: the HTTP service under uvicorn.

The app's lifespan builds the runtime (store, policy, detectors, notice outbox);
with one worker it is built here first, so a policy or detector that cannot load
stops `warden serve` with its message and exit status 1 before uvicorn starts.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True)


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each builds its runtime from the "
                                                     "environment).")] = 1,
    warm: Annotated[bool | None, typer.Option(help="Load the detectors at start-up (default: WARDEN_WARM, "
                                                   "on).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    deliver_every: Annotated[
        float | None, typer.Option(min=0, help="Seconds between notice-outbox deliveries; 0 turns delivery off "
                                               "(default: WARDEN_DELIVER_EVERY, 5).")
    ] = None,
) -> None:
    """Start the Warden HTTP service (OpenAI-compatible /v1/moderations and the REST API)."""
    import uvicorn

    from warden.api.app import create_app
    from warden.api.server import WardenH11Protocol
    from warden.runtime import Runtime, StartupError
    from warden.settings import Settings, SettingsError, worker_default

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    changes = {k: v for k, v in {"warm": warm, "deliver_every": deliver_every}.items() if v is not None}
    settings = settings.model_copy(update=changes)
    WardenH11Protocol.configure(settings.limits)  # header timeout; bodies are timed by the app
    if workers > 1:
        if changes:
            err.print("[yellow]warning:[/yellow] with --workers > 1 each worker reads its settings from the "
                      "environment; set WARDEN_WARM / WARDEN_DELIVER_EVERY instead of the flags", highlight=False)
        # the workers share one rate-limit budget through the database unless told otherwise
        worker_default("WARDEN_RATE_STORE", "database")
        uvicorn.run("warden.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, http=WardenH11Protocol,
                    timeout_keep_alive=settings.limits.keepalive_timeout)  # fmt: skip
        return
    try:
        runtime = Runtime.build(settings)
    except StartupError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    uvicorn.run(create_app(runtime, manage=True), host=host, port=port, log_level=log_level,
                http=WardenH11Protocol, timeout_keep_alive=settings.limits.keepalive_timeout)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
