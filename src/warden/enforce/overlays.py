"""Overlays as stored, versioned data: the operator's, a workspace's and an end user's settings.

An overlay is uploaded for a scope: an organization (layer `operator`), one of its workspaces
(`workspace`) or one account (`user`: the settings an operator lets its end users choose). Each
upload is parsed and validated by the same loader as a file (`file:line: field: message`), then
resolved on top of the platform packs and the layers above it, so an overlay that relaxes what
was not delegated (a hard limit above all) is refused with the line that tried, and nothing is
stored. Versions are numbered per scope and kept; one version per scope is active, chosen
explicitly (`activate`, `rollback`), every step audited. `StoredOverlays` is the
`PolicyProvider`'s source: the active versions for the caller, resolved platform -> operator ->
workspace -> user, each named in the revision of every decision made under them. `impact`
replays an organization's recent decisions under a candidate version and reports what would
change, writing nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from warden.decide import decide
from warden.enforce import announcements, audit
from warden.enforce.errors import Conflict, Forbidden, Invalid
from warden.enforce.pages import Page
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import get_org, get_scoped, scoped
from warden.policy.layering import EffectivePolicy
from warden.policy.loader import LoadedOverlay, parse_overlay
from warden.policy.model import Layer
from warden.policy.provider import PolicyProvider
from warden.store.database import Database
from warden.store.tables import Account, DecisionRecord, PolicyOverlay, Workspace, new_id

ACTIVE, INACTIVE = "active", "inactive"


class OverlayScope(BaseModel):
    """Where an overlay applies: an organization, one of its workspaces, or one account."""

    org_id: str
    workspace_id: str | None = None
    account_id: str | None = None

    @property
    def layer(self) -> Layer:
        if self.account_id is not None:
            return Layer.USER
        return Layer.WORKSPACE if self.workspace_id is not None else Layer.OPERATOR


class OverlayIn(OverlayScope):
    text: str = Field(min_length=1, max_length=200_000)  # the overlay's YAML
    filename: str = Field(default="overlay.yaml", max_length=200)  # named in file:line errors


class OverlayOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    org_id: str
    workspace_id: str | None
    account_id: str | None
    name: str
    version: int
    layer: str
    status: str
    digest: str
    created_by: str
    created_at: dt.datetime
    activated_at: dt.datetime | None
    activated_by: str | None

    @property
    def revision(self) -> str:
        return f"{self.name}#{self.digest[:12]}"


class OverlayDetail(OverlayOut):
    text: str


class OverlayDiff(BaseModel):
    old: str | None  # overlay id, None: no overlay (the layers above alone)
    new: str
    text: list[str]  # a unified diff of the YAML
    rules_added: list[str]
    rules_removed: list[str]
    rules_changed: list[str]  # effective rules that differ (thresholds, enforcement, enabled, exceptions)


class RuleImpact(BaseModel):
    rule_id: str
    newly_firing: int = 0
    no_longer_firing: int = 0
    examples: list[str] = Field(default_factory=list)  # decision ids, at most 5


class Impact(BaseModel):
    overlay_id: str
    current_revision: str
    candidate_revision: str
    replayed: int
    verdict_changes: dict[str, int]  # "flag->block": count
    changed_decisions: int
    rules: list[RuleImpact]


# --- loading ------------------------------------------------------------------------------------

_parsed: dict[tuple[str, str], LoadedOverlay] = {}
_parsed_lock = threading.Lock()


def loaded(row: PolicyOverlay) -> LoadedOverlay:
    """The stored version as the loader reads it (parsed once per version)."""
    key = (row.id, row.digest)
    with _parsed_lock:
        found = _parsed.get(key)
    if found is None:
        found = parse_overlay(row.text, f"{row.name}@v{row.version}.yaml")
        with _parsed_lock:
            _parsed[key] = found
    return found


def _in_stack(org_id: str, workspace_id: str | None, account_id: str | None) -> ColumnElement[bool]:
    """The scopes whose active overlay applies to a caller of this organization, workspace and account."""
    scopes = [and_(PolicyOverlay.workspace_id.is_(None), PolicyOverlay.account_id.is_(None))]
    if workspace_id is not None:
        scopes.append(and_(PolicyOverlay.workspace_id == workspace_id, PolicyOverlay.account_id.is_(None)))
    if account_id is not None:
        scopes.append(PolicyOverlay.account_id == account_id)
    return and_(PolicyOverlay.org_id == org_id, PolicyOverlay.status == ACTIVE, or_(*scopes))


_DEPTH = {layer.value: layer.depth for layer in Layer}


def active_rows(session: Session, org_id: str, workspace_id: str | None = None,
                account_id: str | None = None) -> list[PolicyOverlay]:
    """The active versions for a caller, top layer first (operator, workspace, user)."""
    rows = session.execute(select(PolicyOverlay).where(_in_stack(org_id, workspace_id, account_id))).scalars()
    return sorted(rows, key=lambda r: _DEPTH[r.layer])


class StoredOverlays:
    """The `OverlaySource` over the store: the active overlays of an organization, workspace and user."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def __call__(self, org_id: str | None, workspace_id: str | None, user_id: str | None) -> Sequence[LoadedOverlay]:
        if org_id is None:
            return ()
        session = self.db.current()
        if session is not None:  # called inside a transaction (a submission, a case decision): read there
            return self._read(session, org_id, workspace_id, user_id)
        with self.db.read() as s:  # every screened request asks: never take the write lock for it
            return self._read(s, org_id, workspace_id, user_id)

    @staticmethod
    def _read(session: Session, org_id: str, workspace_id: str | None, user_id: str | None) -> list[LoadedOverlay]:
        if user_id is not None and workspace_id is None:
            workspace_id = session.execute(select(Account.workspace_id).where(Account.id == user_id)).scalar()
        return [loaded(r) for r in active_rows(session, org_id, workspace_id, user_id)]


