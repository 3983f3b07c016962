"""Admission and screening for the gateway: synchronous services the routes run off the event loop.

`Guard.admit` resolves who is calling: the organization (from the Warden key, or
the `x-warden-organization` header for a platform key), the mode of the route for
it, the end user's account (found by id or by its `external_id`, registered on
first sight through `enforce.directory`) and its standing (`enforce.actions.standing`,
and a workspace membership that is not active). A known end user costs no store
access while its standing is cached (`gateway.caching`: dropped when an action on
the account commits); otherwise one read transaction (no write lock), and a write
only to register an end user seen for the first time.

`Guard.admit_cached` and `Guard.screen_async` are the clean path for an event loop:
a caller whose organization, end user and policy are cached is admitted without
any store access, and its pieces are screened on the detection batcher's worker
(detection batched with other callers, then the decisions, `DetectionBatcher.submit`),
so a clean request takes no worker thread at all; anything that needs the store (a
first sight, a finding to record) goes to the thread pool as before.

`Guard.screen` screens pieces of text (a request's messages, an answer, a
window of a stream) with the runtime's `Screener` under the organization's
effective policy (`PolicyProvider.effective(org, workspace, account)`, so
operator and user overlays apply; cached like the standing and dropped when a
stored overlay changes). Detection runs outside any transaction;
signals and decisions are cached by the text's digest (and the policy
revision), so a system prompt or a conversation's earlier turns are screened
once. All new pieces go to the detectors in one call; a clean request writes
nothing. A piece that does not pass is recorded:

- enforce and advisory modes: through `enforce.submissions.submit`, the path
  `POST /v1/submissions` takes (content stored, decision recorded and audited,
  strikes and the ladder, or a review case; hard limits terminate);
- shadow mode: the decision only (`submissions.record_decision` and its audit
  event), no strikes, actions or cases.

End-user messages are recorded against the end user's account, a system prompt
against the organization alone, and an answer against the end user who elicited
it. Messages of the new turn (after the last assistant message) are recorded
every time; an earlier message of a resent conversation once per process.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from warden.decide import Decision, decide
from warden.detect.images.facts import describe
from warden.detect.pipeline import Detection
from warden.detect.signals import Signal
from warden.enforce import audit, connectors, directory, submissions
from warden.enforce.principal import Principal
from warden.enforce.scoping import get_org
from warden.errors import InvalidInput
from warden.gateway.caching import Known, PolicyCache, StandingCache
from warden.gateway.chat import Piece
from warden.gateway.modes import Mode, mode_for
from warden.policy.layering import EffectivePolicy
from warden.policy.model import Surface, Verdict
from warden.runtime import Runtime
from warden.store.tables import Account, new_id

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
REFUSED = frozenset({"suspended", "terminated"})
MAX_RECORDED_CHARS = 200_000  # a submission's content limit


class LRU(Generic[K, V]):
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


@dataclass(frozen=True)
class Caller:
    """Who a gateway request is for: the key, its organization, the end user's account and standing."""

    principal: Principal
    org_id: str
    mode: Mode
    account_id: str | None = None
    workspace_id: str | None = None
    standing: str = "active"  # active | restricted | suspended | terminated, or a membership: removed ...

    @property
    def refused(self) -> bool:
        return self.standing in REFUSED or self.standing not in ("active", "restricted")


@dataclass(frozen=True)
class Finding:
    """One piece that did not pass: its decision (the stored one when recorded) and what enforcing it did."""

    piece: Piece
    decision: Decision
    recorded: bool
    outcome: str | None = None  # submit's outcome (allowed, actioned, queued, safe_messaging) or "recorded"
    actions: tuple[str, ...] = ()
    case_id: str | None = None


