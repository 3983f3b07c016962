"""Loading records through a principal's tenant scope."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from warden.enforce.errors import NotFound
from warden.enforce.principal import Principal
from warden.store.tables import Organization


class _Tenanted(Protocol):
    org_id: Any


T = TypeVar("T", bound=_Tenanted)
Q = TypeVar("Q", bound=Select[Any])


def scoped(query: Q, org_column: InstrumentedAttribute[Any], principal: Principal, requested: str | None) -> Q:
    """Restrict a listing to the principal's tenant, or to the organization a platform key asks for."""
    scope = principal.scoped_org(requested)
    return query if scope is None else query.where(org_column == scope)


def get_scoped(session: Session, model: type[T], record_id: str, principal: Principal, what: str,
               *, for_update: bool = False) -> T:
    """The record if it exists and the principal's tenant covers it; 404 otherwise."""
    record = session.get(model, record_id, with_for_update=for_update)
    if record is None or not principal.sees_org(record.org_id):
        raise NotFound(f"no such {what}: {record_id}", param=f"{what}_id")
    workspace = getattr(record, "workspace_id", None)
    if principal.workspace_id is not None and workspace is not None and workspace != principal.workspace_id:
        raise NotFound(f"no such {what}: {record_id}", param=f"{what}_id")
    return record


def get_org(session: Session, org_id: str, principal: Principal) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or not principal.sees_org(org.id):
        raise NotFound(f"no such organization: {org_id}", param="org_id")
    return org