def check_all(db: Database, provider: PolicyProvider) -> int:
    """Resolve every scope's active stack (start-up): a stored overlay that no longer resolves over the
    packs raises, so the service refuses to start rather than serve without it. Returns the stacks checked."""
    with db.transaction() as s:
        rows = s.execute(select(PolicyOverlay).where(PolicyOverlay.status == ACTIVE)).scalars().all()
        stacks = {(r.org_id, r.workspace_id, r.account_id) for r in rows}
        for org_id, workspace_id, account_id in sorted(stacks, key=str):
            if account_id is not None and workspace_id is None:
                workspace_id = s.execute(select(Account.workspace_id).where(Account.id == account_id)).scalar()
            provider.effective(org_id, stack=[loaded(r) for r in active_rows(s, org_id, workspace_id, account_id)])
    return len(stacks)


# --- scope and validation ------------------------------------------------------------------------


def _check_scope(session: Session, principal: Principal, scope: OverlayScope) -> OverlayScope:
    """The scope if the principal may manage it; the account's workspace is filled in for a user scope."""
    principal.require(Permission.MANAGE_OVERLAYS)
    get_org(session, scope.org_id, principal)
    workspace_id = scope.workspace_id
    if scope.account_id is not None:
        account = get_scoped(session, Account, scope.account_id, principal, "account")
        if account.org_id != scope.org_id:
            raise Invalid("the account belongs to another organization", param="account_id")
        return OverlayScope(org_id=scope.org_id, workspace_id=None, account_id=account.id)
    if workspace_id is not None:
        ws = get_scoped(session, Workspace, workspace_id, principal, "workspace")
        if ws.org_id != scope.org_id:
            raise Invalid("the workspace belongs to another organization", param="workspace_id")
    elif principal.workspace_id is not None:
        raise Forbidden("a workspace-bound key manages its workspace's overlays, not the organization's",
                        param="workspace_id")
    return scope


def _same_scope(scope: OverlayScope) -> ColumnElement[bool]:
    return and_(PolicyOverlay.org_id == scope.org_id,
                PolicyOverlay.workspace_id.is_(None) if scope.workspace_id is None
                else PolicyOverlay.workspace_id == scope.workspace_id,
                PolicyOverlay.account_id.is_(None) if scope.account_id is None
                else PolicyOverlay.account_id == scope.account_id)


