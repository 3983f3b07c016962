"""`warden hashes`: import, list, remove known-image hash lists, and hash an image file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from warden.detect.images import lists, pdq
from warden.detect.images.formats import ListFormat, parse
from warden.detect.images.intake import ImageLimits, decode
from warden.errors import InvalidInput
from warden.settings import Settings
from warden.store.database import Database

hashes_app = typer.Typer(help="Known-image hash lists (PDQ): import, list, remove; hash an image.",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(hashes_app, name="hashes")


DbOpt = Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL; default WARDEN_DATABASE_URL "
                                                               "or the embedded SQLite store")]


def _db(url: str | None) -> Database:
    return Database(url or Settings.from_env().database_url)


@hashes_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="plain `hash,label` lines, or a ThreatExchange/HMA CSV export")],
    list_name: Annotated[str, typer.Option("--list", help="the list's name (created if new)")],
    category: Annotated[str, typer.Option("--category", help="signal category a match raises, e.g. sexual/minors")],
    layout: Annotated[ListFormat, typer.Option("--format", help="file layout")] = ListFormat.AUTO,
    source: Annotated[str | None, typer.Option("--source", help="where the list came from (kept with it)")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="swap the list's entries for the file's")] = False,
    database: DbOpt = None,
) -> None:
    """Import a hash list; a match on it raises CATEGORY (sexual/minors takes the CSAM hard-limit path)."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {file}: {exc}") from None
    parsed = parse(text, str(file), layout)
    result = lists.import_list(_db(database), parsed, name=list_name, category=category, source=source, replace=replace)
    typer.echo(f"{result.list.name} ({result.list.category}): {result.added} added, {result.duplicates} already "
               f"listed, {result.skipped} rows of other signal types skipped; {result.list.entries} entries, "
               f"revision {result.list.revision} ({parsed.layout.value} layout)")


@hashes_app.command("list")
def list_cmd(as_json: Annotated[bool, typer.Option("--json")] = False, database: DbOpt = None) -> None:
    """The imported lists with their categories and sizes."""
    found = lists.list_lists(_db(database))
    if as_json:
        typer.echo(json.dumps([{"name": i.name, "category": i.category, "entries": i.entries,
                                "revision": i.revision, "source": i.source} for i in found], indent=2))
        return
    if not found:
        typer.echo("no hash lists; import one with: warden hashes import FILE --list NAME --category CATEGORY")
    for i in found:
        typer.echo(f"{i.name}\t{i.category}\t{i.entries} entries\trevision {i.revision}")


@hashes_app.command("remove")
def remove_cmd(list_name: Annotated[str, typer.Argument(help="the list to delete")], database: DbOpt = None) -> None:
    """Delete a list and its entries."""
    lists.remove_list(_db(database), list_name)
    typer.echo(f"removed {list_name}")


@hashes_app.command("hash")
def hash_cmd(images: Annotated[list[Path], typer.Argument(help="image files")]) -> None:
    """Print `hash,file` (PDQ) for image files: the plain layout `import` reads."""
    for path in images:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc}") from None
        image = decode(data, ImageLimits())
        result = pdq.hash_image(image.image)
        typer.echo(f"{result.hex},{path.name}")
