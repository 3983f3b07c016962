"""`warden policy ...`: list, show, diff, validate, effective, coverage.

Readable tables by default, `--json` for scripts. Exit codes: 0 success,
1 invalid policy or unknown name, 2 bad command-line usage.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from warden.policy import coverage as coverage_mod
from warden.policy.diff import diff_packs
from warden.policy.layering import LayeringError
from warden.policy.library import LibraryError, PolicyLibrary
from warden.policy.loader import LoadedPack, load_overlay
from warden.policy.model import Surface
from warden.policy.source import PolicyFileError, Problem
from warden.policy.validate import validate_library, validate_paths
from warden.policy.views import brief, effective_rows, pack_row, rule_dict

policy_app = typer.Typer(help="Inspect, validate and compare policy packs.", no_args_is_help=True)
# Pipes and CI logs get wide lines instead of an 80-column table squeezed into ellipses.
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 200)

PacksOpt = Annotated[
    list[Path] | None,
    typer.Option("--packs", help="Extra pack file or folder (repeatable); bundled packs are always loaded."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
OnOpt = Annotated[
    str | None, typer.Option("--on", help="Date (YYYY-MM-DD): use the versions in force on that day.")
]


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")


def _fail(message: str, as_json: bool = False, problems: list[Problem] | None = None) -> NoReturn:
    if as_json:
        payload: dict[str, Any] = {"ok": False, "error": message}
        if problems:
            payload["problems"] = [p.as_dict() for p in problems]
        print(json.dumps(payload, indent=2))
    else:
        err.print(f"[red]error:[/red] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(1)


def _emit(payload: Any) -> None:
    print(json.dumps(payload, indent=2, default=str))


def _settings_folders() -> list[Path]:
    """The pack folders the service would load (WARDEN_POLICY_PATH), so the CLI sees the same packs."""
    from warden.settings import Settings

    return list(Settings.from_env().policy_path)


def _library(extra: list[Path] | None, as_json: bool) -> PolicyLibrary:
    try:
        return PolicyLibrary.discover([*_settings_folders(), *(extra or [])])
    except PolicyFileError as exc:
        _fail("invalid policy files:\n" + str(exc), as_json, exc.problems)
    except LibraryError as exc:
        _fail(str(exc), as_json)


def _date(value: str | None, as_json: bool) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"--on must be a date like 2024-06-01, not {value!r}", as_json)


@policy_app.command("list")
def list_packs(packs: PacksOpt = None, on: OnOpt = None, as_json: JsonOpt = False) -> None:
    """List the known packs, marking the versions in force (today, or --on DATE)."""
    library = _library(packs, as_json)
    day = _date(on, as_json) or dt.date.today()
    live = {p.ref for p in library.in_force(day)}
    rows = [pack_row(p, library, live) for p in library.packs()]
    if as_json:
        _emit({"on": day.isoformat(), "packs": rows})
        return
    table = Table(title=f"Policy packs (in force on {day})")
    table.add_column("pack", no_wrap=True)
    for col in ("effective", "rules", "in force", "title", "revision"):
        table.add_column(col)
    for r in rows:
        rules = f"{r['rules']}" + (f" ({r['own_rules']} own)" if r["extends"] else "")
        table.add_row(r["ref"], r["effective"], rules, "yes" if r["in_force"] else "", r["title"],
                      r["revision"].split("#")[1])
    out.print(table)


@policy_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="A rule id, or a pack (family or family@version).")],
    pack: Annotated[str | None, typer.Option("--pack", help="Look the rule up in this pack.")] = None,
    packs: PacksOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one rule in full, or the rules of one pack."""
    library = _library(packs, as_json)
    try:
        loaded = library.get(name)
    except LibraryError:
        loaded = None
    if loaded is not None and pack is None:
        _show_pack(library, loaded, as_json)
        return
    try:
        found, rule = library.find_rule(name, pack)
    except LibraryError as exc:
        _fail(str(exc), as_json)
    if as_json:
        _emit({"pack": found.ref, "revision": found.revision, "rule": rule_dict(rule)})
        return
    c = rule.citation
    out.print(f"[bold]{rule.id}[/bold] — {rule.title}", highlight=False)
    out.print(f"pack: {found.ref}   kind: {rule.kind.value}   surfaces: "
              f"{', '.join(s.value for s in rule.surfaces)}" + ("   [red]HARD LIMIT[/red]" if rule.hard_limit else ""),
              highlight=False)
    out.print(f"cites: {c.document} ({c.date}), {c.section}" + (f", item {c.item}" if c.item else ""),
              highlight=False)
    out.print(f"\n{rule.summary}\n", highlight=False)
    e = rule.enforcement
    out.print(f"enforcement: severity {e.severity.value}, verdict {e.verdict.value}, action {e.action.value}",
              highlight=False)
    if rule.triggers:
        for s in rule.triggers.signals:
            out.print(f"trigger: signal {s.category} >= {s.min_score}", highlight=False)
        if rule.triggers.condition:
            out.print(f"trigger: condition {rule.triggers.condition}", highlight=False, markup=False)
    for x in rule.exceptions:
        out.print(f"exception ({x.kind.value}): {x.summary}", highlight=False)
    if rule.delegates:
        out.print(f"delegates: {', '.join(d.value for d in rule.delegates)}", highlight=False)
    if rule.supersedes:
        out.print(f"supersedes: {', '.join(rule.supersedes)}", highlight=False)
    if rule.carried_forward:
        cf = rule.carried_forward
        out.print(f"carried forward from {cf.pack} {cf.rule} ({cf.citation.section} {cf.citation.item or ''}): "
                  f"{cf.note}", highlight=False, markup=False)
    if rule.safe_messaging:
        names = ", ".join(r.name for r in rule.safe_messaging.resources)
        out.print(f"safe messaging: no penalty; resources: {names}", highlight=False, markup=False)
    if rule.source_gap:
        out.print(f"source gap: {rule.source_gap}", highlight=False)


