"""`POST /v1/moderations`: OpenAI's moderation contract, served by Warden's detectors and policy.

Request and response follow OpenAI's exactly (`input` as a string, a list of
strings, or a list of text / image_url parts; `model` optional; every result
carries all 13 categories under their slash/hyphen names). Warden's own
information rides under one extension key per result, `warden`:

    "warden": {
      "decision": "allow" | "flag" | "block" | null,   # null when no policy is in force
      "decision_id": "dec_...",
      "policy_revision": "openai-usage@2025-10-29#...",
      "violations": [{"rule_id", "title", "citation", "category", "score", "threshold",
                      "severity", "verdict", "action", "hard_limit"}],
      "signals": {"jailbreak": 0.91, "secrets": 0.99, ...},   # every category scored, beyond the 13
      "evidence": [{"category", "detector", "detail", "start", "end"}],   # spans from recognisers;
                  # a hash-list match adds "part" and "matched_hash" (the listed hash, never the image)
      "detectors": ["embedded@...", "recognisers@1"]
    }

Detectors: the runtime's set (WARDEN_DETECTORS, default "embedded,recognisers,hashes,
image-classifier,visual"); a failing remote detector answers 503. A request may add
`"warden": {"surface": "chatgpt", "context": {...}}` to choose the surface and decision context
(default surface: api). Image parts are decoded and scored (`warden.detect.images`); a bad image or
an internal-address URL is a 400. `category_applied_input_types` names, per category, the input
types the detectors that ran read: `image` only where an image detector scores that category
(`sexual` from the classifier, a loaded hash list's category), never violence or self-harm.
Decisions run under the platform policy in force today.

The route is async and holds no thread while it waits: detection (batched across concurrent
requests) and the decisions run on the screener's worker thread (`Screener.screen_async`), and
an anonymous caller's request touches no store; only an authenticated caller's tiers and
exemptions are read, in a thread.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from warden.api.auth import ModerationCaller
from warden.api.deps import RuntimeDep
from warden.api.errors import APIError
from warden.api.wire import moderation_result
from warden.decide import decide
from warden.detect.protocol import Content, ContentPart
from warden.enforce import connectors, tiers
from warden.enforce.principal import Principal
from warden.policy.layering import EffectivePolicy
from warden.policy.model import Surface
from warden.runtime import Runtime
from warden.settings import LimitSettings

router = APIRouter(tags=["moderation"])
MAX_INPUTS = 2048
MAX_CHARS = 200_000
DEFAULT_MODEL = "warden-moderation-latest"


def _part(index: int, raw: Any) -> ContentPart:
    param = f"input[{index}]"
    if not isinstance(raw, dict):
        raise APIError(400, f"{param} must be a string or a content part object", param=param, code="invalid_value")
    kind = raw.get("type")
    if kind == "text":
        text = raw.get("text")
        if not isinstance(text, str):
            raise APIError(400, f"{param}.text must be a string", param=f"{param}.text", code="invalid_value")
        return ContentPart("text", text=text)
    if kind == "image_url":
        image = raw.get("image_url")
        url = image.get("url") if isinstance(image, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "data:image/")):
            raise APIError(
                400, f"{param}.image_url.url must be an http(s) URL or a data:image/... URL",
                param=f"{param}.image_url.url", code="invalid_value",
            )  # fmt: skip
        return ContentPart("image_url", image_url=url)
    raise APIError(
        400, f"{param}.type must be 'text' or 'image_url', not {kind!r}", param=f"{param}.type", code="invalid_value"
    )


def parse_input(raw: Any, limits: LimitSettings | None = None) -> list[Content]:
    """OpenAI's three input shapes, as a list of contents (one result each), within `limits`: at most
    `max_request_items` inputs, `MAX_CHARS` characters each and `max_request_chars` in all."""
    limits = limits or LimitSettings()
    max_inputs = min(MAX_INPUTS, limits.max_request_items)
    if raw is None:
        raise APIError(400, "you must provide an input to moderate ('input')", param="input", code="missing_required")
    if isinstance(raw, str):
        contents: list[Content] = [raw]
    elif isinstance(raw, list):
        if not raw:
            raise APIError(400, "input must not be an empty array", param="input", code="invalid_value")
        if len(raw) > max_inputs:
            raise APIError(400, f"input has {len(raw)} items; at most {max_inputs}", param="input", code="too_many")
        if all(isinstance(x, str) for x in raw):
            contents = list(raw)
        elif any(isinstance(x, str) for x in raw):
            raise APIError(400, "input mixes strings and content parts", param="input", code="invalid_value")
        else:
            contents = [[_part(i, x) for i, x in enumerate(raw)]]
    else:
        raise APIError(400, "input must be a string, an array of strings or an array of content parts",
                       param="input", code="invalid_type")  # fmt: skip
    total = 0
    for content in contents:
        size = len(content) if isinstance(content, str) else sum(len(p.text or "") for p in content)
        if size > MAX_CHARS:
            raise APIError(400, f"input is {size} characters; at most {MAX_CHARS}", param="input", code="too_long")
        total += size
    if total > limits.max_request_chars:
        raise APIError(400, f"the inputs hold {total} characters in all; at most {limits.max_request_chars} per "
                       "request (WARDEN_MAX_REQUEST_CHARS)", param="input", code="too_long")
    return contents


def _options(raw: Any) -> tuple[str, dict[str, Any]]:
    if raw is None:
        return Surface.API.value, {}
    if not isinstance(raw, dict):
        raise APIError(400, "warden must be an object", param="warden", code="invalid_type")
    surface = raw.get("surface", Surface.API.value)
    if not isinstance(surface, str) or surface not in {s.value for s in Surface}:
        known = ", ".join(s.value for s in Surface)
        message = f"unknown surface {surface!r}; one of {known}"
        raise APIError(400, message, param="warden.surface", code="invalid_value")
    context = raw.get("context", {})
    if not isinstance(context, dict):
        raise APIError(400, "warden.context must be an object", param="warden.context", code="invalid_type")
    return str(surface), context


def _policy(rt: Runtime, caller: Principal | None, raw: Any) -> EffectivePolicy:
    """The caller's tiers (`warden.enforce.tiers`): `warden.org_id` (platform keys) and `warden.account_id`
    (the end user whose settings apply) choose them; anonymous callers get the platform policy."""
    options = raw if isinstance(raw, dict) else {}
    names = {k: options.get(k) for k in ("org_id", "account_id")}
    for key, value in names.items():
        if value is not None and not isinstance(value, str):
            raise APIError(400, f"warden.{key} must be a string", param=f"warden.{key}", code="invalid_type")
    return tiers.caller_policy(rt.db, rt.policies, caller, org_id=names["org_id"], account_id=names["account_id"])


def _tiers(rt: Runtime, caller: Principal | None, raw: Any,
           context: Mapping[str, Any]) -> tuple[EffectivePolicy, dict[str, Any]]:
    """The caller's policy and decision context (the store is read only for an authenticated caller)."""
    policy = _policy(rt, caller, raw)
    options: dict[str, Any] = raw if isinstance(raw, dict) else {}
    context = tiers.caller_context(rt.db, caller, context, rt.clock(), org_id=options.get("org_id"),
                                   account_id=options.get("account_id"))  # exemptions are granted, not declared
    return policy, context


