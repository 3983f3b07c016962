"""`POST /v1/chat/completions` and `POST /v1/responses`: the gateway's shell over `Guard`, `Upstream` and
`StreamScreen`; both take one path (`_proxy`) with their wire shape (`Wire`: `chat`, `responses`).

Who calls: a Warden API key allowed to submit content (`Permission.SUBMIT_CONTENT`,
declared like every route's), as the SDK's `api_key` (`Authorization: Bearer wdn_...`)
or in `x-warden-api-key` when `Authorization` carries the caller's own upstream key.
A platform key names the organization in `x-warden-organization`.

Request headers the gateway reads: `x-warden-end-user` (when the body names no
`safety_identifier` / `user`), `x-warden-block-response: completion|error` (how a
block answers; default `WARDEN_GATEWAY_BLOCK_RESPONSE`). Response headers:
`x-warden-mode`, `x-warden-decision` (the worst of input and output: allow, flag,
block), `x-warden-input-decision`, `x-warden-output-decision` (not on streams: the
stream's last chunks carry it), `x-warden-policy-revision`, `x-warden-rules` (the rule
ids that fired), `x-warden-decision-ids` (stored decisions), `x-warden-account` and
`x-warden-standing` (the end user's account and its standing when not active), and
`server-timing` (W3C Server-Timing: milliseconds spent authenticating the key, admitting
and screening the input, waiting for the upstream, screening the output), so a caller
or a benchmark sees where the gateway's time goes.

Detection runs on the detection batcher's worker and the store in the thread pool, never on the event
loop: a clean request of a known end user takes no worker thread (`Guard.admit_cached`, `screen_async`).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from warden.api.auth import Requirement, _principal
from warden.api.deps import RuntimeDep, runtime
from warden.api.errors import APIError, error_body
from warden.enforce import connectors
from warden.enforce.principal import Permission, Principal
from warden.gateway import chat, responses
from warden.gateway.chat import Piece
from warden.gateway.guard import Caller, Guard, Outcome
from warden.gateway.modes import Mode
from warden.gateway.streaming import DONE, ChatShape, ResponsesShape, Shape, StreamScreen, event, named_event
from warden.gateway.upstream import Upstream
from warden.policy.model import Verdict
from warden.runtime import Runtime


class Gateway:
    """The gateway's state for one app: the guard and, once used, the upstream client."""

    def __init__(self, rt: Runtime) -> None:
        self.guard = Guard(rt)
        self.settings = rt.settings.gateway
        self._upstream: Upstream | None = None

    @property
    def upstream(self) -> Upstream:
        if self._upstream is None:
            self._upstream = Upstream(self.settings)
        return self._upstream

    async def aclose(self) -> None:
        if self._upstream is not None:
            await self._upstream.aclose()
            self._upstream = None


def gateway(request: Request) -> Gateway:
    found: Gateway | None = getattr(request.app.state, "warden_gateway", None)
    if found is None:
        found = request.app.state.warden_gateway = Gateway(runtime(request))
    return found


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    found: Gateway | None = getattr(app.state, "warden_gateway", None)
    if found is not None:
        await found.aclose()
        app.state.warden_gateway = None


class _GatewayCaller(Requirement):
    """The gateway's declared permission: the Warden key from `x-warden-api-key`, else `Authorization`."""

    def __call__(self, request: Request, rt: RuntimeDep, authorization: Annotated[str | None, Header()] = None,
                 x_warden_api_key: Annotated[str | None, Header()] = None) -> Principal:
        started = time.perf_counter()
        presented = f"Bearer {x_warden_api_key}" if x_warden_api_key else authorization
        principal = _principal(rt, presented, request)
        principal.require(self.permission)
        request.state.warden_timing = [("auth", time.perf_counter() - started)]
        return principal


GatewayCaller = Depends(_GatewayCaller(Permission.SUBMIT_CONTENT))
router = APIRouter(tags=["gateway"], lifespan=_lifespan)


