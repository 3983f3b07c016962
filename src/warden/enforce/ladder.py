"""Strike weights, decay and the ladder from strike totals to actions, as data.

An organization may store its own ladder; otherwise `DEFAULT_LADDER` applies.
The ladder picks the account-level action for a violation: the highest step the
active strike total reaches, where a suspension or termination is only reached
after a prior warning unless the violated rule is a hard limit or severe.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from warden.policy.model import Action, Severity

# Actions that fall on the account; others fall on the content or the app.
ACCOUNT_ACTIONS = frozenset({Action.WARNING, Action.FEATURE_RESTRICTION, Action.SUSPENSION, Action.TERMINATION})
CONTENT_ACTIONS = frozenset({Action.CONTENT_REMOVAL})
APP_ACTIONS = frozenset({Action.SHARING_RESTRICTION, Action.STORE_DELISTING, Action.MONETIZATION_INELIGIBILITY})


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    points: float = Field(gt=0)  # active strike total that reaches this step
    action: Action
    days: int | None = Field(default=None, gt=0)  # duration; None = until lifted

    @model_validator(mode="after")
    def _account_level(self) -> Step:
        if self.action not in ACCOUNT_ACTIONS:
            raise ValueError(f"ladder steps act on accounts; {self.action.value} acts on content or apps")
        return self


class Ladder(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: dict[Severity, float] = Field(
        default_factory=lambda: {Severity.LOW: 1.0, Severity.MEDIUM: 2.0, Severity.HIGH: 4.0, Severity.CRITICAL: 8.0}
    )
    window_days: int = Field(default=90, gt=0)  # strikes expire after this
    steps: list[Step] = Field(min_length=1)
    severe_from: Severity = Severity.CRITICAL  # at or above: no warning needed first
    auto_action_min_score: float = Field(default=0.9, ge=0, le=1)  # below it, flags go to review
    appeal_days: int = Field(default=180, gt=0)  # DSA Art. 20: at least six months

    @model_validator(mode="after")
    def _ordered(self) -> Ladder:
        points = [s.points for s in self.steps]
        if points != sorted(points) or len(set(points)) != len(points):
            raise ValueError("ladder steps must have strictly increasing points")
        ranks = [s.action.rank for s in self.steps]
        if ranks != sorted(ranks):
            raise ValueError("ladder steps must not get milder as points increase")
        missing = set(Severity) - set(self.weights)
        if missing:
            raise ValueError(f"weights missing for {sorted(m.value for m in missing)}")
        return self

    def weight(self, severity: Severity) -> float:
        return self.weights[severity]

    def step_for(self, points: float, *, warned: bool, severe: bool) -> Step | None:
        """The highest step reached; without a prior warning (and unless severe) at most a warning."""
        reached = [s for s in self.steps if points >= s.points]
        if not reached:
            return None
        step = reached[-1]
        if step.action >= Action.SUSPENSION and not warned and not severe:
            return Step(points=step.points, action=Action.WARNING)
        return step


DEFAULT_LADDER = Ladder(
    steps=[
        Step(points=1, action=Action.WARNING),
        Step(points=4, action=Action.FEATURE_RESTRICTION, days=7),
        Step(points=8, action=Action.SUSPENSION, days=30),
        Step(points=16, action=Action.TERMINATION),
    ]
)


def ladder_from(data: dict[str, Any] | None) -> Ladder:
    return DEFAULT_LADDER if data is None else Ladder.model_validate(data)
