"""Hash-list files an operator imports: what `warden hashes import` reads.

Two layouts, told apart by the first line (or chosen with `--format`):

* **plain**: `hash,label` per line (`label` optional, `#` comments and blank lines skipped, an
  optional header line `hash,label`).
* **threatexchange**: the CSV layouts of Meta's ThreatExchange / Hasher-Matcher-Actioner
  exports: a header naming the signal's type and value columns (`signal_type,signal_value`,
  or ThreatExchange's `indicator_type,indicator` / `type,indicator`) and optionally a label
  column (`tags`, `labels`, `label`, `description`); only PDQ rows (`pdq`, `HASH_PDQ`) are
  taken, rows of other signal types are counted as skipped. The space-separated
  `pdq <hash> [tags...]` lines that `threatexchange dataset --print-records` prints are read too.

A malformed hash is an error naming the file and line; nothing is imported from a file with one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from warden.detect.images.pdq import BadHash, normalise
from warden.errors import InvalidInput

PDQ_TYPES = {"pdq", "hash_pdq", "pdq_hash"}
_TYPE_COLUMNS = ("signal_type", "indicator_type", "type")
_VALUE_COLUMNS = ("signal_value", "indicator", "hash", "value")
_LABEL_COLUMNS = ("label", "labels", "tags", "description")


class ListFileError(InvalidInput):
    code = "invalid_hash_list"


class ListFormat(StrEnum):
    AUTO = "auto"
    PLAIN = "plain"
    THREATEXCHANGE = "threatexchange"


@dataclass(frozen=True, slots=True)
class ListRow:
    hash: str
    label: str | None
    line: int


@dataclass
class Parsed:
    rows: list[ListRow]
    skipped: int  # rows of another signal type
    layout: ListFormat


def _label(value: str | None) -> str | None:
    text = (value or "").strip()
    return text[:300] or None


def _plain(lines: Iterable[tuple[int, str]], name: str) -> Iterator[ListRow]:
    for number, line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        value, _, label = text.partition(",")
        if number == 1 and value.strip().lower() in ("hash", "pdq"):
            continue  # a header
        try:
            yield ListRow(normalise(value), _label(label), number)
        except BadHash as exc:
            raise ListFileError(f"{name}:{number}: {exc.message}") from None


def _records(lines: list[tuple[int, str]], name: str) -> Parsed:
    rows, skipped = [], 0
    for number, line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        kind, _, rest = text.partition(" ")
        if kind.lower() not in PDQ_TYPES:
            skipped += 1
            continue
        value, _, label = rest.strip().partition(" ")
        try:
            rows.append(ListRow(normalise(value), _label(label), number))
        except BadHash as exc:
            raise ListFileError(f"{name}:{number}: {exc.message}") from None
    return Parsed(rows, skipped, ListFormat.THREATEXCHANGE)


def _exchange_csv(text: str, name: str) -> Parsed:
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower(): f for f in (reader.fieldnames or [])}
    kind = next((fields[c] for c in _TYPE_COLUMNS if c in fields), None)
    value = next((fields[c] for c in _VALUE_COLUMNS if c in fields), None)
    label = next((fields[c] for c in _LABEL_COLUMNS if c in fields), None)
    if value is None:
        raise ListFileError(f"{name}:1: a ThreatExchange/HMA export needs a signal_value (or indicator) column; "
                            f"the header has {', '.join(reader.fieldnames or []) or 'nothing'}")
    rows, skipped = [], 0
    for record in reader:
        number = reader.line_num
        if kind is not None and (record.get(kind) or "").strip().lower() not in PDQ_TYPES:
            skipped += 1
            continue
        try:
            rows.append(ListRow(normalise(record.get(value) or ""), _label(record.get(label) if label else None),
                                number))
        except BadHash as exc:
            raise ListFileError(f"{name}:{number}: {exc.message}") from None
    return Parsed(rows, skipped, ListFormat.THREATEXCHANGE)


def detect_layout(first_line: str) -> ListFormat:
    head = first_line.strip().lower()
    names = {c.strip() for c in head.split(",")}
    if names & set(_TYPE_COLUMNS) or "signal_value" in names or "indicator" in names:
        return ListFormat.THREATEXCHANGE
    if head.split(" ", 1)[0] in PDQ_TYPES and " " in head:
        return ListFormat.THREATEXCHANGE
    return ListFormat.PLAIN


def parse(text: str, name: str = "<list>", layout: ListFormat = ListFormat.AUTO) -> Parsed:
    lines = list(enumerate(text.splitlines(), start=1))
    first = next((line for _, line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    chosen = detect_layout(first) if layout is ListFormat.AUTO else layout
    if chosen is ListFormat.PLAIN:
        return Parsed(list(_plain(lines, name)), 0, ListFormat.PLAIN)
    if "," in first:
        return _exchange_csv(text, name)
    return _records(lines, name)
