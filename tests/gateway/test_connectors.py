"""Gateway requests whose tools the caller's workspace has not enabled are refused before the upstream, and
the decision names `connectors.workspace-control` (003 section 7.a)."""

from __future__ import annotations

import datetime as dt

import httpx

from gateway.harness import running
from warden.enforce import connectors
from warden.enforce.principal import SYSTEM
from warden.policy.provider import PolicyProvider
from warden.store import Database

TOOL = {"type": "function", "function": {"name": "lookup_order", "parameters": {"type": "object"}}}


def test_tools_must_be_on_the_allow_list(db: Database) -> None:
    with running(db, provider=PolicyProvider.load()) as gw:
        org = gw.orgs["enforce"]
        headers = {"Authorization": f"Bearer {gw.keys['enforce']}"}
        body = {
            "model": "m",
            "messages": [{"role": "user", "content": "where is my parcel"}],
            "tools": [TOOL],
            "user": "alice",
        }
        refused = httpx.post(f"{gw.url}/chat/completions", json=body, headers=headers, timeout=30)
        assert refused.status_code == 403, refused.text
        error = refused.json()["error"]
        assert error["code"] == "connector_not_enabled" and "'lookup_order'" in error["message"]
        assert connectors.RULE_ID in {v["rule_id"] for v in error["decision"]["violations"]}
        assert gw.received == [], "nothing forwarded"

        with db.transaction() as s:  # the organization's own list: its end users are in no workspace
            connectors.set_enabled(
                s, SYSTEM, connectors.ConnectorChange(org_id=org, name="lookup_order"), True, dt.datetime.now(dt.UTC)
            )
        allowed = httpx.post(f"{gw.url}/chat/completions", json=body, headers=headers, timeout=30)
        assert allowed.status_code == 200, allowed.text
        mcp = {
            "model": "m",
            "input": "hi",
            "user": "alice",
            "tools": [{"type": "mcp", "server_label": "crm", "server_url": "https://crm.example"}],
        }
        assert httpx.post(f"{gw.url}/responses", json=mcp, headers=headers, timeout=30).status_code == 403
