"""The policy browser (packs and overlays in force, a rule with its citation, a version diff) and the
audit log with its chain status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from warden.console.app import templates
from warden.console.web import Allowed, Visit
from warden.enforce import audit, queries
from warden.enforce.errors import NotFound
from warden.enforce.pages import Page
from warden.enforce.principal import Permission
from warden.errors import InvalidInput
from warden.policy.diff import diff_packs
from warden.policy.views import brief, pack_row

router = APIRouter()
Reader = Annotated[Visit, Allowed(Permission.READ_ENFORCEMENT)]


@router.get("/policy", response_class=HTMLResponse)
def policy(visit: Reader) -> Response:
    provider = visit.rt.policies
    effective = provider(visit.principal.org_id or "")
    library = provider.library
    live = {p.ref for p in library.in_force(provider.today())}
    packs = [pack_row(p, library, live) for p in library.packs()]
    rules = sorted(effective.rules.values(), key=lambda r: r.id)
    layers = sorted({(r.layer.value, r.origin) for r in rules})  # packs and the overlays that changed rules
    return templates.TemplateResponse(visit.request, "policy.html", visit.page(
        packs=packs, effective=effective, rules=rules, layers=layers))


@router.get("/policy/rules/{rule_id}", response_class=HTMLResponse)
def rule(rule_id: str, visit: Reader) -> Response:
    effective = visit.rt.policies(visit.principal.org_id or "")
    if rule_id not in effective.rules:
        raise NotFound(f"no rule {rule_id} in the policy in force ({effective.revision})")
    return templates.TemplateResponse(visit.request, "rule.html", visit.page(
        eff=effective.rules[rule_id], revision=effective.revision))


@router.get("/policy/diff", response_class=HTMLResponse)
def diff(visit: Reader, old: str, new: str) -> Response:
    library = visit.rt.policies.library
    try:
        result = diff_packs(library, old, new)
    except (KeyError, ValueError) as exc:
        raise InvalidInput(f"cannot diff {old} and {new}: {exc}") from None
    return templates.TemplateResponse(visit.request, "diff.html", visit.page(diff=result, brief=brief))


@router.get("/audit", response_class=HTMLResponse)
def audit_log(visit: Annotated[Visit, Allowed(Permission.READ_AUDIT)], after_seq: int = 0) -> Response:
    with visit.tx() as s:
        events = list(queries.audit_events(s, visit.principal, Page.of(200), after_seq=after_seq))
        chain = audit.verify(s) if visit.can(Permission.VERIFY_AUDIT) else None
    return templates.TemplateResponse(visit.request, "audit.html", visit.page(events=events, chain=chain))
