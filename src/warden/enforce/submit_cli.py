"""`warden submit`: content (text, images, or both) decided and enforced from the command line.

The same path as `POST /v1/submissions` (`submissions.prepare`, then `submissions.submit` in one
transaction) under the runtime the settings describe, acting as the platform (`system:cli`). Images are
files (sent as `data:` URLs) or http(s) URLs (fetched through the outbound guard). Exit status: 0 allowed,
1 actioned, queued or answered with safe messaging, 2 bad input or a refusal.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from warden.enforce import submissions
from warden.enforce.principal import Principal, Role
from warden.errors import WardenError
from warden.settings import Settings

CLI_PRINCIPAL = Principal(key_id="cli", role=Role.PLATFORM_ADMIN, subject="cli")


def register(app: typer.Typer) -> None:
    app.command("submit", help="Decide and enforce content (text, images or both) for an organization's account: "
                               "the path of POST /v1/submissions.")(submit_cmd)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def image_url(ref: str) -> str:
    """An http(s) URL as given; a file as a `data:` URL (the intake checks that it is an image)."""
    if ref.startswith(("http://", "https://", "data:image/")):
        return ref
    path = Path(ref)
    try:
        data = path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read the image {ref}: {exc.strerror}")
    kind = (path.suffix.lstrip(".").lower() or "png").replace("jpg", "jpeg")
    return f"data:image/{kind};base64," + base64.b64encode(data).decode()


def submission(text: str | None, images: list[str], *, org: str, account: str | None, app: str | None,
               surface: str | None) -> submissions.Submission:
    """The submission the arguments describe: text, image (one image, no text) or mixed."""
    urls = [image_url(i) for i in images]
    if not urls:
        if not text:
            _fail("give a TEXT, an --image, or both")
        kind, content = "text", text
    elif text:
        kind, content = "mixed", text
    elif len(urls) == 1:
        kind, content, urls = "image", urls[0], []
    else:
        _fail("several images need a TEXT to go with them (or submit them one at a time)")
    try:
        return submissions.Submission(org_id=org, account_id=account, app_id=app, content=content,
                                      content_type=kind, images=urls, surface=surface)
    except ValueError as exc:  # pydantic's ValidationError
        _fail(str(exc))


def submit_cmd(
    text: Annotated[str | None, typer.Argument(help="The text (a prompt, an output, a caption).")] = None,
    org: Annotated[str, typer.Option("--org", help="The organization the content belongs to.")] = "",
    image: Annotated[list[str] | None, typer.Option("--image", help="An image file or http(s) URL (repeatable).")]
    = None,
    account: Annotated[str | None, typer.Option("--account", help="The end user's account id.")] = None,
    app_id: Annotated[str | None, typer.Option("--app", help="The app's id.")] = None,
    surface: Annotated[str | None, typer.Option("--surface", help="Where the content appeared (api, chatgpt, ...)")]
    = None,
    database: Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL; default WARDEN_DATABASE_URL "
                                                                    "or the embedded SQLite file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")] = False,
) -> None:
    if not org:
        _fail("--org is required")
    from warden.runtime import Runtime, StartupError  # the composition root: only when the command runs

    settings = Settings.from_env()
    if database:
        settings = settings.model_copy(update={"database_url": database})
    try:
        rt = Runtime.build(settings)
    except StartupError as exc:
        _fail(str(exc))
    try:
        sub = submission(text, image or [], org=org, account=account, app=app_id, surface=surface)
        detected, facts = submissions.prepare(sub, rt.screener, rt.images)
        with rt.db.transaction() as s:
            result = submissions.submit(s, CLI_PRINCIPAL, sub, rt.policies, rt.cybertip, rt.clock(), detected, facts)
    except WardenError as exc:
        _fail(str(exc))
    finally:
        rt.close()
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        rules = ", ".join(v.rule_id for v in result.decision.violations) or "none"
        enforced = result.enforcement
        line = {"content_id": result.content_id, "outcome": result.outcome, "verdict": result.decision.verdict.value,
                "rules": rules, "actions": enforced.actions if enforced else [],
                "case_id": enforced.case_id if enforced else None,
                "mandatory_report_id": enforced.mandatory_report_id if enforced else None}
        typer.echo(json.dumps({k: v for k, v in line.items() if v not in (None, [])}))
    raise typer.Exit(0 if result.outcome == "allowed" else 1)
