"""Gateway modes: what a decision does to the traffic.

- `enforce`: a blocked input never reaches the upstream and a blocked output is
  replaced (or the stream cut); a suspended or terminated end user is refused.
- `advisory`: everything is forwarded; decisions are annotated (headers and a
  `warden` key in the body) and violations go through the enforcement lifecycle.
- `shadow`: everything is forwarded unchanged; decisions are recorded only (no
  strikes, actions or cases), to try a policy on live traffic.

The mode is chosen per organization and per route, the most specific setting first:
`org_id:route` in `WARDEN_GATEWAY_ROUTE_MODES`, the organization's
(`WARDEN_GATEWAY_ORG_MODES`), the route's for every organization
(`WARDEN_GATEWAY_ROUTE_MODES` `route=mode`), then the service default
(`WARDEN_GATEWAY_MODE`, enforce). Routes: `chat/completions`, `responses`,
`gateway/screen` (the guardrail hooks' checks).
"""

from __future__ import annotations

from enum import StrEnum

from warden.settings import GATEWAY_ROUTES, GatewaySettings

__all__ = ["GATEWAY_ROUTES", "Mode", "mode_for"]


class Mode(StrEnum):
    ENFORCE = "enforce"
    ADVISORY = "advisory"
    SHADOW = "shadow"

    @property
    def blocks(self) -> bool:
        return self is Mode.ENFORCE

    @property
    def enforces(self) -> bool:
        """Whether violations run the enforcement lifecycle (strikes, ladder), not only a record."""
        return self is not Mode.SHADOW

    @property
    def annotates(self) -> bool:
        """Whether decisions are added to the body (a `warden` key); headers name them in every mode."""
        return self is not Mode.SHADOW


def mode_for(settings: GatewaySettings, org_id: str, route: str = "chat/completions") -> Mode:
    for found in (settings.route_modes.get(f"{org_id}:{route}"), settings.org_modes.get(org_id),
                  settings.route_modes.get(route)):
        if found is not None:
            return Mode(found)
    return Mode(settings.mode)