@dataclass
class Outcome:
    """What screening one stage (input, output) found."""

    stage: str
    policy_revision: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        return max((f.decision.verdict for f in self.findings), default=Verdict.ALLOW, key=lambda v: v.rank)

    @property
    def blocked(self) -> bool:
        return self.verdict is Verdict.BLOCK

    @property
    def rule_ids(self) -> list[str]:
        return list(dict.fromkeys(v.rule_id for f in self.findings for v in f.decision.violations))

    @property
    def decision_ids(self) -> list[str]:
        return [f.decision.id for f in self.findings if f.recorded]

    def summary(self) -> dict[str, Any]:
        """The `warden` extension a response carries."""
        return {
            "stage": self.stage, "decision": self.verdict.value, "policy_revision": self.policy_revision,
            "rules": self.rule_ids, "decision_ids": self.decision_ids,
            "violations": [{"rule_id": v.rule_id, "title": v.title, "category": v.category, "score": v.score,
                            "threshold": v.threshold, "verdict": v.verdict.value,
                            "citation": v.citation.model_dump(mode="json")}
                           for f in self.findings for v in f.decision.violations],
            "actions": [a for f in self.findings for a in f.actions],
            "safe_messaging": next((f.decision.safe_messaging.model_dump(mode="json") for f in self.findings
                                    if f.decision.safe_messaging is not None), None),
        }


@dataclass(frozen=True)
class Admission:
    """A request admitted and its input screened (`inbound` is None when the caller is refused and the
    mode blocks: nothing was screened or forwarded)."""

    caller: Caller
    inbound: Outcome | None


