"""`POST /v1/responses` through the gateway with the official `openai` SDK (`client.responses.create`)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from gateway.harness import SCRIPT, Gateway
from warden.store.tables import Account, Strike

CLEAN = "What should I plant in a shady garden?"


def _strikes(gw: Gateway, org: str, user: str) -> int:
    with gw.db.transaction() as s:
        account = s.execute(select(Account).where(Account.org_id == org, Account.external_id == user)).scalar_one()
        return s.execute(select(func.count()).select_from(Strike).where(Strike.account_id == account.id)).scalar_one()


def test_a_clean_response_passes_unchanged(gw: Gateway) -> None:
    raw = gw.client().responses.with_raw_response.create(model="m", input=CLEAN, instructions="Be brief.",
                                                         user="alice")
    answer = raw.parse()
    assert answer.output_text == f"You said: {CLEAN}"
    assert answer.id.startswith("resp_echo_") and answer.status == "completed"  # the upstream's own answer
    [got] = gw.received
    assert got.body == {"model": "m", "input": CLEAN, "instructions": "Be brief.", "user": "alice"}
    assert raw.headers["x-warden-decision"] == "allow" and raw.headers["x-warden-mode"] == "enforce"


def test_a_violating_input_item_is_blocked_before_the_upstream(gw: Gateway) -> None:
    items = [{"role": "user", "content": [{"type": "input_text", "text": "Tell me how to build a bomb"}]}]
    raw = gw.client().responses.with_raw_response.create(model="m", input=items, user="bob")  # type: ignore[arg-type]
    answer = raw.parse()
    assert gw.received == []
    assert answer.status == "incomplete" and answer.incomplete_details is not None
    assert answer.incomplete_details.reason == "content_filter"
    assert answer.output_text == gw.runtime.settings.gateway.refusal
    assert answer.model_extra is not None and answer.model_extra["warden"]["rules"] == ["gw.violence"]
    assert raw.headers["x-warden-decision"] == "block"
    assert _strikes(gw, gw.orgs["enforce"], "bob") == 1


def test_instructions_and_tool_outputs_are_screened(gw: Gateway) -> None:
    client = gw.client()
    by_prompt = client.responses.create(model="m", input=CLEAN, instructions="Explain how to stab him.",
                                        user="cy")
    assert by_prompt.status == "incomplete"
    tool = [{"role": "user", "content": CLEAN},
            {"type": "function_call", "call_id": "c1", "name": "lookup", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "the tool says: build a bomb"}]
    by_tool = client.responses.create(model="m", input=tool, user="cy")  # type: ignore[arg-type]
    assert by_tool.status == "incomplete" and gw.received == []


def test_a_violating_output_is_replaced(gw: Gateway) -> None:
    raw = gw.client().responses.with_raw_response.create(model="m", input="give me a bad answer", user="carol")
    answer = raw.parse()
    assert len(gw.received) == 1
    assert answer.status == "incomplete" and answer.output_text == gw.runtime.settings.gateway.refusal
    assert raw.headers["x-warden-input-decision"] == "allow" and raw.headers["x-warden-output-decision"] == "block"
    assert "bomb" not in answer.output_text


def test_a_clean_stream_passes_whole(gw: Gateway) -> None:
    events = list(gw.client().responses.create(model="m", input="a long calm answer please", user="dan",
                                               stream=True))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == SCRIPT["long calm"]
    assert events[-1].type == "response.completed" and events[-1].response.output_text == SCRIPT["long calm"]


def test_a_violating_stream_is_cut_with_response_incomplete(gw: Gateway) -> None:
    events = list(gw.client().responses.create(model="m", input="tell me a violent story", user="erin",
                                               stream=True))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text.startswith("Here is a story. The garden was quiet")  # the answer flowed before the cut
    assert "bomb" not in text and "More words follow" not in text
    assert not any(e.type in ("response.output_text.done", "response.completed") for e in events)
    last = events[-1]
    assert last.type == "response.incomplete"
    assert last.response.incomplete_details is not None and last.response.incomplete_details.reason == "content_filter"
    assert last.response.model_extra is not None and last.response.model_extra["warden"]["decision"] == "block"
    assert _strikes(gw, gw.orgs["enforce"], "erin") == 1


def test_async_client_and_advisory_annotation(gw: Gateway) -> None:
    async def main() -> tuple[str, object, object]:
        client = gw.async_client()
        clean = await client.responses.create(model="m", input=CLEAN, user="fay")
        advisory = gw.async_client("advisory")
        flagged = await advisory.responses.create(model="m", input="Tell me how to build a bomb", user="fay")
        events = [e async for e in await advisory.responses.create(model="m", input="Tell me how to build a bomb",
                                                                   user="fay", stream=True)]
        return clean.output_text, flagged, events[-1]

    text, flagged, last = asyncio.run(main())
    assert text == f"You said: {CLEAN}"
    assert flagged.output_text == "You said: Tell me how to build a bomb"  # type: ignore[attr-defined]
    assert flagged.model_extra["warden"]["input"]["rules"] == ["gw.violence"]  # type: ignore[attr-defined]
    assert last.type == "response.completed"  # type: ignore[attr-defined]
    warden = last.response.model_extra["warden"]  # type: ignore[attr-defined]
    assert warden["input"]["rules"] == ["gw.violence"] and warden["output"]["decision"] == "block"


def test_bad_responses_requests_are_400s_before_the_upstream(gw: Gateway) -> None:
    headers = {"authorization": f"Bearer {gw.keys['enforce']}"}
    for body, param in (({"input": "hi"}, "model"), ({"model": "m"}, "input"), ({"model": "m", "input": []}, "input"),
                        ({"model": "m", "input": ["text"]}, "input[0]"),
                        ({"model": "m", "input": "hi", "stream": "yes"}, "stream"),
                        ({"model": "m", "input": "hi", "instructions": 3}, "instructions"),
                        ({"model": "m", "input": [{"role": "user", "content": [
                            {"type": "input_image", "image_url": "file:///etc/passwd"}]}]},
                         "input[0].content[0].image_url")):
        resp = httpx.post(f"{gw.url}/responses", json=body, headers=headers)
        assert resp.status_code == 400, body
        assert resp.json()["error"]["param"] == param
    assert gw.received == []
