"""The gateway through the official `openai` SDK (sync, async, streaming) to the scripted upstream."""

from __future__ import annotations

import asyncio

import openai
import pytest
from sqlalchemy import func, select

from gateway.harness import SCRIPT, Gateway
from warden.enforce import actions
from warden.store.tables import Account, DecisionRecord, Strike

CLEAN = [{"role": "user", "content": "What should I plant in a shady garden?"}]
VIOLENT = [{"role": "user", "content": "Tell me how to build a bomb"}]


def _account(gw: Gateway, org: str, user: str) -> Account:
    with gw.db.transaction() as s:
        account = s.execute(select(Account).where(Account.org_id == org, Account.external_id == user)).scalar_one()
        s.expunge(account)
        return account


def _strikes(gw: Gateway, account_id: str) -> int:
    with gw.db.transaction() as s:
        return s.execute(select(func.count()).select_from(Strike).where(Strike.account_id == account_id)).scalar_one()


def test_a_clean_request_passes_unchanged(gw: Gateway) -> None:
    raw = gw.client().chat.completions.with_raw_response.create(model="m", messages=CLEAN, user="alice",
                                                                 temperature=0.2)
    answer = raw.parse()
    assert answer.choices[0].message.content == "You said: What should I plant in a shady garden?"
    assert answer.id.startswith("chatcmpl-echo-")  # the upstream's own answer, not a rebuilt one
    assert not hasattr(answer, "warden") or answer.model_extra == {}
    [got] = gw.received
    assert got.body == {"model": "m", "messages": CLEAN, "user": "alice", "temperature": 0.2}
    assert raw.headers["x-warden-decision"] == "allow"
    assert raw.headers["x-warden-mode"] == "enforce"
    phases = dict(p.strip().split(";dur=") for p in raw.headers["server-timing"].split(","))
    assert list(phases) == ["auth", "inbound", "upstream", "outbound"] and all(float(v) >= 0 for v in phases.values())
    assert raw.headers["x-warden-policy-revision"].startswith("gateway-test@2024-01-01#")
    assert raw.headers["x-warden-account"] == _account(gw, gw.orgs["enforce"], "alice").id


def test_a_violating_input_is_blocked_before_the_upstream_sees_it(gw: Gateway) -> None:
    raw = gw.client().chat.completions.with_raw_response.create(model="m", messages=VIOLENT, user="bob")
    answer = raw.parse()
    assert gw.received == []
    assert answer.choices[0].finish_reason == "content_filter"
    assert answer.choices[0].message.content == gw.runtime.settings.gateway.refusal
    warden = answer.model_extra["warden"]
    assert warden["stage"] == "input" and warden["decision"] == "block" and warden["rules"] == ["gw.violence"]
    assert warden["violations"][0]["citation"]["document"] == "Gateway Test Policy"
    assert raw.headers["x-warden-decision"] == "block" and raw.headers["x-warden-rules"] == "gw.violence"
    account = _account(gw, gw.orgs["enforce"], "bob")
    assert _strikes(gw, account.id) == 1  # recorded through the enforcement lifecycle
    with gw.db.transaction() as s:
        stored = s.get(DecisionRecord, raw.headers["x-warden-decision-ids"])
        assert stored is not None and stored.account_id == account.id and stored.verdict == "block"


def test_the_error_variant_of_a_block(gw: Gateway) -> None:
    client = gw.client(default_headers={"x-warden-block-response": "error"})
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="m", messages=VIOLENT, user="bob")
    assert caught.value.code == "content_policy_violation"
    assert caught.value.message.endswith(gw.runtime.settings.gateway.refusal)
    assert gw.received == []


def test_a_violating_output_is_blocked(gw: Gateway) -> None:
    raw = gw.client().chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "give me a bad answer"}], user="carol")
    answer = raw.parse()
    assert len(gw.received) == 1
    assert answer.choices[0].finish_reason == "content_filter"
    assert answer.choices[0].message.content == gw.runtime.settings.gateway.refusal
    assert "bomb" not in answer.model_dump_json().split('"warden"')[0]
    assert raw.headers["x-warden-input-decision"] == "allow"
    assert raw.headers["x-warden-output-decision"] == "block"
    assert answer.model_extra["warden"]["output"]["rules"] == ["gw.violence"]


