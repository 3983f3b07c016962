"""Casework pages: the queue, a case (claim, release, decide), the appeals inbox, an account's history
(and filing an appeal on one of its actions), reports, statements of reasons, mandatory reports."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warden.console.app import templates
from warden.console.highlight import segments
from warden.console.web import Allowed, Visit
from warden.enforce import appeals, casedetail, cases, caseview, casework, enforcement, mandatory, queries, statements
from warden.enforce.casework import CaseOutcome
from warden.enforce.kinds import CaseKind, CaseStatus
from warden.enforce.pages import Page
from warden.enforce.principal import Permission
from warden.enforce.scoping import get_scoped
from warden.errors import InvalidInput, Unavailable
from warden.policy.model import Action, Severity, Surface
from warden.store.tables import Case

router = APIRouter()
Reader = Annotated[Visit, Allowed(Permission.READ_ENFORCEMENT)]
Reviewer = Annotated[Visit, Allowed(Permission.REVIEW)]


def _back(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


@router.get("/queue", response_class=HTMLResponse)
def queue(visit: Reader, status: str = CaseStatus.OPEN.value, kind: str | None = None, severity: str | None = None,
          rule: str | None = None, surface: str | None = None, min_age_hours: str | None = None,
          limit: int = 100) -> Response:
    age = _blank(min_age_hours)
    try:
        filters = caseview.QueueFilter(status=status, kind=_blank(kind), severity=_blank(severity), rule=_blank(rule),
                                       surface=_blank(surface), min_age_hours=float(age) if age else None)
    except ValueError as exc:
        raise InvalidInput(f"bad filter: {exc}") from None
    with visit.tx() as s:
        rows = caseview.queue(s, visit.principal, filters, Page.of(limit), visit.now)
    return templates.TemplateResponse(visit.request, "queue.html", visit.page(
        rows=rows, filters=filters, kinds=[k.value for k in CaseKind], severities=[v.value for v in Severity],
        surfaces=[v.value for v in Surface], statuses=[v.value for v in CaseStatus]))


@router.post("/queue/claim-next")
def claim_next(visit: Reviewer, kind: Annotated[str, Form()] = "") -> Response:
    with visit.tx() as s:
        case = cases.claim_next(s, visit.principal, visit.now, postgres=visit.rt.db.is_postgres, kind=kind or None)
    return _back(f"/console/cases/{case.id}" if case else "/console/queue?empty=1")


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: str, visit: Reader, rule_ids: Annotated[list[str] | None, Query()] = None) -> Response:
    # rule_ids: the rules the reviewer picked ("Show actions for these rules"); default the case's
    with visit.tx() as s:
        detail = casedetail.detail(s, visit.principal, case_id, visit.rt.policies, visit.now, rule_ids)
        view = detail.view
        ladder = enforcement.org_ladder(s, view.case.org_id)
    marked, spans_error = None, None
    if view.content is not None and view.content.excerpt:
        # evidence spans come from the service's detectors, run outside any transaction; a detector that
        # cannot answer costs the highlighting, not the page
        try:
            [found] = visit.rt.screener.detect([view.content.excerpt])
            marked = segments(view.content.excerpt, found.signals)
        except Unavailable as exc:
            spans_error = exc.message
    policy = visit.rt.policies(view.case.org_id)
    rules = [{"id": r.id, "title": r.rule.title, "citation": r.rule.citation} for r in policy.rules.values()]
    cited = {rid: policy.rules[rid].rule.citation for rid in view.case.rule_ids if rid in policy.rules}
    mine = view.case.status == CaseStatus.CLAIMED and view.case.claimed_by == visit.principal.subject
    return templates.TemplateResponse(visit.request, "case.html", visit.page(
        view=view, marked=marked, spans_error=spans_error, rules=rules, cited=cited, mine=mine,
        outcomes=[o.value for o in CaseOutcome], policy_revision=policy.revision, ladder=ladder, choices=detail.choices,
        weight=ladder.weight(Severity(view.case.severity))))


@router.post("/cases/{case_id}/actions")
def show_actions(case_id: str, visit: Reader, rule_ids: Annotated[list[str] | None, Form()] = None) -> Response:
    """The decide form's "Show actions for these rules": the case page again, its picker for those rules
    (a POST, so the form's CSRF token never lands in a URL)."""
    query = urlencode([("rule_ids", r) for r in rule_ids or []])
    return _back(f"/console/cases/{quote(case_id)}" + (f"?{query}" if query else ""))


@router.post("/cases/{case_id}/claim")
def claim(case_id: str, visit: Reviewer) -> Response:
    with visit.tx() as s:
        cases.claim(s, case_id, visit.principal, visit.now)
    return _back(f"/console/cases/{case_id}")


@router.post("/cases/{case_id}/release")
def release(case_id: str, visit: Reviewer) -> Response:
    with visit.tx() as s:
        case = get_scoped(s, Case, case_id, visit.principal, "case")
        cases.release(s, case, visit.principal)
    return _back("/console/queue")


@router.post("/cases/{case_id}/decision")
def decide(case_id: str, visit: Reviewer, outcome: Annotated[str, Form()], reason: Annotated[str, Form()],
           rule_ids: Annotated[list[str] | None, Form()] = None, action: Annotated[str, Form()] = "") -> Response:
    try:
        decision = casework.CaseDecision(outcome=CaseOutcome(outcome), reason=reason, rule_ids=rule_ids or [],
                                         action=Action(action) if action and outcome == CaseOutcome.UPHOLD else None)
    except ValueError as exc:
        raise InvalidInput(f"the decision is incomplete: {exc}") from None
    review = casework.Review(principal=visit.principal, decision=decision, policy=visit.rt.policies,
                             cybertip=visit.rt.cybertip, now=visit.now)
    with visit.tx() as s:
        casework.decide_case(s, case_id, review)
    return _back(f"/console/cases/{case_id}?decided=1")


@router.get("/appeals", response_class=HTMLResponse)
def appeals_inbox(visit: Reviewer) -> Response:
    """Open appeals this reviewer may take (never one on their own decision)."""
    filters = caseview.QueueFilter(kind=CaseKind.APPEAL.value, claimable_by=visit.principal.subject)
    with visit.tx() as s:
        rows = caseview.queue(s, visit.principal, filters, Page.of(200), visit.now)
    return templates.TemplateResponse(visit.request, "appeals.html", visit.page(rows=rows))


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account(account_id: str, visit: Reader) -> Response:
    with visit.tx() as s:
        history = caseview.account_history(s, visit.principal, account_id, visit.now)
    return templates.TemplateResponse(visit.request, "account.html", visit.page(history=history))


@router.post("/actions/{action_id}/appeal")
def file_appeal(action_id: str, visit: Annotated[Visit, Allowed(Permission.FILE_APPEAL)],
                statement: Annotated[str, Form()]) -> Response:
    try:
        body = appeals.AppealIn(action_id=action_id, statement=statement)
    except ValueError as exc:
        raise InvalidInput(f"the appeal is incomplete: {exc}") from None
    with visit.tx() as s:
        appeal = appeals.file(s, visit.principal, body, visit.now)
        target = f"/console/cases/{appeal.case_id}" if visit.can(Permission.READ_ENFORCEMENT) else "/console/queue"
    return _back(target)


@router.get("/reports", response_class=HTMLResponse)
def reports(visit: Reader) -> Response:
    with visit.tx() as s:
        rows = caseview.reports(s, visit.principal, Page.of(200))
    return templates.TemplateResponse(visit.request, "reports.html", visit.page(rows=rows))


@router.get("/statements", response_class=HTMLResponse)
def statements_page(visit: Reader, after: str | None = None) -> Response:
    with visit.tx() as s:
        batch = statements.export(s, org_id=None, after=after, limit=100, principal=visit.principal)
    return templates.TemplateResponse(visit.request, "statements.html", visit.page(batch=batch))


@router.get("/mandatory", response_class=HTMLResponse)
def mandatory_reports(visit: Annotated[Visit, Allowed(Permission.MANDATORY_REPORTS)]) -> Response:
    with visit.tx() as s:
        rows = [caseview.MandatoryView.model_validate(r) for r in queries.mandatory_reports(s, visit.principal,
                                                                                              Page.of(200))]
    return templates.TemplateResponse(visit.request, "mandatory.html", visit.page(rows=rows))


@router.post("/mandatory/{report_id}/confirm")
def confirm_mandatory(report_id: str, visit: Annotated[Visit, Allowed(Permission.MANDATORY_REPORTS)],
                      confirm: Annotated[str, Form()] = "") -> Response:
    if confirm != "yes":
        raise InvalidInput("tick the confirmation box: a person must confirm the report before it is sent")
    mandatory.confirm_and_submit(visit.rt.db, report_id, visit.principal, visit.rt.cybertip, visit.now)
    return _back("/console/mandatory?confirmed=" + report_id)

