"""`warden serve`: the HTTP service under uvicorn."""

from __future__ import annotations

import threading
from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    warm: Annotated[bool, typer.Option(help="Load the detectors in the background at startup.")] = True,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    deliver_every: Annotated[
        float, typer.Option(min=0, help="Seconds between notice-outbox deliveries; 0 turns delivery off.")
    ] = 5.0,
) -> None:
    """Start the Warden HTTP service (OpenAI-compatible /v1/moderations and the REST API)."""
    import uvicorn

    if deliver_every > 0:
        from warden.enforce.notices import deliver_due
        from warden.enforce.notices.worker import DeliveryWorker
        from warden.store import Database

        database = Database()  # WARDEN_DATABASE_URL or the embedded file, as the routes use
        DeliveryWorker(lambda: deliver_due(database), deliver_every).start()

    if warm and workers == 1:
        from warden.detect.moderate import default_moderator

        threading.Thread(target=lambda: default_moderator().warm(), name="warden-warm", daemon=True).start()
    uvicorn.run("warden.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=log_level)  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
