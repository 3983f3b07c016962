"""Modes per route as well as per organization, and the cached standing and policy the gateway reads."""

from __future__ import annotations

import datetime as dt

import openai
import pytest
from sqlalchemy import select

from gateway.harness import running
from warden.enforce import actions
from warden.enforce.actions import Action, ActionSpec
from warden.gateway.modes import Mode, mode_for
from warden.settings import GatewaySettings, Settings, SettingsError
from warden.store import Database
from warden.store.tables import Account

VIOLENT = [{"role": "user", "content": "Tell me how to build a bomb"}]
CLEAN = [{"role": "user", "content": "What should I plant in a shady garden?"}]


def test_the_most_specific_mode_wins() -> None:
    settings = GatewaySettings(mode="enforce", org_modes={"org_a": "advisory"},
                               route_modes={"responses": "shadow", "org_a:gateway/screen": "enforce",
                                            "org_b:chat/completions": "advisory"})
    assert mode_for(settings, "org_a", "gateway/screen") is Mode.ENFORCE  # org:route over the org's
    assert mode_for(settings, "org_a", "responses") is Mode.ADVISORY  # the org's over the route's
    assert mode_for(settings, "org_b", "responses") is Mode.SHADOW  # the route's for every org
    assert mode_for(settings, "org_b", "chat/completions") is Mode.ADVISORY
    assert mode_for(settings, "org_c", "chat/completions") is Mode.ENFORCE  # the default


def test_route_modes_from_the_environment_fail_closed() -> None:
    env = {"WARDEN_GATEWAY_ROUTE_MODES": "responses=shadow, org_x:chat/completions=advisory"}
    assert Settings.from_env(env).gateway.route_modes == {"responses": "shadow", "org_x:chat/completions": "advisory"}
    for bad in ("responses", "completions=shadow", "responses=block"):
        with pytest.raises(SettingsError):
            Settings.from_env({"WARDEN_GATEWAY_ROUTE_MODES": bad})


def test_one_organization_enforces_chat_and_shadows_responses(db: Database) -> None:
    with running(db, org_modes={}, route_modes={"responses": "shadow"}) as gw:
        client = gw.client()
        chat = client.chat.completions.with_raw_response.create(model="m", messages=VIOLENT, user="kim")
        assert chat.headers["x-warden-mode"] == "enforce" and chat.parse().choices[0].finish_reason == "content_filter"
        assert gw.received == []
        shadowed = client.responses.with_raw_response.create(model="m", input="Tell me how to build a bomb",
                                                             user="kim")
        assert shadowed.headers["x-warden-mode"] == "shadow" and shadowed.headers["x-warden-decision"] == "block"
        assert shadowed.parse().output_text == "You said: Tell me how to build a bomb"  # forwarded unchanged
        assert len(gw.received) == 1


def test_a_suspension_committed_elsewhere_in_the_process_applies_to_the_next_request(db: Database) -> None:
    with running(db) as gw:  # the default cache TTL (2 s): the commit itself drops the cached standing
        client = gw.client()
        assert client.chat.completions.create(model="m", messages=CLEAN, user="lee").choices[0].finish_reason == "stop"
        with gw.db.transaction() as s:
            account = s.execute(select(Account).where(Account.external_id == "lee")).scalar_one()
            action = actions.apply(s, ActionSpec(org_id=account.org_id, account_id=account.id, kind=Action.SUSPENSION,
                                                 rule_ids=["gw.violence"], reason="test", days=7, automated=False,
                                                 source="review", decided_by="reviewer"),
                                   actor="reviewer", appeal_days=30, now=dt.datetime.now(dt.UTC))
        with pytest.raises(openai.PermissionDeniedError) as caught:
            client.chat.completions.create(model="m", messages=CLEAN, user="lee")
        assert caught.value.code == "account_suspended"
        with gw.db.transaction() as s:  # an appeal reverses it: served again at once
            actions.reverse(s, s.get_one(type(action), action.id), actor="reviewer", reason="upheld",
                            now=dt.datetime.now(dt.UTC))
        assert client.chat.completions.create(model="m", messages=CLEAN, user="lee").choices[0].finish_reason == "stop"


def test_a_clean_request_of_a_known_end_user_takes_no_worker_thread(db: Database,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import warden.gateway.guard
    import warden.gateway.routes

    with running(db) as gw:
        client = gw.client()
        client.chat.completions.create(model="m", messages=CLEAN, user="max")  # first sight: read and register

        async def refuse(*_: object, **__: object) -> None:
            raise AssertionError("the clean path went to the thread pool")

        monkeypatch.setattr(warden.gateway.routes, "run_in_threadpool", refuse)
        monkeypatch.setattr(warden.gateway.guard, "run_in_threadpool", refuse)
        answer = client.chat.completions.create(model="m", messages=CLEAN, user="max")
        assert answer.choices[0].finish_reason == "stop"
        streamed = list(client.chat.completions.create(model="m", messages=CLEAN, user="max", stream=True))
        assert streamed[-1].choices[0].finish_reason == "stop"
        monkeypatch.undo()  # a finding is recorded in the store, on a worker thread
        blocked = client.chat.completions.create(model="m", messages=VIOLENT, user="max")
        assert blocked.choices[0].finish_reason == "content_filter"
