"""Commands a platform team runs by hand: keys, the queue, case decisions,
statements of reasons, notice delivery, the audit chain and the database.

Every command takes ``--database URL`` (default: ``WARDEN_DATABASE_URL`` or the
embedded SQLite file). Exit codes: 0 success, 1 refused or failed check.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from warden.enforce import anchor, audit, casedetail, cases, casework, keys, retention, statements
from warden.enforce.casetext import render_case
from warden.enforce.errors import EnforceError
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.notices import deliver_due
from warden.enforce.principal import SYSTEM, Principal, Role
from warden.policy.model import Action
from warden.policy.provider import PolicyProvider
from warden.settings import Settings
from warden.store.database import Database, default_path

out = Console()
err = Console(stderr=True)

DbOpt = Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL; default WARDEN_DATABASE_URL "
                                           "or the embedded SQLite file.")]
OrgOpt = Annotated[str | None, typer.Option("--org", help="Limit to one organization.")]

keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
queue_app = typer.Typer(help="The review queue.", no_args_is_help=True)
cases_app = typer.Typer(help="Decide cases.", no_args_is_help=True)
statements_app = typer.Typer(help="DSA statements of reasons.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
notices_app = typer.Typer(help="The notice outbox.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
retention_app = typer.Typer(help="Retention: destroy what is past its keeping period.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    for sub, name in [(keys_app, "keys"), (queue_app, "queue"), (cases_app, "cases"),
                      (statements_app, "statements"), (audit_app, "audit"), (notices_app, "notices"),
                      (db_app, "db"), (retention_app, "retention")]:
        app.add_typer(sub, name=name)


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except EnforceError as exc:
        _fail(exc.message)


def _policies() -> PolicyProvider:
    """The policy provider the service would run (bundled packs and WARDEN_POLICY_PATH); fails closed."""
    from warden.runtime import StartupError, load_policies

    try:
        return load_policies(Settings.from_env())
    except StartupError as exc:
        _fail(str(exc))


def _db(url: str | None) -> Database:
    return Database(url)


@keys_app.command("create")
def create_key(
    role: Annotated[Role, typer.Option(help="platform_admin, reviewer, operator_admin or service.")],
    subject: Annotated[str, typer.Option(help="Who holds the key (a person or a system).")],
    org: OrgOpt = None,
    workspace: Annotated[str | None, typer.Option(help="Bind to one workspace (enterprise admins).")] = None,
    database: DbOpt = None,
) -> None:
    """Create an API key; the key is printed once."""
    db = _db(database)
    with _refusals(), db.transaction() as s:
        try:
            body = keys.KeyIn(role=role, subject=subject, org_id=org, workspace_id=workspace)
        except ValidationError as exc:
            _fail("; ".join(str(e["msg"]) for e in exc.errors()))
        issued = keys.issue(s, SYSTEM, body)
    print(json.dumps(issued.model_dump(mode="json"), indent=2))


@queue_app.command("list")
def list_queue(org: OrgOpt = None, limit: int = 20, as_json: Annotated[bool, typer.Option("--json")] = False,
               database: DbOpt = None) -> None:
    """Open cases, highest priority first."""
    db = _db(database)
    with _refusals(), db.transaction() as s:
        rows = cases.queue(s, SYSTEM, org_id=org, limit=limit)
        if as_json:
            print(json.dumps([{"id": c.id, "kind": c.kind, "severity": c.severity, "priority": c.priority,
                               "subject": f"{c.subject_type}:{c.subject_id}", "rules": c.rule_ids,
                               "created_at": c.created_at.isoformat()} for c in rows], indent=2))
            return
        table = Table("case", "kind", "severity", "priority", "subject", "rules")
        for c in rows:
            table.add_row(c.id, c.kind, c.severity, f"{c.priority:.1f}", f"{c.subject_type}:{c.subject_id}",
                          ", ".join(c.rule_ids))
    out.print(table)


@cases_app.command("decide")
def decide(
    case_id: str,
    outcome: Annotated[casework.CaseOutcome, typer.Option(help="uphold, overturn or escalate.")],
    reason: Annotated[str, typer.Option(help="Why; shown in the notice and statement of reasons.")],
    reviewer: Annotated[str, typer.Option(help="The reviewer's name (claims the case as them).")],
    rule: Annotated[list[str] | None, typer.Option(help="Violated rule id (repeatable).")] = None,
    action: Annotated[str | None, typer.Option(help="For uphold: the action from the rules' allowed ladder "
                                               "(see `warden cases show`); default the ladder's next step.")] = None,
    database: DbOpt = None,
) -> None:
    """Claim a case as REVIEWER and decide it."""
    try:
        chosen = Action(action) if action is not None else None
    except ValueError:
        _fail(f"unknown action {action!r}: one of {', '.join(a.value for a in Action if a is not Action.NONE)}")
    policies = _policies()
    db = _db(database)
    principal = Principal(key_id="cli", role=Role.REVIEWER, subject=reviewer)
    now = dt.datetime.now(dt.UTC)
    with _refusals(), db.transaction() as s:
        cases.claim(s, case_id, principal, now)
        result = casework.decide_case(s, case_id, casework.Review(
            principal=principal, decision=casework.CaseDecision(outcome=outcome, reason=reason, rule_ids=rule or [],
                                                    action=chosen),
            policy=policies, cybertip=CyberTipSettings.from_settings(Settings.from_env()), now=now))
    print(json.dumps(result.model_dump(mode="json"), indent=2))


@cases_app.command("show")
def show(
    case_id: str,
    rule: Annotated[list[str] | None, typer.Option(help="Compute the action choices for these rules.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    database: DbOpt = None,
) -> None:
    """A case: report reasons, content excerpt (sealed evidence: hash only), account history, and the
    actions the rules' ladder allows (the default marked)."""
    policies = _policies()
    db = _db(database)
    with _refusals(), db.transaction() as s:
        found = casedetail.detail(s, SYSTEM, case_id, policies, dt.datetime.now(dt.UTC), rule)
    if as_json:
        print(found.model_dump_json(indent=2))
        return
    out.print(render_case(found), highlight=False, soft_wrap=True)


