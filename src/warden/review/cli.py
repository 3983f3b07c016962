"""`warden review` and `warden rescan`.

    warden review app.json [more.json plugin-folder/ submissions/ ...] [--json]
    warden review --plugin ai-plugin.json openapi.yaml [--declarations d.yaml]
    warden rescan --policy openai-usage@2025-01-29 --baseline openai-usage@2023-03-23 --shadow
    warden rescan --policy openai-usage@2025-01-29 --promote
    warden rescan --policy openai-usage@2025-01-29 --engine ray --workers 2   # stored content items

Exit codes of `review`: 0 allowed, 3 needs a human, 4 not allowed (the worst over
all submissions), 1 bad input or policy, 2 bad usage. `rescan --shadow` writes and enforces nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from warden.detect.protocol import Detector
from warden.detect.registry import DEFAULT_PIPELINE
from warden.policy.layering import EffectivePolicy
from warden.policy.library import LibraryError
from warden.policy.source import PolicyFileError
from warden.review import rescan as rescan_mod
from warden.review.engine import Reviewer
from warden.review.loading import SubmissionError, load_app, load_plugin
from warden.review.report import ReviewReport, RuleOutcome
from warden.review.schema import Submission
from warden.scan.cli import CONTENT_DETECTORS, scan
from warden.settings import Settings

out = Console()
err = Console(stderr=True)
EXIT = {RuleOutcome.PASS: 0, RuleOutcome.NEEDS_HUMAN: 3, RuleOutcome.FAIL: 4}

PolicyOpt = Annotated[
    list[str] | None,
    typer.Option("--policy", help="Pack ref (family@version), repeatable; default: every pack in force today."),
]
DetectorsOpt = Annotated[
    str, typer.Option("--detectors", help="Comma-separated detector names; one that cannot load is an error.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")]
DEFAULT_DETECTORS = ",".join(DEFAULT_PIPELINE)
PluginOpt = Annotated[bool, typer.Option("--plugin", help="Review a plugin manifest and its OpenAPI document.")]
CandidateOpt = Annotated[
    list[str], typer.Option("--policy", help="Candidate pack ref(s), e.g. openai-usage@2025-01-29.")
]
BaselineOpt = Annotated[list[str] | None, typer.Option(help="Pack ref(s) to compare with; default: in force today.")]
ShadowOpt = Annotated[bool, typer.Option("--shadow", help="Report what would change; write nothing.")]
PromoteOpt = Annotated[bool, typer.Option("--promote", help="Re-review under --policy and enforce the results.")]
FromOpt = Annotated[Path | None, typer.Option("--from", help="Review submission files in a folder, not the store.")]


def register(app: typer.Typer) -> None:
    app.command("review", help="Review an app/GPT submission or a plugin manifest against the policy.")(review)
    app.command("rescan", help="Re-review stored apps under another policy version (--shadow or --promote), or "
                "with --engine local|ray decide every stored content item under it.")(rescan)


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def policy_for(refs: list[str] | None) -> EffectivePolicy:
    from warden.runtime import StartupError, load_policies

    try:
        return load_policies(Settings.from_env()).effective(packs=refs or None)
    except (StartupError, PolicyFileError, LibraryError) as exc:
        _fail(str(exc))


def detectors_for(names: str) -> list[Detector]:
    """The named detectors, loaded now; one that cannot load is an error (exit 1), never skipped."""
    from warden.runtime import StartupError, load_detectors

    settings = Settings.from_env()
    wanted = tuple(n.strip() for n in names.split(",") if n.strip())
    try:
        return list(load_detectors(settings, names=wanted, warm=True))
    except StartupError as exc:
        _fail(str(exc))


def _print(report: ReviewReport, show_all: bool) -> None:
    out.print(f"[bold]{report.name}[/bold] ({report.kind}, {report.surface.value}) under {report.policy_revision}")
    out.print(f"allowed: [bold]{report.allowed.value}[/bold]   store: [bold]{report.store.value}[/bold]   "
              + "  ".join(f"{k}: {v}" for k, v in report.counts().items()))
    for r in report.results:
        if r.outcome is RuleOutcome.PASS and not show_all:
            continue
        cite = f"{r.citation.document} {r.citation.date}, {r.citation.section} {r.citation.item or ''}".strip()
        out.print(f"[bold]{r.outcome.value:13}[/bold] {r.rule_id}  ({cite})", highlight=False, soft_wrap=True)
        out.print(f"{'':14}{r.reason}", highlight=False, soft_wrap=True, markup=False)
        for e in r.evidence[:4]:
            where = f"{e.field}[{e.start}:{e.end}]" if e.start is not None else (e.field or "")
            shown = f"{where}: {e.excerpt!r}" if e.excerpt else where
            out.print(f"{'':14}- {shown} ({e.detail})", highlight=False, soft_wrap=True, markup=False)


def _collect(paths: list[Path]) -> tuple[list[tuple[str, Submission]], list[tuple[str, str]]]:
    """Every submission named: app files, plugin folders, and folders of either (recursively).
    Returns what loaded and, per file that did not, why."""
    loaded: list[tuple[str, Submission]] = []
    problems: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir() and not (path / "ai-plugin.json").exists():
            targets = [p for p in sorted(path.rglob("*")) if p.suffix == ".json" or p.name == "ai-plugin.json"]
        else:
            targets = [path / "ai-plugin.json" if path.is_dir() else path]
        for target in targets:
            try:
                if target.name == "ai-plugin.json":
                    folder = target.parent
                    spec = next((p for p in (folder / "openapi.yaml", folder / "openapi.json") if p.exists()), None)
                    extra = folder / "declarations.yaml"
                    loaded.append((str(folder), load_plugin(target, spec, extra if extra.exists() else None)))
                else:
                    loaded.append((str(target), load_app(target)))
            except SubmissionError as exc:
                problems.append((str(target), str(exc)))
    return loaded, problems


def review(
    paths: Annotated[list[Path], typer.Argument(
        help="app.json files, plugin folders or folders of them; with --plugin: ai-plugin.json and its OpenAPI "
             "document.")],
    plugin: PluginOpt = False,
    declarations: Annotated[Path | None, typer.Option(help="Plugin declarations (categories, disclosures).")] = None,
    policy: PolicyOpt = None,
    detectors: DetectorsOpt = DEFAULT_DETECTORS,
    as_json: JsonOpt = False,
    show_all: Annotated[bool, typer.Option("--all", help="List passing rules too.")] = False,
) -> None:
    """Review one or many submissions in one process: the policy and the detectors load once.

    With several submissions, `--json` prints a list of reports (and an entry with `error` for each file
    that could not be read); the exit code is the worst outcome, and 1 if any file could not be read."""
    loaded: list[tuple[str, Submission]]
    if plugin:
        if len(paths) > 2:
            err.print("error: --plugin takes ai-plugin.json and, optionally, its OpenAPI document")
            raise typer.Exit(2)
        try:
            loaded = [(str(paths[0]), load_plugin(paths[0], paths[1] if len(paths) > 1 else None, declarations))]
        except SubmissionError as exc:
            _fail(str(exc))
        problems: list[tuple[str, str]] = []
    else:
        if declarations is not None:
            err.print("error: --declarations is only read with --plugin")
            raise typer.Exit(2)
        loaded, problems = _collect(paths)
        if not loaded and not problems:
            _fail("no submissions found in " + ", ".join(map(str, paths)))
        if len(loaded) + len(problems) == 1 and problems:
            _fail(problems[0][1])
    reviewer = Reviewer(policy_for(policy), detectors_for(detectors)) if loaded else None
    reports = [(where, reviewer.review(sub)) for where, sub in loaded] if reviewer else []
    single = len(reports) == 1 and not problems
    if as_json:
        if single:
            print(reports[0][1].model_dump_json(indent=2))
        else:
            items: list[object] = [{"path": where} | json.loads(r.model_dump_json()) for where, r in reports]
            items += [{"path": where, "error": why} for where, why in problems]
            print(json.dumps(items, indent=2))
    else:
        for i, (where, report) in enumerate(reports):
            if not single:
                out.print(("\n" if i else "") + f"[dim]{where}[/dim]", highlight=False)
            _print(report, show_all)
        for _, why in problems:
            err.print(f"error: {why}", highlight=False, soft_wrap=True, markup=False)
        if not single:
            counts = {o: sum(1 for _, r in reports if r.allowed is o) for o in RuleOutcome}
            out.print(f"\n{len(reports)} reviewed: " + ", ".join(f"{o.value} {n}" for o, n in counts.items())
                      + (f"; {len(problems)} could not be read" if problems else ""))
    for _, report in reports:
        for warning in report.warnings:
            err.print(f"warning: {report.submission_id}: {warning}", highlight=False,
                      soft_wrap=True, markup=False)
    worst = max((EXIT[r.allowed] for _, r in reports), default=0)
    raise typer.Exit(1 if problems else worst)


def _submissions_from(folder: Path) -> list[Submission]:
    found: list[Submission] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".json" and path.name != "ai-plugin.json":
            found.append(load_app(path))
        elif path.name == "ai-plugin.json":
            spec = next((p for p in (path.parent / "openapi.yaml", path.parent / "openapi.json") if p.exists()), None)
            extra = path.parent / "declarations.yaml"
            found.append(load_plugin(path, spec, extra if extra.exists() else None))
    return found


def rescan(
    policy: CandidateOpt,
    baseline: BaselineOpt = None,
    shadow: ShadowOpt = False,
    promote: PromoteOpt = False,
    source: FromOpt = None,
    db: Annotated[str | None, typer.Option("--db", "--database",
                                           help="Database URL (default: the local store).")] = None,
    org: Annotated[str | None, typer.Option(help="Only this organization's apps (or content items).")] = None,
    detectors: Annotated[str | None, typer.Option(
        "--detectors", help=f"Comma-separated detector names; default: {DEFAULT_DETECTORS} for apps, "
                            f"{CONTENT_DETECTORS} with --engine.")] = None,
    as_json: JsonOpt = False,
    engine: Annotated[str | None, typer.Option(
        help="Rescan stored content items instead of apps: write a decision for each under --policy with "
             "this engine, local or ray (idempotent; the same as `warden rescan-content`).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="With --engine ray: Ray actors.")] = 1,
    address: Annotated[str | None, typer.Option(help="With --engine ray: an existing cluster (ray://host:10001 "
                                                "or auto); default: a local Ray.")] = None,
) -> None:
    """Re-review stored apps under another policy version (--shadow or --promote), or, with --engine,
    decide every stored content item under it (locally or on Ray)."""
    if engine is not None:
        if shadow or promote or source is not None or baseline:
            err.print("error: --engine rescans stored content items; --shadow, --promote, --from and --baseline "
                      "are for apps (leave out --engine)")
            raise typer.Exit(2)
        scan(policy, engine, workers, address, detectors or CONTENT_DETECTORS, org=org, database=db)
        return
    if shadow == promote:
        err.print("error: choose exactly one of --shadow and --promote (stored apps), or --engine local|ray "
                  "(stored content items)")
        raise typer.Exit(2)
    if workers != 1 or address is not None:
        err.print("error: --workers and --address go with --engine")
        raise typer.Exit(2)
    detectors = detectors or DEFAULT_DETECTORS
    if promote and source is not None:
        err.print("error: --promote enforces on stored apps; it cannot read --from files")
        raise typer.Exit(2)
    found = detectors_for(detectors)
    candidate = Reviewer(policy_for(policy), found)
    if promote:
        _promote(candidate, db, org, as_json, policy)
        return
    try:
        submissions = _submissions_from(source) if source is not None else _stored(db, org)
    except SubmissionError as exc:
        _fail(str(exc))
    impact = rescan_mod.shadow(submissions, Reviewer(policy_for(baseline), found), candidate)
    if as_json:
        print(impact.model_dump_json(indent=2))
        return
    _print_impact(impact)


def _stored(db: str | None, org: str | None) -> list[Submission]:
    from warden.review.record import stored_submissions
    from warden.store import Database

    database = Database(db)
    try:
        with database.transaction() as session:
            return [sub for _, sub in stored_submissions(session, org)]
    finally:
        database.dispose()


def _promote(candidate: Reviewer, db: str | None, org: str | None, as_json: bool,
             refs: list[str] | None = None) -> None:
    from warden.enforce.mandatory import CyberTipSettings
    from warden.enforce.principal import SYSTEM
    from warden.runtime import StartupError, load_policies
    from warden.store import Database

    database = Database(db)
    cybertip = CyberTipSettings.from_settings(Settings.from_env())
    try:
        provider = load_policies(Settings.from_env(), database)  # the stored overlays: each app's owner's tiers

        def tiers(org_id: str, workspace_id: str | None, account_id: str | None) -> EffectivePolicy:
            return provider.effective(org_id, workspace_id, account_id, packs=refs or None)

        promoted = rescan_mod.promote(database, SYSTEM, candidate, org_id=org, cybertip=cybertip,
                                      now=dt.datetime.now(dt.UTC), tiers=tiers)
    except StartupError as exc:
        _fail(str(exc))
    finally:
        database.dispose()
    results = [{"app_id": p.app_id, "allowed": p.report.allowed.value, "store": p.report.store.value,
                **p.recorded.model_dump()} for p in promoted]
    if as_json:
        print(json.dumps({"policy": candidate.policy.revision, "results": results}, indent=2))
        return
    out.print(f"promoted {candidate.policy.revision}: re-reviewed {len(results)} apps; "
              f"{sum(1 for r in results if r['actions'])} actioned, "
              f"{sum(1 for r in results if r['case_id'] and not r['actions'])} sent to review")


def _print_impact(impact: rescan_mod.RescanImpact) -> None:
    out.print(f"shadow rescan: {impact.reviewed} apps, {impact.baseline} -> {impact.candidate} (nothing enforced)")
    out.print(f"allowed before: {impact.verdicts_before}  after: {impact.verdicts_after}")
    out.print(f"{len(impact.newly_failing_apps)} apps would newly fail; {len(impact.changes)} apps change")
    if impact.newly_failing_by_rule:
        table = Table("apps newly failing")
        table.add_column("rule", overflow="fold")
        for rule_id, count in impact.newly_failing_by_rule.items():
            table.add_row(str(count), rule_id)
        out.print(table)
    if impact.newly_needs_human_by_rule:
        table = Table("apps newly needing review")
        table.add_column("rule", overflow="fold")
        for rule_id, count in impact.newly_needs_human_by_rule.items():
            table.add_row(str(count), rule_id)
        out.print(table)
    sys.stdout.flush()
