"""Which actions a reviewer may pick when upholding a case, and which one the ladder proposes.

A rule's enforcement is its first response; the organization's strike ladder escalates from there
(see `ladder`). So the allowed actions for a set of violated rules are: the rules' own actions, the
ladder's account steps, content removal where there is content, and, for rules whose first response
falls on an app (GPT building and the Store: sharing restriction, Store delisting, monetization
ineligibility), every app action where there is an app; never milder than the mildest rule's first
response (a warning, for the GPT measures). A hard limit allows only termination (which a second
reviewer confirms). The default is the ladder's next step for the account, computed exactly as
`enforcement.act` takes it. The API, the CLI and the console all call `choices_for` / `check`, so a
choice is validated in one place.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy.orm import Session

from warden.decide import Violation
from warden.enforce import actions, strikes
from warden.enforce.errors import Invalid
from warden.enforce.ladder import ACCOUNT_ACTIONS, APP_ACTIONS, CONTENT_ACTIONS, Ladder
from warden.policy.model import Action


class Target(BaseModel):
    """What the violation was found in and whom it is attributed to."""

    org_id: str
    account_id: str | None = None
    app_id: str | None = None
    content_id: str | None = None


class Choices(BaseModel):
    rule_ids: list[str]
    allowed: list[Action]  # mildest first
    default: Action | None  # the ladder's next step for the account (or the rules' own action)
    strike_points: float | None  # the account's active points now
    points_after: float | None  # and after this violation's strikes


def next_step(ladder: Ladder, points: float, violations: list[Violation], *,
              was_warned: bool) -> tuple[Action | None, int | None]:
    """The account action the ladder takes at `points` (strikes of this violation included), and its days."""
    severe = any(v.severity >= ladder.severe_from for v in violations)
    step = ladder.step_for(points, warned=was_warned, severe=severe)
    floor = max((v.action for v in violations if v.action in ACCOUNT_ACTIONS), default=None, key=lambda a: a.rank)
    chosen = step.action if step else floor
    if floor is not None and chosen is not None and floor > chosen:
        chosen = floor if (floor < Action.SUSPENSION or was_warned or severe) else Action.WARNING
    return chosen, (step.days if step and chosen is step.action else None)


def allowed(violations: list[Violation], ladder: Ladder, target: Target) -> list[Action]:
    if any(v.hard_limit for v in violations):
        return [Action.TERMINATION]
    own = {v.action for v in violations} - {Action.NONE}
    if not own:
        return []
    found = set(own) | {s.action for s in ladder.steps}
    if target.content_id:
        found |= CONTENT_ACTIONS
    if target.app_id and own & APP_ACTIONS:
        found |= APP_ACTIONS
    # the GPT measures (sharing, Store, monetization) sit beside the account ladder, which starts at a warning
    floor = min((Action.WARNING if a in APP_ACTIONS else a for a in own), key=lambda a: a.rank)

    def applies(a: Action) -> bool:
        return ((a not in ACCOUNT_ACTIONS or target.account_id is not None)
                and (a not in CONTENT_ACTIONS or target.content_id is not None)
                and (a not in APP_ACTIONS or target.app_id is not None))

    return sorted((a for a in found if a >= floor and applies(a)), key=lambda a: a.rank)


def choices_for(session: Session, target: Target, violations: list[Violation], ladder: Ladder,
                now: dt.datetime) -> Choices:
    options = allowed(violations, ladder, target)
    points = after = None
    default: Action | None = None
    if any(v.hard_limit for v in violations):
        default = Action.TERMINATION
    elif target.account_id:
        points = strikes.active_points(session, target.account_id, now)
        after = points + sum(ladder.weight(v.severity) for v in violations)
        default, _ = next_step(ladder, after, violations, was_warned=actions.warned(session, target.account_id))
    if default is None or default not in options:
        # no account, or the ladder's step does not apply here: the strongest of the rules' own actions
        own = [a for a in options if any(v.action is a for v in violations)]
        default = own[-1] if own else (options[0] if options else None)
    return Choices(rule_ids=[v.rule_id for v in violations], allowed=options, default=default,
                   strike_points=points, points_after=after)


def check(chosen: Action, options: Choices) -> None:
    """Refuse an action outside the rules' allowed ladder (a 400 at every edge)."""
    if chosen not in options.allowed:
        names = ", ".join(a.value for a in options.allowed) or "none (these rules carry no action)"
        raise Invalid(f"action {chosen.value!r} is not on the allowed ladder of {', '.join(options.rule_ids)}: "
                      f"choose one of {names}", param="action")