def _stack_with(session: Session, scope: OverlayScope, candidate: LoadedOverlay | None) -> list[LoadedOverlay]:
    """The caller's active stack for this scope with `candidate` in the scope's place (None: none there)."""
    workspace_id = scope.workspace_id
    if scope.account_id is not None:
        workspace_id = session.execute(select(Account.workspace_id).where(Account.id == scope.account_id)).scalar()
    rows = [r for r in active_rows(session, scope.org_id, workspace_id, scope.account_id)
            if r.layer != scope.layer.value]
    stack = [loaded(r) for r in rows]
    if candidate is not None:
        stack.append(candidate)
    return sorted(stack, key=lambda o: o.overlay.overlay.layer.depth)


def _resolve(session: Session, provider: PolicyProvider, scope: OverlayScope,
             candidate: LoadedOverlay | None) -> EffectivePolicy:
    """The policy the scope would run under with `candidate`; a `PolicyFileError` (file:line) if it cannot."""
    return provider.effective(scope.org_id, stack=_stack_with(session, scope, candidate))


def _scope_of(row: PolicyOverlay) -> OverlayScope:
    return OverlayScope(org_id=row.org_id, workspace_id=row.workspace_id, account_id=row.account_id)


def _get(session: Session, principal: Principal, overlay_id: str) -> PolicyOverlay:
    principal.require(Permission.MANAGE_OVERLAYS)
    row = get_scoped(session, PolicyOverlay, overlay_id, principal, "overlay")
    _check_scope(session, principal, _scope_of(row))
    return row


# --- the lifecycle -------------------------------------------------------------------------------


def push(session: Session, principal: Principal, body: OverlayIn, provider: PolicyProvider) -> OverlayOut:
    """Validate and store a new version for the scope (inactive until activated)."""
    scope = _check_scope(session, principal, body)
    candidate = parse_overlay(body.text, Path(body.filename).name or "overlay.yaml")  # file:line on error
    declared = candidate.overlay.overlay.layer
    if declared is not scope.layer:
        raise candidate.problem(("overlay", "layer"), f"this upload is for the {scope.layer.value} layer "
                                f"(its scope), not {declared.value}")
    _resolve(session, provider, scope, candidate)  # refuses what the layers above did not delegate
    last = session.execute(select(func.max(PolicyOverlay.version)).where(_same_scope(scope))).scalar()
    row = PolicyOverlay(id=new_id("ovl"), org_id=scope.org_id, workspace_id=scope.workspace_id,
                        account_id=scope.account_id, name=candidate.overlay.overlay.id, version=(last or 0) + 1,
                        layer=scope.layer.value, text=body.text, digest=candidate.digest, status=INACTIVE,
                        created_by=principal.actor, created_at=dt.datetime.now(dt.UTC))
    session.add(row)
    session.flush()
    audit.record(session, actor=principal.actor, action="overlay.uploaded", subject_type="overlay",
                 subject_id=row.id, org_id=row.org_id, workspace_id=row.workspace_id,
                 data={"name": row.name, "version": row.version, "layer": row.layer, "digest": row.digest,
                       "account_id": row.account_id})
    return OverlayOut.model_validate(row)


def _switch(session: Session, principal: Principal, scope: OverlayScope, target: PolicyOverlay | None,
            provider: PolicyProvider, action: str, now: dt.datetime) -> OverlayOut | None:
    _resolve(session, provider, scope, loaded(target) if target is not None else None)
    current = session.execute(select(PolicyOverlay).where(_same_scope(scope), PolicyOverlay.status == ACTIVE)
                              .with_for_update()).scalars().all()
    for row in current:
        row.status = INACTIVE
    if target is not None:
        target.status, target.activated_at, target.activated_by = ACTIVE, now, principal.actor
    session.flush()
    audit.record(session, actor=principal.actor, action=action, subject_type="overlay",
                 subject_id=target.id if target is not None else (current[0].id if current else "none"),
                 org_id=scope.org_id, workspace_id=scope.workspace_id,
                 data={"from": [f"{r.name}@v{r.version}" for r in current],
                       "to": f"{target.name}@v{target.version}" if target is not None else None,
                       "account_id": scope.account_id})
    return OverlayOut.model_validate(target) if target is not None else None


