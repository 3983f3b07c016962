"""Which policy a caller runs under: platform packs, then its organization's, workspace's and user's overlays.

One rule for every shell (`/v1/moderations`, `/v1/submissions`, reviews, rescans, the gateway): the
organization is the key's own (or the one a platform key names), the workspace the key's or the
account's, the user the account named, which must lie in the caller's scope. Naming an organization
or an account needs a key: an anonymous caller of the open `/v1/moderations` runs under the platform
policy alone, and cannot ask for more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from warden.enforce import connectors, exemptions
from warden.enforce.principal import Principal
from warden.enforce.scoping import get_org, get_scoped
from warden.errors import NotAuthenticated
from warden.policy.layering import EffectivePolicy
from warden.policy.provider import PolicyProvider
from warden.store.database import Database
from warden.store.tables import Account


def policy_for(session: Session, provider: PolicyProvider, principal: Principal, *, org_id: str | None = None,
               account_id: str | None = None) -> EffectivePolicy:
    """The effective policy for this caller (and, if named, this end user) today."""
    org = principal.scoped_org(org_id)
    workspace = principal.workspace_id
    if account_id is not None:
        account = get_scoped(session, Account, account_id, principal, "account")
        org = account.org_id if org is None else org
        if account.org_id != org:
            get_org(session, "", principal)  # 404, as for any record outside the caller's organization
        workspace = workspace or account.workspace_id
    elif org is not None:
        get_org(session, org, principal)
    return provider.effective(org, workspace, account_id)


def caller_policy(db: Database, provider: PolicyProvider, principal: Principal | None, *,
                  org_id: str | None = None, account_id: str | None = None) -> EffectivePolicy:
    """`policy_for` in its own read transaction; without a principal, the platform policy (and a 401 if the
    anonymous caller named an organization or an account)."""
    if principal is None:
        if org_id is not None or account_id is not None:
            raise NotAuthenticated("naming an organization or account needs an authenticated caller: set "
                                   "WARDEN_MODERATION_AUTH=required and send `Authorization: Bearer wdn_...`",
                                   code="missing_api_key")
        return provider.effective()
    with db.transaction() as s:
        return policy_for(s, provider, principal, org_id=org_id, account_id=account_id)


def caller_context(db: Database, principal: Principal | None, context: Mapping[str, Any], now: dt.datetime, *,
                   org_id: str | None = None, account_id: str | None = None) -> dict[str, Any]:
    """The decision context with red-team / research claims kept only where a grant covers the caller
    (`warden.enforce.exemptions`), an anonymous caller's claims dropped, and the connectors it names that its
    workspace has not enabled under `request.connectors_not_enabled` (`warden.enforce.connectors`)."""
    if principal is None or (principal.scoped_org(org_id) is None and account_id is None):
        # no organization, so no allow-list: every connector named counts as not enabled (fail closed)
        return connectors.mark_unscoped(exemptions.strip_claims(context))
    org = principal.scoped_org(org_id)
    with db.transaction() as s:
        workspace = principal.workspace_id
        if account_id is not None:
            account = get_scoped(s, Account, account_id, principal, "account")
            org, workspace = org or account.org_id, workspace or account.workspace_id
        assert org is not None
        gated = exemptions.gate(context, exemptions.live(s, org, account_id, now))
        return connectors.mark(s, org, workspace, gated)[0]
