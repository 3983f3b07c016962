"""One case as every shell shows it: the case view (reports, excerpt or sealed placeholder, account
history) and, for cases a reviewer upholds with an action, the actions the rules' ladder allows with the
one it proposes. The API (`GET /v1/cases/{id}/view`), `warden cases show` and the console's case page
all read this.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy.orm import Session

from warden.enforce import caseview, choices, enforcement
from warden.enforce.casework import CHOOSES_ACTION
from warden.enforce.errors import Invalid
from warden.enforce.handlers import violations_for
from warden.enforce.principal import Principal
from warden.enforce.submissions import PolicySource
from warden.store.tables import Account, Case, DecisionRecord


class CaseDetail(BaseModel):
    view: caseview.CaseView
    choices: choices.Choices | None  # None: this kind of case is not decided with an action


def action_choices(session: Session, view: caseview.CaseView, policy: PolicySource, now: dt.datetime,
                   rule_ids: list[str] | None = None) -> choices.Choices | None:
    case = view.case
    wanted = rule_ids or list(case.rule_ids)
    if case.kind not in CHOOSES_ACTION or not wanted:
        return None
    account = session.get(Account, case.account_id) if case.account_id else None
    effective = policy(case.org_id, account.workspace_id if account else None, case.account_id)
    decision = session.get(DecisionRecord, case.decision_id) if case.decision_id else None
    try:
        found = violations_for(effective, wanted, dict(decision.scores) if decision else {})
    except Invalid:
        return None  # a rule no longer in force: the reviewer picks the rules first
    target = choices.Target(org_id=case.org_id, account_id=case.account_id, content_id=case.content_id,
                            app_id=session.get_one(Case, case.id).app_id)
    return choices.choices_for(session, target, found, enforcement.org_ladder(session, case.org_id), now)


def detail(session: Session, principal: Principal, case_id: str, policy: PolicySource, now: dt.datetime,
           rule_ids: list[str] | None = None) -> CaseDetail:
    view = caseview.case_view(session, principal, case_id, now)  # scoped and permission-checked
    return CaseDetail(view=view, choices=action_choices(session, view, policy, now, rule_ids))