@statements_app.command("export")
def export_statements(org: OrgOpt = None,
                      output: Annotated[Path | None, typer.Option("--out", help="JSONL file; default stdout.")] = None,
                      database: DbOpt = None) -> None:
    """Every statement of reasons as JSON lines, fetched in batches of 100."""
    db = _db(database)
    lines: list[str] = []
    cursor: str | None = None
    while True:
        with db.transaction() as s:
            page = statements.export(s, org_id=org, after=cursor)
        lines += [json.dumps(sor, sort_keys=True) for sor in page.statements]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    text = "".join(line + "\n" for line in lines)
    if output is None:
        print(text, end="")
    else:
        output.write_text(text)
        err.print(f"{len(lines)} statements written to {output}")


@audit_app.command("verify")
def verify(
    database: DbOpt = None,
    anchor_file: Annotated[Path | None, typer.Option("--anchor", help="A signed anchor (`warden audit anchor`): "
                                                     "also detect a truncated or rewritten tail.")] = None,
    public_key: Annotated[Path | None, typer.Option(help="The anchor signer's public key (text from `warden audit "
                                                    "keygen`, or a PEM key); default: the key in the anchor.")] = None,
) -> None:
    """Check the audit chain; exit 1 if any event was edited, deleted or reordered, or contradicts the anchor."""
    db = _db(database)
    try:
        signed = anchor.Anchor.read(anchor_file) if anchor_file else None
        trusted = anchor.load_public_key(public_key) if public_key else None
    except anchor.AnchorError as exc:
        _fail(exc.message)
    with db.transaction() as s:
        report = audit.verify(s)
        problems = list(report.problems)
        if signed is not None:
            problems += anchor.check(s, signed, trusted)
    if not problems:
        suffix = f"; consistent with the anchor at event {signed.seq}" if signed is not None else ""
        out.print(f"audit chain intact: {report.events} events{suffix}")
        if signed is not None and trusted is None:
            err.print("note: the anchor was checked with the key it carries; pass --public-key to check who signed it")
        return
    for problem in problems:
        err.print(f"event {problem.seq}: {problem.problem}")
    _fail(f"audit chain broken: {len(problems)} problem(s) in {report.events} events")


@audit_app.command("keygen")
def audit_keygen(
    key_file: Annotated[Path, typer.Option("--out", help="Where the private key goes (PEM, mode 0600).")],
) -> None:
    """Create the Ed25519 key that signs audit anchors; prints its public key (keep a copy elsewhere)."""
    try:
        public = anchor.generate_key(key_file)
    except anchor.AnchorError as exc:
        _fail(exc.message)
    print(anchor.public_key_text(public))


@audit_app.command("anchor")
def audit_anchor(
    key_file: Annotated[Path | None, typer.Option("--key", help="The signing key (default: "
                                                  "WARDEN_AUDIT_SIGNING_KEY_FILE).")] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="Where to write it (default: "
                                                   "WARDEN_AUDIT_ANCHOR_DIR or data_dir/anchors).")] = None,
    database: DbOpt = None,
) -> None:
    """Export the audit chain's head, signed, as a file (also done on a schedule by `warden serve`)."""
    settings = Settings.from_env()
    path = key_file or settings.audit_anchor.signing_key_file
    if path is None:
        _fail("no signing key: pass --key or set WARDEN_AUDIT_SIGNING_KEY_FILE (`warden audit keygen` makes one)")
    try:
        key = anchor.load_key(path)
    except anchor.AnchorError as exc:
        _fail(exc.message)
    db = _db(database)
    with db.transaction() as s:
        signed = anchor.export(s, key, actor="cli:anchor")
    written = anchor.write(signed, directory or settings.audit_anchor.directory or settings.data_dir / "anchors")
    out.print(f"anchored event {signed.seq}: {written}")


@notices_app.command("deliver")
def deliver(limit: int = 100, database: DbOpt = None) -> None:
    """Deliver due notices now (retries follow their backoff)."""
    run = deliver_due(_db(database), limit=limit)
    print(json.dumps(run.model_dump(), indent=2))


@db_app.command("upgrade")
def upgrade(database: DbOpt = None) -> None:
    """Create or migrate the database to the current schema."""
    db = _db(database)
    out.print(f"database at head: {db.url}")


@db_app.command("path")
def path() -> None:
    """Where the embedded SQLite database lives by default."""
    print(default_path())


@retention_app.command("purge")
def purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what has expired; delete nothing.")] = False,
    database: DbOpt = None,
) -> None:
    """Delete sealed evidence whose preservation period has ended (each deletion is audited)."""
    db = _db(database)
    with db.transaction() as s:
        report = retention.purge_expired_evidence(s, now=dt.datetime.now(dt.UTC), dry_run=dry_run)
    print(json.dumps(report.model_dump(), indent=2))
