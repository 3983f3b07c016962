"""The ladder as data: ordering, weights, and a warning before any suspension."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from warden.enforce.ladder import DEFAULT_LADDER, Ladder, Step
from warden.policy.model import Action, Severity


def test_default_ladder_climbs_with_points() -> None:
    rungs = [DEFAULT_LADDER.step_for(p, warned=True, severe=False) for p in (0, 1, 4, 8, 16)]
    assert [r.action if r else None for r in rungs] == [
        None, Action.WARNING, Action.FEATURE_RESTRICTION, Action.SUSPENSION, Action.TERMINATION]


def test_a_warning_comes_before_a_suspension_unless_severe() -> None:
    step = DEFAULT_LADDER.step_for(8, warned=False, severe=False)
    assert step is not None and step.action is Action.WARNING
    step = DEFAULT_LADDER.step_for(8, warned=False, severe=True)
    assert step is not None and step.action is Action.SUSPENSION and step.days == 30


@pytest.mark.parametrize("steps, message", [
    ([{"points": 4, "action": "warning"}, {"points": 2, "action": "suspension"}], "strictly increasing"),
    ([{"points": 2, "action": "suspension"}, {"points": 4, "action": "warning"}], "milder"),
    ([{"points": 2, "action": "content_removal"}], "content or apps"),
])
def test_invalid_ladders_are_rejected(steps: list[dict[str, object]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Ladder.model_validate({"steps": steps})


def test_weights_follow_severity() -> None:
    ladder = Ladder(steps=[Step(points=1, action=Action.WARNING)])
    assert [ladder.weight(s) for s in Severity] == [1.0, 2.0, 4.0, 8.0]
