"""The gateway's edges: caching, pass-through of keys, modes per organization, and errors in OpenAI's shape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import func, select

from gateway.harness import Gateway, keywords, running
from warden.detect.pipeline import DetectorSet
from warden.detect.signals import Signal
from warden.detect.testing import KeywordDetector
from warden.enforce import keys
from warden.enforce.principal import SYSTEM, Role
from warden.store import Database
from warden.store.tables import DecisionRecord

CLEAN = [{"role": "user", "content": "What should I plant in a shady garden?"}]


class Counting(KeywordDetector):
    """The keyword detector, counting the texts it is asked to score."""

    def __init__(self) -> None:
        base = keywords()
        super().__init__({c: (s, p) for c, (s, p) in base.keywords.items()})
        self.seen: list[str] = []

    def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
        self.seen.extend(texts)
        return super().detect_texts(texts)


def test_the_system_prompt_and_earlier_turns_are_screened_once(db: Database) -> None:
    counting = Counting()
    with running(db, detectors=DetectorSet([counting])) as gw:
        client = gw.client()
        system = {"role": "system", "content": "You are a gardening assistant for Acme."}
        first = [system, {"role": "user", "content": "Which roses like shade?"}]
        client.chat.completions.create(model="m", messages=first, user="ann")  # type: ignore[arg-type]
        second = [*first, {"role": "assistant", "content": "A few do."}, {"role": "user", "content": "Which?"}]
        client.chat.completions.create(model="m", messages=second, user="ann")  # type: ignore[arg-type]
    assert counting.seen.count(system["content"]) == 1
    assert counting.seen.count("Which roses like shade?") == 1
    assert "Which?" in counting.seen
    assert "A few do." not in counting.seen  # an assistant turn the caller sends back is not the end user's


def test_a_resent_violating_turn_is_recorded_once_in_advisory_mode(gw: Gateway) -> None:
    client = gw.client("advisory")
    bad = {"role": "user", "content": "hateful words"}  # a flag rule: forwarded and recorded

    def recorded() -> int:
        with gw.db.transaction() as s:
            return int(s.execute(select(func.count()).select_from(DecisionRecord)
                                 .where(DecisionRecord.org_id == gw.orgs["advisory"])).scalar_one())

    client.chat.completions.create(model="m", messages=[bad], user="bea")  # type: ignore[list-item]
    assert recorded() == 2  # the turn and its echo
    history = [bad, {"role": "assistant", "content": "I see."}, {"role": "user", "content": "Go on."}]
    client.chat.completions.create(model="m", messages=history, user="bea")  # type: ignore[arg-type]
    assert recorded() == 2  # the resent turn is not recorded again; the new one is clean
    client.chat.completions.create(model="m", messages=[bad], user="bea")  # type: ignore[list-item]
    assert recorded() == 4  # sent again as the new turn: a new attempt, recorded


def test_the_callers_own_upstream_key_is_passed_through(gw: Gateway) -> None:
    client = openai.OpenAI(base_url=gw.url, api_key="sk-caller-own", max_retries=0,
                           default_headers={"x-warden-api-key": gw.keys["enforce"]})
    client.chat.completions.create(model="m", messages=CLEAN)  # type: ignore[arg-type]
    assert gw.received[0].headers["authorization"] == "Bearer sk-caller-own"
    gw.client().chat.completions.create(model="m", messages=CLEAN)  # type: ignore[arg-type]
    assert gw.received[1].headers["authorization"] == "Bearer configured-upstream-key"
    assert "x-warden-api-key" not in gw.received[0].headers


@pytest.fixture
def gateway_options() -> dict[str, Any]:
    return {"upstream_api_key": "configured-upstream-key"}


def test_errors_answer_in_openais_shape(gw: Gateway) -> None:
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=gw.url, api_key="wdn_bad_key", max_retries=0).chat.completions.create(
            model="m", messages=CLEAN)  # type: ignore[arg-type]
    http = httpx.Client(base_url=gw.url, headers={"authorization": f"Bearer {gw.keys['enforce']}"})
    for body in ({"model": "m"}, {"model": 3, "messages": CLEAN}, {"model": "m", "messages": CLEAN, "user": 7},
                 {"model": "m", "messages": [{"content": "no role"}]}):
        resp = http.post("/chat/completions", json=body)
        assert resp.status_code == 400, body
        assert set(resp.json()["error"]) == {"message", "type", "param", "code"}
    assert http.post("/chat/completions", content=b"{not json").status_code == 400
    with gw.db.transaction() as s:
        admin = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="root")).key
    platform = {"authorization": f"Bearer {admin}"}
    no_org = http.post("/chat/completions", json={"model": "m", "messages": CLEAN}, headers=platform)
    assert no_org.status_code == 400 and no_org.json()["error"]["code"] == "missing_organization"
    named = http.post("/chat/completions", json={"model": "m", "messages": CLEAN},
                      headers=platform | {"x-warden-organization": gw.orgs["enforce"]})
    assert named.status_code == 200
    assert gw.received[-1].headers.get("authorization") == "Bearer configured-upstream-key"
    assert not any("wdn_" in r.headers.get("authorization", "") for r in gw.received)  # Warden keys stay here
    http.close()


def test_an_unreachable_upstream_is_a_502_and_no_upstream_a_503(db: Database) -> None:
    with running(db, upstream_url="http://127.0.0.1:9/v1") as gw:
        with pytest.raises(openai.APIStatusError) as caught:
            gw.client().chat.completions.create(model="m", messages=CLEAN)  # type: ignore[arg-type]
        assert caught.value.status_code == 502 and caught.value.code == "upstream_unavailable"
    with running(db, upstream_url=None) as gw:
        with pytest.raises(openai.APIStatusError) as caught:
            gw.client().chat.completions.create(model="m", messages=CLEAN)  # type: ignore[arg-type]
        assert caught.value.status_code == 503 and caught.value.code == "no_upstream"


def test_require_user_refuses_anonymous_requests(db: Database) -> None:
    with running(db, require_user=True) as gw:
        with pytest.raises(openai.BadRequestError) as caught:
            gw.client().chat.completions.create(model="m", messages=CLEAN)  # type: ignore[arg-type]
        assert caught.value.code == "missing_end_user"
        assert gw.client().chat.completions.create(model="m", messages=CLEAN, user="u").choices  # type: ignore[arg-type]
        assert len(gw.received) == 1