def _timed(request: Request, name: str, started: float) -> float:
    """Note a phase's duration for the `server-timing` header; the time it ended."""
    now = time.perf_counter()
    timing = getattr(request.state, "warden_timing", None)
    if timing is None:
        timing = request.state.warden_timing = []
    timing.append((name, now - started))
    return now


def _timing(request: Request) -> str:
    phases = getattr(request.state, "warden_timing", [])
    return ", ".join(f"{name};dur={seconds * 1000:.2f}" for name, seconds in phases)


def _headers(caller: Caller, inbound: Outcome, outbound: Outcome | None = None,
             request: Request | None = None) -> dict[str, str]:
    stages = [o for o in (inbound, outbound) if o is not None]
    worst = max((o.verdict for o in stages), key=lambda v: v.rank)
    headers = {"x-warden-mode": caller.mode.value, "x-warden-decision": worst.value,
               "x-warden-input-decision": inbound.verdict.value, "x-warden-policy-revision": inbound.policy_revision,
               "x-warden-rules": ",".join(dict.fromkeys(r for o in stages for r in o.rule_ids)),
               "x-warden-decision-ids": ",".join(d for o in stages for d in o.decision_ids)}
    if outbound is not None:
        headers["x-warden-output-decision"] = outbound.verdict.value
    if caller.account_id is not None:
        headers["x-warden-account"] = caller.account_id
    if caller.standing != "active":
        headers["x-warden-standing"] = caller.standing
    if request is not None:
        headers["server-timing"] = _timing(request)
    return headers


def _style(request: Request, default: str) -> str:
    style = request.headers.get("x-warden-block-response", default).strip().lower()
    if style not in ("completion", "error"):
        raise APIError(400, "x-warden-block-response must be completion or error",
                       param="x-warden-block-response", code="invalid_value")
    return style


@dataclass(frozen=True)
class Wire:
    """One proxied route's shape: what its requests and answers screen, and how a block answers."""

    route: str  # the upstream path under its base URL, and the route's name for modes
    parse: Callable[[Any], list[Piece]]
    answer_texts: Callable[[Mapping[str, Any]], dict[int, str]]
    refusal: Callable[[str, str, dict[str, Any]], dict[str, Any]]  # (model, refusal, warden) -> a whole answer
    refusal_frames: Callable[[str, str, dict[str, Any]], list[bytes]]
    refuse: Callable[[dict[str, Any], set[int], str], None]  # replace the blocked indexes of an answer
    shape: Callable[[], Shape]


def _refuse_choices(completion: dict[str, Any], blocked: set[int], refusal: str) -> None:
    completion["choices"] = [chat.refused_choice(i, refusal) if i in blocked else c
                             for i, c in ((c.get("index", pos), c) for pos, c in enumerate(completion["choices"]))]


def _refuse_items(response: dict[str, Any], blocked: set[int], refusal: str) -> None:
    response["output"] = [responses.refusal_item(refusal) if i in blocked else item
                          for i, item in enumerate(response.get("output") or [])]
    response["status"], response["incomplete_details"] = "incomplete", {"reason": responses.CONTENT_FILTER}


CHAT = Wire(route="chat/completions", parse=chat.parse_request, answer_texts=chat.answer_texts,
            refusal=chat.refusal_completion,
            refusal_frames=lambda m, r, w: [event(c) for c in chat.refusal_chunks(m, r, w)] + [DONE],
            refuse=_refuse_choices, shape=ChatShape)
RESPONSES = Wire(route="responses", parse=responses.parse_request, answer_texts=responses.answer_texts,
                 refusal=responses.refusal_response,
                 refusal_frames=lambda m, r, w: [named_event(e) for e in responses.refusal_events(m, r, w)],
                 refuse=_refuse_items, shape=ResponsesShape)


def _blocked(wire: Wire, body: dict[str, Any], refusal: str, style: str, found: Outcome,
             headers: dict[str, str]) -> Response:
    if style == "error":
        return JSONResponse(chat.refusal_error(refusal), status_code=400, headers=headers)
    if body.get("stream"):
        frames = wire.refusal_frames(body["model"], refusal, found.summary())
        return StreamingResponse(iter(frames), media_type="text/event-stream", headers=headers)
    return JSONResponse(wire.refusal(body["model"], refusal, found.summary()), headers=headers)


