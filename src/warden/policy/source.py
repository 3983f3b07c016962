"""Read YAML while remembering where each value came from.

Validation errors must name the file, the line and the field; PyYAML's node
tree knows the lines, so we build the plain data and a path -> line index in
one walk over it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from warden.errors import InvalidInput

Loc = tuple[str | int, ...]


class PolicyFileError(InvalidInput, ValueError):
    """One or more pack or overlay files are broken; each problem names file, line and field."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.render() for p in problems))


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int | None
    field: str
    message: str

    def render(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"file": str(self.path), "line": self.line, "field": self.field, "message": self.message}


@dataclass
class LocatedDocument:
    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    text: str = ""

    def line_of(self, loc: Loc) -> int | None:
        """The line of the deepest known ancestor of `loc` (1-based)."""
        for cut in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:cut]))
            if line is not None:
                return line
        return None


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader used node by node; `_construct` rejects duplicate keys. libyaml's parser when PyYAML has it
    (it keeps the marks, so file:line is the same): the pure-Python one took most of a service's start-up."""


class _DuplicateKey(Exception):
    def __init__(self, line: int, field: str) -> None:
        self.line, self.field = line, field


def _construct(node: yaml.Node, loc: Loc, lines: dict[Loc, int], loader: yaml.SafeLoader) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in result:
                raise _DuplicateKey(key_node.start_mark.line + 1, _dotted((*loc, key)))
            result[key] = _construct(value_node, (*loc, key), lines, loader)
            lines[(*loc, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(child, (*loc, i), lines, loader) for i, child in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_yaml(path: Path | str) -> LocatedDocument:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyFileError([Problem(path, None, "", f"cannot read file: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        raise PolicyFileError([Problem(path, None, "", "file is not UTF-8 text")]) from exc
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path | str = "<string>") -> LocatedDocument:
    path = Path(path)
    loader = _UniqueKeyLoader(text)
    try:
        root = loader.get_single_node()
        lines: dict[Loc, int] = {}
        data = _construct(root, (), lines, loader) if root is not None else None
    except _DuplicateKey as exc:
        raise PolicyFileError([Problem(path, exc.line, exc.field, "duplicate key")]) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise PolicyFileError([Problem(path, line, "", f"YAML syntax: {exc.problem}")]) from exc
    except yaml.YAMLError as exc:
        raise PolicyFileError([Problem(path, None, "", f"YAML syntax: {exc}")]) from exc
    finally:
        loader.dispose()
    return LocatedDocument(path=path, data=data, lines=lines, text=text)


def dotted(loc: Loc) -> str:
    return _dotted(loc)