@router.post("/v1/moderations", summary="Classify content (OpenAI-compatible)",
             )
async def create_moderation(rt: RuntimeDep, caller: Annotated[Principal | None, ModerationCaller],
                            body: Any = Body(default=None)) -> JSONResponse:  # noqa: B008
    if not isinstance(body, dict):
        raise APIError(400, "the request body must be a JSON object", code="invalid_json")
    model = body.get("model", DEFAULT_MODEL)
    if model is not None and not isinstance(model, str):
        raise APIError(400, "model must be a string", param="model", code="invalid_type")
    contents = parse_input(body.get("input"), rt.settings.limits)
    surface, context = _options(body.get("warden"))
    if caller is None:  # anonymous: the platform policy, no store
        policy, context = _tiers(rt, caller, body.get("warden"), context)
    else:
        policy, context = await to_thread.run_sync(_tiers, rt, caller, body.get("warden"), context)
    # a failing remote detector or judge raises DetectorError: a 503 at the edge, nothing changed
    screened = await rt.screener.screen_async(contents, surface=surface, context=context, policy=policy)
    if missing := connectors.not_enabled(context):  # refused; the decision names the connector rule
        first = screened[0].decision if screened else None
        connectors.refuse(first or decide(policy, {}, context, Surface(surface)), missing,
                          caller.workspace_id if caller else None)
    payload = {
        "id": f"modr-{uuid.uuid4().hex}",
        "model": model or DEFAULT_MODEL,
        "results": [moderation_result(s) for s in screened],
    }
    return JSONResponse(payload)