def activate(session: Session, principal: Principal, overlay_id: str, provider: PolicyProvider,
             now: dt.datetime) -> OverlayOut:
    """Make this version the scope's active one (validated again over today's packs and layers above)."""
    row = _get(session, principal, overlay_id)
    if row.status == ACTIVE:
        raise Conflict(f"overlay {row.id} ({row.name} v{row.version}) is already active")
    before = _active_in(session, _scope_of(row))
    out = _switch(session, principal, _scope_of(row), row, provider, "overlay.activated", now)
    assert out is not None
    _announce(session, principal, _scope_of(row), before, row, provider)
    return out


def _announce(session: Session, principal: Principal, scope: OverlayScope, old: PolicyOverlay | None,
              new: PolicyOverlay | None, provider: PolicyProvider) -> None:
    """Send the organization's `policy.updated` subscribers what the switch changed (`announcements`): the
    composed revision decisions now name and the rules it adds, removes or changes. An end user's own
    settings are theirs, not the organization's policy, and are not announced."""
    if scope.account_id is not None:
        return
    before = _resolve(session, provider, scope, loaded(old) if old is not None else None)
    after = _resolve(session, provider, scope, loaded(new) if new is not None else None)
    common = before.rules.keys() & after.rules.keys()
    rules = {"rules_added": sorted(after.rules.keys() - before.rules.keys()),
             "rules_removed": sorted(before.rules.keys() - after.rules.keys()),
             "rules_changed": [rid for rid in sorted(common) if _shape(before, rid) != _shape(after, rid)]}
    was = f"{old.name}@v{old.version}" if old else None
    now = f"{new.name}@v{new.version}" if new else None
    change: dict[str, object] = {"old": was, "new": now, **rules}
    where = f"workspace {scope.workspace_id}" if scope.workspace_id else f"organization {scope.org_id}"
    counts = ", ".join(f"{len(v)} {k.removeprefix('rules_')}" for k, v in rules.items() if v) or "no rule changes"
    summary = f"{scope.layer.value} overlay {now or '(none)'} now in force for {where} (was {was or 'none'}): {counts}"
    announcements.overlay_switched(session, actor=principal.actor, org_id=scope.org_id, revision=after.revision,
                                   previous=before.revision, summary=summary, diff=change)


def rollback(session: Session, principal: Principal, scope: OverlayScope, provider: PolicyProvider,
             now: dt.datetime) -> OverlayOut | None:
    """Back to the version that was active before the current one (None: no overlay in this scope)."""
    scope = _check_scope(session, principal, scope)
    current = session.execute(select(PolicyOverlay).where(_same_scope(scope), PolicyOverlay.status == ACTIVE)
                              ).scalars().first()
    if current is None:
        raise Conflict("no overlay is active in this scope; nothing to roll back")
    previous = session.execute(
        select(PolicyOverlay).where(_same_scope(scope), PolicyOverlay.activated_at.is_not(None),
                                    PolicyOverlay.version < current.version)
        .order_by(PolicyOverlay.version.desc()).limit(1)).scalars().first()
    out = _switch(session, principal, scope, previous, provider, "overlay.rolled_back", now)
    _announce(session, principal, scope, current, previous, provider)
    return out


def history(session: Session, principal: Principal, page: Page, *, org_id: str | None = None,
            workspace_id: str | None = None, account_id: str | None = None) -> Sequence[PolicyOverlay]:
    principal.require(Permission.MANAGE_OVERLAYS)
    q = scoped(select(PolicyOverlay), PolicyOverlay.org_id, principal, org_id)
    if workspace_id is not None:
        q = q.where(PolicyOverlay.workspace_id == workspace_id)
    if account_id is not None:
        q = q.where(PolicyOverlay.account_id == account_id)
    q = q.order_by(PolicyOverlay.org_id, PolicyOverlay.workspace_id, PolicyOverlay.account_id,
                   PolicyOverlay.version.desc())
    return session.execute(page.apply(q)).scalars().all()


def show(session: Session, principal: Principal, overlay_id: str) -> OverlayDetail:
    return OverlayDetail.model_validate(_get(session, principal, overlay_id))


