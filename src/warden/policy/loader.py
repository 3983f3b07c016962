"""Load and validate packs and overlays: all or nothing, with file:line errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from warden.policy.model import Overlay, Pack
from warden.policy.source import LocatedDocument, PolicyFileError, Problem, dotted, parse_yaml, read_yaml

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class LoadedPack:
    """A validated pack plus where it came from and the digest of its bytes."""

    pack: Pack
    path: Path
    digest: str  # sha256 of the file: the revision names exactly these bytes

    @property
    def ref(self) -> str:
        return self.pack.ref

    @property
    def revision(self) -> str:
        return f"{self.pack.ref}#{self.digest[:12]}"


@dataclass(frozen=True)
class LoadedOverlay:
    overlay: Overlay
    path: Path
    digest: str
    document: LocatedDocument  # kept so layering errors can point at a line

    def problem(self, loc: tuple[str | int, ...], message: str) -> PolicyFileError:
        return PolicyFileError([Problem(self.path, self.document.line_of(loc), dotted(loc), message)])

    @property
    def revision(self) -> str:
        return f"{self.overlay.overlay.id}#{self.digest[:12]}"


def _validate(doc: LocatedDocument, model: type[M], kind: str) -> M:
    if not isinstance(doc.data, dict):
        raise PolicyFileError([Problem(doc.path, 1, "", f"a {kind} file must be a YAML mapping")])
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown field"
            problems.append(Problem(doc.path, doc.line_of(loc), dotted(loc), message))
        raise PolicyFileError(problems) from None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_pack(path: Path | str) -> LoadedPack:
    return _pack(read_yaml(path))


def _pack(doc: LocatedDocument) -> LoadedPack:
    return LoadedPack(_validate(doc, Pack, "pack"), doc.path, _digest(doc.text))


def load_overlay(path: Path | str) -> LoadedOverlay:
    return _overlay(read_yaml(path))


def parse_overlay(text: str, name: str = "<overlay>") -> LoadedOverlay:
    return _overlay(parse_yaml(text, name))


def _overlay(doc: LocatedDocument) -> LoadedOverlay:
    return LoadedOverlay(_validate(doc, Overlay, "overlay"), doc.path, _digest(doc.text), doc)


def load_policy_file(path: Path | str) -> LoadedPack | LoadedOverlay:
    """A pack or an overlay, told apart by the top-level `overlay` key; the file is read once."""
    doc = read_yaml(path)
    return _overlay(doc) if isinstance(doc.data, dict) and "overlay" in doc.data else _pack(doc)