def _show_pack(library: PolicyLibrary, loaded: LoadedPack, as_json: bool) -> None:
    rules = library.rules(loaded.ref)
    if as_json:
        header = loaded.pack.pack.model_dump(mode="json", exclude={"source": {"outline"}})
        _emit({"pack": header, "revision": loaded.revision, "rules": [rule_dict(r) for r in rules.values()]})
        return
    table = Table(title=f"{loaded.ref} — {loaded.pack.pack.title}")
    table.add_column("rule", no_wrap=True)
    for col in ("kind", "cites", "triggers", "enforcement"):
        table.add_column(col)
    for rule in rules.values():
        c = rule.citation
        trig = ""
        if rule.triggers:
            trig = ", ".join(f"{s.category}≥{s.min_score}" for s in rule.triggers.signals)
            if rule.triggers.condition:
                trig += (" + " if trig else "") + "condition"
        e = rule.enforcement
        table.add_row(
            rule.id + (" [red](hard)[/red]" if rule.hard_limit else ""),
            rule.kind.value,
            f"{c.section} {c.item or ''}".strip(),
            trig or "review",
            f"{e.verdict.value}/{e.action.value}",
        )
    out.print(table)


@policy_app.command("diff")
def diff(
    old: Annotated[str, typer.Argument(help="Older pack, e.g. openai-usage@2023-03-23")],
    new: Annotated[str, typer.Argument(help="Newer pack, e.g. openai-usage@2025-01-29")],
    packs: PacksOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rules added, removed, replaced and changed between two pack versions, with the changelog."""
    library = _library(packs, as_json)
    try:
        result = diff_packs(library, old, new)
    except LibraryError as exc:
        _fail(str(exc), as_json)
    if as_json:
        _emit(result.as_dict())
        return
    out.print(f"[bold]{result.old} → {result.new}[/bold]", highlight=False)
    if result.changelog:
        out.print("\n[bold]Changelog entries in between[/bold]")
        for entry in result.changelog:
            out.print(f"  {entry.date}  {entry.summary}", highlight=False)
    sections: list[tuple[str, list[str]]] = [
        ("Added", [f"+ {r.id}: {r.title}" for r in result.added]),
        ("Removed", [f"- {r.id}: {r.title}" for r in result.removed]),
        ("Replaced", [f"~ {r.rule_id} replaces {', '.join(r.replaces)}" for r in result.replaced]),
    ]
    for title, rows in sections:
        out.print(f"\n[bold]{title} ({len(rows)})[/bold]")
        for row in rows:
            out.print(f"  {row}", highlight=False, markup=False)
    out.print(f"\n[bold]Changed ({len(result.changed)})[/bold]")
    for change in result.changed:
        out.print(f"  * {change.rule_id}", highlight=False, markup=False)
        for f in change.changes:
            out.print(f"      {f.field}: {brief(f.field, f.before)} → {brief(f.field, f.after)}",
                      highlight=False, markup=False)
    if result.empty:
        out.print("\nNo rule differences.")


@policy_app.command("validate")
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Pack or overlay files or folders.")] = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Validate packs and overlays (default: every known pack). Exit 1 and file:line on any problem."""
    day = _date(on, as_json)
    folders = _settings_folders()
    result = validate_paths(paths, day, folders) if paths else validate_library(folders)
    problems, checked, warnings = result.problems, result.checked, result.warnings
    if as_json:
        _emit({"ok": not problems, "checked": checked, "problems": [p.as_dict() for p in problems],
               "warnings": warnings})
        if problems:
            raise typer.Exit(1)
        return
    for warning in warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False, soft_wrap=True)
    if problems:
        for p in problems:
            err.print(p.render(), highlight=False, markup=False, soft_wrap=True)
        err.print(f"[red]{len(problems)} problem(s); nothing was loaded from the broken files.[/red]")
    else:
        out.print(f"ok: {len(checked)} file(s) valid", highlight=False)
    if problems:
        raise typer.Exit(1)