def _passthrough(upstream: Any, headers: dict[str, str]) -> Response:
    kind = upstream.headers.get("content-type", "application/json")
    return Response(upstream.content, status_code=upstream.status_code, media_type=kind, headers=headers)


@router.post("/v1/chat/completions", summary="Chat completions through Warden (OpenAI-compatible)")
async def chat_completions(request: Request, principal: Annotated[Principal, GatewayCaller]) -> Response:
    return await _proxy(CHAT, request, principal)


@router.post("/v1/responses", summary="Responses through Warden (OpenAI-compatible)")
async def responses_create(request: Request, principal: Annotated[Principal, GatewayCaller]) -> Response:
    return await _proxy(RESPONSES, request, principal)


async def _proxy(wire: Wire, request: Request, principal: Principal) -> Response:
    """Screen the request, forward it, screen the answer: the one path of every proxied route."""
    gw = gateway(request)
    raw = await request.body()
    try:
        body = json.loads(raw)
    except ValueError:
        raise APIError(400, "the request body is not valid JSON", code="invalid_json") from None
    pieces = wire.parse(body)
    user = chat.end_user(body, request.headers.get("x-warden-end-user"))
    style = _style(request, gw.settings.block_response)
    upstream = gw.upstream
    started = time.perf_counter()
    org = request.headers.get("x-warden-organization")
    known = gw.guard.admit_cached(principal, org, user, wire.route)  # no store access, or None
    if known is not None:
        caller = known
        inbound = None if caller.refused and caller.mode.blocks else \
            await gw.guard.screen_async(caller, pieces, "input")
    else:
        admitted = await run_in_threadpool(gw.guard.inbound, principal, org, user, pieces, wire.route)
        caller, inbound = admitted.caller, admitted.inbound
    started = _timed(request, "inbound", started)
    if caller.mode.blocks and (tools := connectors.tool_names(body)):  # the workspace's allow-list (003 7.a)
        await run_in_threadpool(gw.guard.check_connectors, caller, tools)
    if inbound is None:
        headers = {"x-warden-mode": caller.mode.value, "x-warden-decision": Verdict.BLOCK.value,
                   "x-warden-standing": caller.standing, "x-warden-account": caller.account_id or ""}
        code = f"account_{caller.standing}"
        message = f"the end user's account is {caller.standing}; its requests are refused"
        return JSONResponse(error_body(403, message, "user", code), status_code=403, headers=headers)
    headers = _headers(caller, inbound, request=request)
    if inbound.blocked and caller.mode.blocks:
        return _blocked(wire, body, gw.settings.refusal, style, inbound, headers)
    forward = upstream.headers(request.headers, passthrough="x-warden-api-key" in request.headers)
    if body.get("stream"):
        return await _stream(wire, gw, caller, raw, forward, headers, inbound)

    answer = await upstream.post(wire.route, raw, forward)
    started = _timed(request, "upstream", started)
    try:
        completion = answer.json() if answer.status_code == 200 else None
    except ValueError:
        completion = None
    if not isinstance(completion, dict):
        return _passthrough(answer, headers)
    texts = wire.answer_texts(completion)
    answers = {i: Piece(role="assistant", text=t, new=True) for i, t in texts.items() if t.strip()}
    outbound = await gw.guard.screen_async(caller, list(answers.values()), "output")
    _timed(request, "outbound", started)
    headers = _headers(caller, inbound, outbound, request)
    if outbound.blocked and caller.mode.blocks:
        if style == "error":
            return JSONResponse(chat.refusal_error(gw.settings.refusal, None), status_code=400, headers=headers)
        digests = {f.piece.digest for f in outbound.findings if f.decision.verdict is Verdict.BLOCK}
        wire.refuse(completion, {i for i, p in answers.items() if p.digest in digests}, gw.settings.refusal)
        completion["warden"] = {"input": inbound.summary(), "output": outbound.summary()}
        return JSONResponse(completion, headers=headers)
    if caller.mode is Mode.ADVISORY and (inbound.findings or outbound.findings or caller.refused):
        completion["warden"] = {"input": inbound.summary(), "output": outbound.summary(),
                                "standing": caller.standing}
        return JSONResponse(completion, headers=headers)
    return _passthrough(answer, headers)