def test_a_clean_stream_passes_whole(gw: Gateway) -> None:
    stream = gw.client().chat.completions.create(
        model="m", messages=[{"role": "user", "content": "a long calm answer please"}], user="dan", stream=True,
        stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == SCRIPT["long calm"]
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_a_violating_stream_is_cut_mid_stream(gw: Gateway) -> None:
    stream = gw.client().chat.completions.create(
        model="m", messages=[{"role": "user", "content": "tell me a violent story"}], user="erin", stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("Here is a story. The garden was quiet")  # the answer flowed before the cut
    assert len(text) >= gw.runtime.settings.gateway.stream_window
    assert "bomb" not in text and "More words follow" not in text  # held windows: the bad part never left
    last = chunks[-1]
    assert last.choices[0].finish_reason == "content_filter"
    assert last.model_extra["warden"]["decision"] == "block"
    assert _strikes(gw, _account(gw, gw.orgs["enforce"], "erin").id) == 1


def test_async_client_clean_blocked_and_streamed(gw: Gateway) -> None:
    async def main() -> tuple[str | None, str | None, str]:
        client = gw.async_client()
        clean = await client.chat.completions.create(model="m", messages=CLEAN, user="fay")
        blocked = await client.chat.completions.create(model="m", messages=VIOLENT, user="fay")
        streamed = await client.chat.completions.create(model="m", messages=CLEAN, user="fay", stream=True)
        text = "".join([c.choices[0].delta.content or "" async for c in streamed if c.choices])
        await client.close()
        return clean.choices[0].message.content, blocked.choices[0].finish_reason, text

    clean, blocked, text = asyncio.run(main())
    assert clean == text == "You said: What should I plant in a shady garden?"
    assert blocked == "content_filter"
    assert len(gw.received) == 2  # the clean ones only


def test_a_suspended_end_user_is_refused_before_the_upstream(gw: Gateway) -> None:
    client = gw.client()
    for _ in range(2):  # high severity: a feature restriction, then a suspension (the default ladder)
        client.chat.completions.create(model="m", messages=VIOLENT, safety_identifier="gus")
    account = _account(gw, gw.orgs["enforce"], "gus")
    with gw.db.transaction() as s:
        assert actions.standing(s, account.id, gw.runtime.clock()).status == "suspended"
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.chat.completions.create(model="m", messages=CLEAN, safety_identifier="gus")
    assert caught.value.code == "account_suspended"
    assert caught.value.response.headers["x-warden-standing"] == "suspended"
    with pytest.raises(openai.PermissionDeniedError):  # the header names the end user too
        client.chat.completions.create(model="m", messages=CLEAN, extra_headers={"x-warden-end-user": "gus"})
    assert gw.received == []
    # another end user of the same organization is served
    assert client.chat.completions.create(model="m", messages=CLEAN, user="hal").choices[0].finish_reason == "stop"


def test_advisory_mode_forwards_annotates_and_enforces(gw: Gateway) -> None:
    raw = gw.client("advisory").chat.completions.with_raw_response.create(model="m", messages=VIOLENT, user="ivy")
    answer = raw.parse()
    assert len(gw.received) == 1 and gw.received[0].body["messages"] == VIOLENT
    assert answer.choices[0].message.content == "You said: Tell me how to build a bomb"
    assert raw.headers["x-warden-mode"] == "advisory" and raw.headers["x-warden-decision"] == "block"
    assert answer.model_extra["warden"]["input"]["rules"] == ["gw.violence"]
    # the input and the echoed answer both violate: two strikes through the lifecycle, nothing blocked
    assert raw.headers["x-warden-output-decision"] == "block"
    assert _strikes(gw, _account(gw, gw.orgs["advisory"], "ivy").id) == 2
    stream = gw.client("advisory").chat.completions.create(model="m", messages=VIOLENT, user="ivy", stream=True)
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).endswith("build a bomb")
    assert any(c.model_extra.get("warden") for c in chunks)


def test_shadow_mode_forwards_unchanged_and_only_records(gw: Gateway) -> None:
    raw = gw.client("shadow").chat.completions.with_raw_response.create(model="m", messages=VIOLENT, user="jo")
    answer = raw.parse()
    assert answer.id.startswith("chatcmpl-echo-") and answer.model_extra == {}
    assert answer.choices[0].finish_reason == "stop" and len(gw.received) == 1
    assert raw.headers["x-warden-mode"] == "shadow"
    account = _account(gw, gw.orgs["shadow"], "jo")
    assert _strikes(gw, account.id) == 0
    with gw.db.transaction() as s:
        rows = s.execute(select(DecisionRecord).where(DecisionRecord.account_id == account.id)).scalars().all()
        # the input and the echoed output both carried the phrase
        assert {r.verdict for r in rows} == {"block"} and len(rows) == 2
        assert actions.standing(s, account.id, gw.runtime.clock()).status == "active"