@policy_app.command("effective")
def effective(
    overlay: Annotated[
        list[Path] | None, typer.Option("--overlay", help="Operator or user overlay file (repeatable).")
    ] = None,
    pack: Annotated[
        list[str] | None, typer.Option("--pack", help="Platform pack to use (repeatable); default: in force.")
    ] = None,
    on: OnOpt = None,
    surface: Annotated[str | None, typer.Option("--surface", help="Only rules covering this surface.")] = None,
    packs: PacksOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Resolve platform packs and overlays into the effective policy and print it."""
    library = _library(packs, as_json)
    day = _date(on, as_json)
    if surface is not None and surface not in {s.value for s in Surface}:
        _fail(f"unknown surface {surface!r}; choose from {', '.join(s.value for s in Surface)}", as_json)
    try:
        overlays = [load_overlay(p) for p in overlay or []]
        policy = library.effective(on=day, overlays=overlays, packs=pack)
    except PolicyFileError as exc:
        _fail("invalid overlay:\n" + str(exc), as_json, exc.problems)
    except (LibraryError, LayeringError) as exc:
        _fail(str(exc), as_json)
    rows = effective_rows(policy, surface)
    if as_json:
        _emit({"revision": policy.revision, "packs": list(policy.packs), "overlays": list(policy.overlays),
               "rules": rows})
        return
    table = Table(title=f"Effective policy {policy.revision}")
    table.add_column("rule", no_wrap=True)
    for col in ("on", "layer", "triggers", "enforcement", "changed by"):
        table.add_column(col)
    for r in rows:
        trig = ", ".join(f"{s['category']}≥{s['min_score']}" for s in r["signals"])
        if r["condition"]:
            trig += (" + " if trig else "") + "condition"
        table.add_row(
            r["rule_id"] + (" (hard)" if r["hard_limit"] else ""),
            "yes" if r["enabled"] else "no",
            r["layer"],
            trig or "review",
            f"{r['verdict']}/{r['action']}",
            ", ".join(r["changed_by"]),
        )
    out.print(table)


@policy_app.command("coverage")
def coverage(
    write: Annotated[Path | None, typer.Option("--write", help="Write the Markdown table to this file.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if an item has no rule.")] = False,
    packs: PacksOpt = None,
) -> None:
    """Map every numbered item of every source document to the rules that encode it."""
    library = _library(packs, False)
    text = coverage_mod.render_markdown(library)
    if write is not None:
        write.parent.mkdir(parents=True, exist_ok=True)
        write.write_text(text, encoding="utf-8")
        out.print(f"wrote {write}", highlight=False)
    else:
        sys.stdout.write(text)
    missing = [
        f"{row.pack}: {row.ref}"
        for loaded in library.packs()
        for row in coverage_mod.pack_coverage(loaded)
        if not row.covered and not row.item.gap
    ]
    dangling = [f"{p.ref}: {d}" for p in library.packs() for d in coverage_mod.dangling_citations(p)]
    for line in missing:
        err.print(f"uncovered: {line}", highlight=False)
    for line in dangling:
        err.print(f"dangling: {line}", highlight=False)
    if check and (missing or dangling):
        raise typer.Exit(1)
