"""`warden evidence`: the keys of sealed evidence, rotation, and the audited read of a kept image's bytes.

    warden evidence keygen                      print a new key (a line for WARDEN_EVIDENCE_KEY[_FILE])
    warden evidence rekey                       re-seal what older keys sealed under the first key
    warden evidence open-image IMG --purpose P --out FILE
                                                an image's kept bytes (WARDEN_KEEP_IMAGE_BYTES), audited

The keyring is the one the service would use (`WARDEN_EVIDENCE_KEY` or `WARDEN_EVIDENCE_KEY_FILE`).
Exit status: 0 done, 1 refused (no such image, no bytes kept, a key that does not open it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from warden.enforce import imagebytes, sealing
from warden.enforce.sealing import EvidenceKeyring
from warden.errors import WardenError
from warden.settings import Settings
from warden.store.database import Database
from warden.store.tables import ContentImage, ContentItem

ACTOR = "platform_admin:cli"
evidence_app = typer.Typer(help="Sealed evidence: keys, rotation, and the audited read of a kept image.",
                           no_args_is_help=True)
DbOpt = Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL; default WARDEN_DATABASE_URL "
                                                               "or the embedded SQLite file.")]


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _open(database: str | None) -> tuple[Database, EvidenceKeyring]:
    settings = Settings.from_env()
    try:
        keyring = EvidenceKeyring.from_settings(settings)
    except WardenError as exc:
        _fail(str(exc))
    return Database(database or settings.database_url), keyring


@evidence_app.command("keygen")
def keygen() -> None:
    """Print a new evidence key (base64 of 32 random bytes): put it first in the key file to rotate."""
    typer.echo(sealing.new_key())


@evidence_app.command("rekey")
def rekey(database: DbOpt = None) -> None:
    """Re-seal evidence and kept image bytes under the keyring's first key (each re-seal is audited)."""
    db, keyring = _open(database)
    total = 0
    try:
        while True:
            with db.transaction() as s:
                done = sealing.rekey(s, keyring, actor=ACTOR)
            total += done
            if done == 0:
                break
    except WardenError as exc:
        _fail(str(exc))
    finally:
        db.dispose()
    typer.echo(f"{total} re-sealed under {keyring.current}")


@evidence_app.command("open-image")
def open_image(
    image_id: Annotated[str, typer.Argument(help="The image's id (img_..., in content_images).")],
    purpose: Annotated[str, typer.Option("--purpose", help="Why it is read (kept in the audit log).")],
    out: Annotated[Path, typer.Option("--out", help="Write the bytes to this file (created, not overwritten).")],
    database: DbOpt = None,
) -> None:
    """Write an image's kept bytes to a file; the read is audited (who, why, which key) before they are written."""
    if len(purpose.strip()) < 3:
        _fail("--purpose must say why the image is read")
    if out.exists():
        _fail(f"{out} exists; not overwritten")
    db, keyring = _open(database)
    try:
        with db.transaction() as s:
            image = s.get(ContentImage, image_id)
            if image is None:
                _fail(f"no image {image_id}")
            org_id = s.get_one(ContentItem, image.content_id).org_id
            data = imagebytes.open_image(s, image, keyring, actor=ACTOR, purpose=purpose.strip(), org_id=org_id)
        with out.open("xb") as f:
            f.write(data)
    except LookupError as exc:
        _fail(str(exc))
    except FileExistsError:
        _fail(f"{out} exists; not overwritten")
    except WardenError as exc:
        _fail(str(exc))
    finally:
        db.dispose()
    typer.echo(f"{out}: {len(data)} bytes (sha256 {image.sha256}); the read is in the audit log")