def _active_in(session: Session, scope: OverlayScope) -> PolicyOverlay | None:
    return session.execute(select(PolicyOverlay).where(_same_scope(scope), PolicyOverlay.status == ACTIVE)
                           ).scalars().first()


def diff(session: Session, principal: Principal, overlay_id: str, provider: PolicyProvider,
         against: str | None = None) -> OverlayDiff:
    """This version against `against` (default: the scope's active version, or none)."""
    new = _get(session, principal, overlay_id)
    scope = _scope_of(new)
    old = _get(session, principal, against) if against is not None else _active_in(session, scope)
    if old is not None and _scope_of(old) != scope:
        raise Invalid("compare versions of the same scope", param="against")
    before = _resolve(session, provider, scope, loaded(old) if old is not None else None)
    after = _resolve(session, provider, scope, loaded(new))
    lines = list(difflib.unified_diff((old.text if old else "").splitlines(), new.text.splitlines(),
                                      f"{old.name}@v{old.version}" if old else "(none)",
                                      f"{new.name}@v{new.version}", lineterm=""))
    common = before.rules.keys() & after.rules.keys()
    changed = [rid for rid in sorted(common) if _shape(before, rid) != _shape(after, rid)]
    return OverlayDiff(old=old.id if old else None, new=new.id, text=lines,
                       rules_added=sorted(after.rules.keys() - before.rules.keys()),
                       rules_removed=sorted(before.rules.keys() - after.rules.keys()), rules_changed=changed)


def _shape(policy: EffectivePolicy, rule_id: str) -> tuple[object, ...]:
    r = policy.rules[rule_id]
    return (r.enabled, sorted(r.granted_exceptions), r.rule.triggers, r.rule.enforcement, r.rule.delegates)


def impact(session: Session, principal: Principal, overlay_id: str, provider: PolicyProvider,
           last: int = 200) -> Impact:
    """Replay the organization's last `last` decisions (their stored scores and surface) under the policy the
    candidate version would make, against the policy in force for that scope now; nothing is written."""
    row = _get(session, principal, overlay_id)
    scope = _scope_of(row)
    current = _resolve(session, provider, scope, _current_or_none(session, scope))
    candidate = _resolve(session, provider, scope, loaded(row))
    q = select(DecisionRecord).where(DecisionRecord.org_id == row.org_id)
    if scope.account_id is not None:
        q = q.where(DecisionRecord.account_id == scope.account_id)
    elif scope.workspace_id is not None:
        q = q.where(DecisionRecord.account_id.in_(select(Account.id).where(Account.workspace_id == scope.workspace_id)))
    decisions = session.execute(q.order_by(DecisionRecord.created_at.desc()).limit(min(max(last, 1), 5000))
                                ).scalars().all()
    verdicts: Counter[str] = Counter()
    per_rule: dict[str, RuleImpact] = defaultdict(lambda: RuleImpact(rule_id=""))
    changed = 0
    for record in decisions:
        scores = {k: float(v) for k, v in (record.scores or {}).items() if isinstance(v, int | float)}
        was = decide(current, scores, {}, record.surface)
        now = decide(candidate, scores, {}, record.surface)
        before, after = {v.rule_id for v in was.violations}, {v.rule_id for v in now.violations}
        if was.verdict != now.verdict:
            verdicts[f"{was.verdict.value}->{now.verdict.value}"] += 1
        if before != after or was.verdict != now.verdict:
            changed += 1
        for rid, gained in [(r, True) for r in after - before] + [(r, False) for r in before - after]:
            item = per_rule[rid]
            item.rule_id = rid
            if gained:
                item.newly_firing += 1
            else:
                item.no_longer_firing += 1
            if len(item.examples) < 5:
                item.examples.append(record.id)
    return Impact(overlay_id=row.id, current_revision=current.revision, candidate_revision=candidate.revision,
                  replayed=len(decisions), verdict_changes=dict(verdicts), changed_decisions=changed,
                  rules=sorted(per_rule.values(), key=lambda r: (-(r.newly_firing + r.no_longer_firing), r.rule_id)))


def _current_or_none(session: Session, scope: OverlayScope) -> LoadedOverlay | None:
    active = _active_in(session, scope)
    return loaded(active) if active is not None else None