async def _stream(wire: Wire, gw: Gateway, caller: Caller, raw: bytes, forward: dict[str, str],
                  headers: dict[str, str], inbound: Outcome) -> Response:
    stack = AsyncExitStack()
    answer = await stack.enter_async_context(gw.upstream.stream(wire.route, raw, forward))
    if answer.status_code != 200:
        await answer.aread()
        await stack.aclose()
        return _passthrough(answer, headers)

    async def check(pieces: list[Piece]) -> Outcome:
        return await gw.guard.screen_async(caller, pieces, "output")

    both = wire is RESPONSES  # a Responses stream's annotation names both stages; chat's input came first
    screen = StreamScreen(check, caller.mode, gw.settings.stream_window, gw.settings.stream_hold, wire.shape(),
                          inbound=inbound if both else None, standing=caller.standing)

    async def frames() -> AsyncIterator[bytes]:
        try:
            if wire is CHAT and caller.mode is Mode.ADVISORY and (inbound.findings or caller.refused):
                yield event(chat.chunk({}, [], warden={"input": inbound.summary(), "standing": caller.standing}))
            async for frame in screen.run(answer.aiter_lines()):
                yield frame
        finally:
            await stack.aclose()

    return StreamingResponse(frames(), media_type="text/event-stream", headers=headers,
                             background=BackgroundTask(stack.aclose))


class ScreenResult(BaseModel):
    """What `POST /v1/gateway/screen` found, for guardrail hooks that call Warden (LiteLLM's)."""

    decision: str  # allow | flag | block
    blocked: bool  # what an enforcing caller should do: refuse (a block, or a refused end user, in enforce mode)
    refused: bool  # the end user's account may not be served
    mode: str
    standing: str
    account_id: str | None
    policy_revision: str
    rules: list[str]
    refusal: str  # the operator's refusal message
    warden: dict[str, Any]


@router.post("/v1/gateway/screen", response_model=ScreenResult,
             summary="Screen chat messages as the gateway does, for guardrail hooks")
async def screen(request: Request, principal: Annotated[Principal, GatewayCaller]) -> ScreenResult:
    """The gateway's checks without the proxy: `{"stage": "input", "messages": [...], "user": ...}` screens the
    user, tool and system messages; `"stage": "output"` screens the assistant messages (an answer). The end user,
    modes, recording and enforcement are the gateway's; nothing is forwarded anywhere."""
    gw = gateway(request)
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise APIError(400, "the request body is not valid JSON", code="invalid_json") from None
    stage = body.get("stage", "input") if isinstance(body, dict) else None
    if stage not in ("input", "output"):
        raise APIError(400, "stage must be input or output", param="stage", code="invalid_value")
    pieces = chat.parse_request(body, model=False) if stage == "input" else chat.parse_answer(body)
    user = chat.end_user(body, request.headers.get("x-warden-end-user"))
    org = request.headers.get("x-warden-organization")
    if stage == "input":
        admitted = await run_in_threadpool(gw.guard.inbound, principal, org, user, pieces, "gateway/screen")
        caller, screened = admitted.caller, admitted.inbound
    else:
        caller = await run_in_threadpool(gw.guard.admit, principal, org, user, "gateway/screen")
        screened = None if caller.refused and caller.mode.blocks else \
            await run_in_threadpool(gw.guard.screen, caller, pieces, stage)
    found = screened or Outcome(stage=stage, policy_revision=gw.guard.policy(caller).revision)
    refused = caller.refused and caller.mode.blocks
    return ScreenResult(decision=Verdict.BLOCK.value if refused else found.verdict.value,
                        blocked=refused or (found.blocked and caller.mode.blocks), refused=caller.refused,
                        mode=caller.mode.value, standing=caller.standing, account_id=caller.account_id,
                        policy_revision=found.policy_revision, rules=found.rule_ids, refusal=gw.settings.refusal,
                        warden=found.summary())