class Guard:
    """The gateway's services over one runtime (thread-safe; one per app)."""

    def __init__(self, rt: Runtime, cache_size: int = 10_000) -> None:
        self.rt = rt
        self.settings = rt.settings.gateway
        self._signals: LRU[str, list[Signal]] = LRU(cache_size)
        self._decisions: LRU[tuple[str, str], Decision] = LRU(cache_size)
        self._accounts: LRU[tuple[str, str], str] = LRU(cache_size)
        self._standing = StandingCache(self.settings.cache_ttl, rt.clock)
        self._policies = PolicyCache(rt.policies, self.settings.cache_ttl)
        self._recorded: LRU[tuple[str, str | None, str], bool] = LRU(cache_size)
        self._orgs: LRU[str, bool] = LRU(cache_size)
        self._register = threading.Lock()

    # -- who is calling -------------------------------------------------------------------------------------

    def inbound(self, principal: Principal, org_hint: str | None, end_user: str | None,
                pieces: Sequence[Piece], route: str = "chat/completions") -> Admission:
        """`admit`, then `screen` the input unless the caller is refused: one trip off the event loop."""
        caller = self.admit(principal, org_hint, end_user, route)
        if caller.refused and caller.mode.blocks:
            return Admission(caller=caller, inbound=None)
        return Admission(caller=caller, inbound=self.screen(caller, pieces, "input"))

    def admit_cached(self, principal: Principal, org_hint: str | None, end_user: str | None,
                     route: str = "chat/completions") -> Caller | None:
        """`admit` from the caches alone (no store access), or None when it needs the store. Raises what
        `admit` raises for a request it can judge without the store."""
        org_id = principal.org_id or org_hint
        if org_id is None or self._orgs.get(org_id) is None or (end_user is None and self.settings.require_user):
            return None  # admit raises or reads
        principal.check_org(org_id, "organization")
        mode = mode_for(self.settings, org_id, route)
        if end_user is None:
            return Caller(principal=principal, org_id=org_id, mode=mode)
        account_id = self._accounts.get((org_id, end_user))
        known = self._standing.get(account_id) if account_id is not None else None
        if known is None or (principal.workspace_id is not None and known.workspace_id != principal.workspace_id):
            return None
        return Caller(principal=principal, org_id=org_id, mode=mode, account_id=known.account_id,
                      workspace_id=known.workspace_id, standing=known.status)

    def admit(self, principal: Principal, org_hint: str | None, end_user: str | None,
              route: str = "chat/completions") -> Caller:
        org_id = principal.org_id or org_hint
        if org_id is None:
            raise InvalidInput("a key not bound to an organization must name one: x-warden-organization",
                               param="x-warden-organization", code="missing_organization")
        if end_user is None and self.settings.require_user:
            raise InvalidInput("name the end user: safety_identifier, user or the x-warden-end-user header",
                               param="safety_identifier", code="missing_end_user")
        mode = mode_for(self.settings, org_id, route)
        if self._orgs.get(org_id) is None:  # organizations are not deleted: checked once per process
            with self.rt.db.read() as s:
                get_org(s, org_id, principal)
            self._orgs.put(org_id, True)
        principal.check_org(org_id, "organization")
        if end_user is None:
            return Caller(principal=principal, org_id=org_id, mode=mode)
        known = self._end_user(principal, org_id, end_user)
        if principal.workspace_id is not None and known.workspace_id != principal.workspace_id:
            raise InvalidInput("the end user belongs to another workspace", param="user", code="invalid_value")
        return Caller(principal=principal, org_id=org_id, mode=mode, account_id=known.account_id,
                      workspace_id=known.workspace_id, standing=known.status)

    def _end_user(self, principal: Principal, org_id: str, end_user: str) -> Known:
        """The end user's account and standing: cached, else read, else registered (the only write)."""
        account_id = self._accounts.get((org_id, end_user))
        cached = self._standing.get(account_id) if account_id is not None else None
        if cached is not None:
            return cached
        with self.rt.db.read() as s:
            account = self._find(s, org_id, end_user, account_id)
            known = self._standing.read(s, account) if account is not None else None
        if known is None:
            with self.rt.db.transaction() as s, self._register:
                account = self._find(s, org_id, end_user, None) or directory.create_account(
                    s, principal, directory.AccountIn(org_id=org_id, kind="end_user", external_id=end_user))
                known = self._standing.read(s, account)
            # the account's own commit dropped it from the cache: what was read inside still holds
        self._accounts.put((org_id, end_user), known.account_id)
        self._standing.remember(known)
        return known

    @staticmethod
    def _find(s: Session, org_id: str, end_user: str, known_id: str | None) -> Account | None:
        if known_id is not None and (account := s.get(Account, known_id)) is not None:
            return account
        if end_user.startswith("acct_"):
            by_id = s.get(Account, end_user)
            if by_id is not None and by_id.org_id == org_id:
                return by_id
        return s.execute(select(Account).where(Account.org_id == org_id, Account.external_id == end_user)
                         .order_by(Account.created_at).limit(1)).scalar_one_or_none()

    def check_connectors(self, caller: Caller, names: Sequence[str]) -> None:
        """Refuse (`ConnectorNotEnabled`) tools the caller's workspace has not enabled; the decision names the
        connector rule."""
        with self.rt.db.read() as s:
            request = {"request": {"connectors": list(names)}}
            context, missing = connectors.mark(s, caller.org_id, caller.workspace_id, request)
        if missing:
            connectors.refuse(decide(self.policy(caller), {}, context, Surface.API), missing, caller.workspace_id)

    # -- screening ------------------------------------------------------------------------------------------

    def policy(self, caller: Caller) -> EffectivePolicy:
        return self._policies.effective(caller.org_id, caller.workspace_id, caller.account_id)

    def screen(self, caller: Caller, pieces: Sequence[Piece], stage: str) -> Outcome:
        """Screen `pieces`, record what does not pass (by the caller's mode) and say what was found.
        A detector that cannot answer raises `DetectorError` (a 503): nothing is forwarded unscreened."""
        policy = self.policy(caller)
        unique = list({p.digest: p for p in pieces}.values())
        missing = [p for p in unique if self._signals.get(p.digest) is None]
        found = self.rt.screener.detect([p.content for p in missing]) if missing else []
        return self._findings(caller, policy, stage, self._gates(policy, unique, missing, found))

    async def screen_async(self, caller: Caller, pieces: Sequence[Piece], stage: str) -> Outcome:
        """`screen` for the event loop: detection and decisions on the batcher's worker, the loop only
        awaits; the store (a policy to resolve, a finding to record) on a worker thread."""
        policy = self._policies.cached(caller.org_id, caller.workspace_id, caller.account_id)
        batcher = self.rt.screener.batcher
        unique = list({p.digest: p for p in pieces}.values())
        missing = [p for p in unique if self._signals.get(p.digest) is None]
        if policy is None or batcher is None or len(missing) >= batcher.max_batch:
            return await run_in_threadpool(self.screen, caller, pieces, stage)
        if missing:
            gates = partial(self._gates, policy, unique, missing)
            gated = await asyncio.wrap_future(batcher.submit([p.content for p in missing], gates))
        else:
            gated = self._gates(policy, unique, [], [])  # every piece seen before: cached decisions
        if all(gate.verdict is Verdict.ALLOW and gate.safe_messaging is None for _, _, gate in gated):
            return Outcome(stage=stage, policy_revision=policy.revision)
        return await run_in_threadpool(self._findings, caller, policy, stage, gated)

    def _gates(self, policy: EffectivePolicy, unique: list[Piece], missing: list[Piece],
               found: Sequence[Detection]) -> list[tuple[Piece, list[Signal], Decision]]:
        """Each piece with its signals and decision (both cached by digest), `found` being `missing`'s."""
        for piece, detection in zip(missing, found, strict=True):
            self._signals.put(piece.digest, list(detection.signals))
        out = []
        for piece in unique:
            signals = self._signals.get(piece.digest) or []
            key = (policy.revision, piece.digest)
            gate = self._decisions.get(key)
            if gate is None:
                gate = decide(policy, signals, {}, Surface.API)
                self._decisions.put(key, gate)
            out.append((piece, signals, gate))
        return out

    def _findings(self, caller: Caller, policy: EffectivePolicy, stage: str,
                  gated: list[tuple[Piece, list[Signal], Decision]]) -> Outcome:
        """Record the pieces that do not pass (a store write each) and say what was found."""
        outcome = Outcome(stage=stage, policy_revision=policy.revision)
        for piece, signals, gate in gated:
            if gate.verdict is not Verdict.ALLOW or gate.safe_messaging is not None:
                outcome.findings.append(self._record(caller, piece, signals, gate, policy))
        return outcome

    def _record(self, caller: Caller, piece: Piece, signals: list[Signal], gate: Decision,
                policy: EffectivePolicy) -> Finding:
        account_id = None if piece.prompt else caller.account_id
        seen = (caller.org_id, account_id, piece.digest)
        if not piece.new and self._recorded.get(seen):
            return Finding(piece=piece, decision=gate, recorded=False)
        self._recorded.put(seen, True)
        content = piece.text[:MAX_RECORDED_CHARS] or "(an image)"
        kind = ("mixed" if piece.text.strip() else "image") if piece.images else "text"
        # the images' hashes and metadata, taken before the transaction (decoded images are cached)
        images = describe(piece.content, self.rt.images) if piece.images and caller.mode.enforces else []
        now = self.rt.clock()
        with self.rt.db.transaction() as s:
            if caller.mode.enforces:
                sub = submissions.Submission(org_id=caller.org_id, account_id=account_id, content=content,
                                             content_type=kind, images=list(piece.images)[:16], surface=Surface.API,
                                             detector="gateway")
                result = submissions.submit(s, caller.principal, sub, self.rt.policies, self.rt.cybertip, now,
                                            signals, images)
                done = result.enforcement
                return Finding(piece=piece, decision=result.decision, recorded=True, outcome=result.outcome,
                               actions=tuple(done.actions) if done else (), case_id=done.case_id if done else None)
            decision = gate.model_copy(update={"id": new_id("dec"), "created_at": now})
            row = submissions.record_decision(s, org_id=caller.org_id, decision=decision, content_id=None,
                                              account_id=account_id, detector="gateway", detector_version=None)
            audit.record(s, actor=caller.principal.actor, action="decision.recorded", subject_type="decision",
                         subject_id=row.id, org_id=caller.org_id,
                         data={"verdict": row.verdict, "rule_ids": [v.rule_id for v in decision.violations],
                               "policy_revision": row.policy_revision, "mode": caller.mode.value,
                               "role": piece.role})
        return Finding(piece=piece, decision=decision, recorded=True, outcome="recorded")
