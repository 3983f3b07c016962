"""Who is acting, and what their role lets them touch.

Permissions are data (a table from permission to roles), and tenant scoping is
one rule applied everywhere: a key bound to an organization (and optionally a
workspace) reaches nothing outside it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from warden.enforce.errors import Forbidden, NotFound


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    REVIEWER = "reviewer"
    OPERATOR_ADMIN = "operator_admin"
    SERVICE = "service"


class Permission(StrEnum):
    MANAGE_ORGS = "manage_orgs"
    MANAGE_KEYS = "manage_keys"
    MANAGE_MEMBERS = "manage_members"  # workspaces, memberships
    REGISTER_ACCOUNTS = "register_accounts"  # an operator's users and apps (services register them too)
    SUBMIT_CONTENT = "submit_content"
    FILE_REPORT = "file_report"
    FILE_APPEAL = "file_appeal"
    REVIEW = "review"
    OPEN_REVIEW = "open_review"  # retroactive re-review
    SET_LADDER = "set_ladder"
    READ_ENFORCEMENT = "read_enforcement"
    READ_AUDIT = "read_audit"
    VERIFY_AUDIT = "verify_audit"
    MANAGE_SUBSCRIPTIONS = "manage_subscriptions"
    DELIVER_NOTICES = "deliver_notices"
    ANNOUNCE_POLICY = "announce_policy"
    EXPORT_STATEMENTS = "export_statements"
    MANDATORY_REPORTS = "mandatory_reports"
    MANAGE_OVERLAYS = "manage_overlays"  # operator, workspace and user policy overlays
    GRANT_EXEMPTIONS = "grant_exemptions"  # red-team and research exemptions
    MANAGE_CONNECTORS = "manage_connectors"  # a workspace's connector and action allow-list


_R = Role
GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.MANAGE_ORGS: frozenset({_R.PLATFORM_ADMIN}),
    Permission.MANAGE_KEYS: frozenset({_R.PLATFORM_ADMIN, _R.OPERATOR_ADMIN}),
    Permission.MANAGE_MEMBERS: frozenset({_R.PLATFORM_ADMIN, _R.OPERATOR_ADMIN}),
    Permission.REGISTER_ACCOUNTS: frozenset({_R.PLATFORM_ADMIN, _R.OPERATOR_ADMIN, _R.SERVICE}),
    Permission.SUBMIT_CONTENT: frozenset({_R.PLATFORM_ADMIN, _R.SERVICE}),
    Permission.FILE_REPORT: frozenset({_R.PLATFORM_ADMIN, _R.SERVICE, _R.OPERATOR_ADMIN}),
    Permission.FILE_APPEAL: frozenset({_R.PLATFORM_ADMIN, _R.SERVICE, _R.OPERATOR_ADMIN}),
    Permission.REVIEW: frozenset({_R.PLATFORM_ADMIN, _R.REVIEWER}),
    Permission.OPEN_REVIEW: frozenset({_R.PLATFORM_ADMIN, _R.REVIEWER}),
    Permission.SET_LADDER: frozenset({_R.PLATFORM_ADMIN}),
    Permission.READ_ENFORCEMENT: frozenset({_R.PLATFORM_ADMIN, _R.REVIEWER, _R.OPERATOR_ADMIN, _R.SERVICE}),
    Permission.READ_AUDIT: frozenset({_R.PLATFORM_ADMIN, _R.OPERATOR_ADMIN}),
    Permission.VERIFY_AUDIT: frozenset({_R.PLATFORM_ADMIN}),
    Permission.MANAGE_SUBSCRIPTIONS: frozenset({_R.PLATFORM_ADMIN, _R.OPERATOR_ADMIN}),
    Permission.DELIVER_NOTICES: frozenset({_R.PLATFORM_ADMIN}),
    Permission.ANNOUNCE_POLICY: frozenset({_R.PLATFORM_ADMIN}),
    Permission.EXPORT_STATEMENTS: frozenset({_R.PLATFORM_ADMIN}),
    Permission.MANDATORY_REPORTS: frozenset({_R.PLATFORM_ADMIN}),
    Permission.MANAGE_OVERLAYS: frozenset({_R.PLATFORM_ADMIN, _R.OPERATOR_ADMIN}),
    Permission.GRANT_EXEMPTIONS: frozenset({_R.PLATFORM_ADMIN}),
    Permission.MANAGE_CONNECTORS: frozenset({_R.PLATFORM_ADMIN, _R.OPERATOR_ADMIN}),
}

# Roles whose keys must be bound to an organization.
TENANT_ROLES = frozenset({Role.OPERATOR_ADMIN, Role.SERVICE})


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    key_id: str
    role: Role
    subject: str  # the person or system: reviewers are told apart by it
    org_id: str | None = None
    workspace_id: str | None = None

    @property
    def actor(self) -> str:
        return f"{self.role.value}:{self.subject}"

    def require(self, permission: Permission) -> None:
        if self.role not in GRANTS[permission]:
            raise Forbidden(f"a {self.role.value} key may not {permission.value.replace('_', ' ')}")

    def sees_org(self, org_id: str | None) -> bool:
        return self.org_id is None or self.org_id == org_id

    def sees_workspace(self, workspace_id: str | None) -> bool:
        return self.workspace_id is None or self.workspace_id == workspace_id

    def check_org(self, org_id: str | None, what: str = "record") -> None:
        """Out-of-tenant records answer 404, as if they did not exist."""
        if not self.sees_org(org_id):
            raise NotFound(f"no such {what}")

    def scoped_org(self, requested: str | None) -> str | None:
        """The organization a listing is limited to: the key's own, or the one asked for."""
        if self.org_id is not None:
            if requested is not None and requested != self.org_id:
                raise NotFound("no such organization")
            return self.org_id
        return requested


SYSTEM = Principal(key_id="system", role=Role.PLATFORM_ADMIN, subject="system")
