"""Submission-time review over HTTP: `POST /v1/reviews`.

The body carries an app/GPT submission or a plugin (manifest plus OpenAPI
document); the answer is the full review report. With `app_id` and
`record: true` the submission is stored with the app, the decision recorded
and failures enforced through the lifecycle (uncertain rules open a case).
Errors use the shared `{"error": {...}}` shape.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from warden.api.auth import Ctx, Requires
from warden.api.errors import APIError
from warden.enforce import connectors
from warden.enforce.principal import Permission
from warden.policy.library import LibraryError
from warden.policy.model import Surface
from warden.review.engine import Reviewer
from warden.review.loading import SubmissionError, submission_from_dict
from warden.review.record import Recorded, record_report, store_submission
from warden.review.report import ReviewReport
from warden.review.schema import AppSubmission, Builder, Disclosures, PluginManifest

router = APIRouter(prefix="/v1", tags=["review"])


class PluginIn(BaseModel):
    """A plugin for review: its `ai-plugin.json`, its OpenAPI document and optional declarations."""

    manifest: PluginManifest
    openapi: dict[str, Any] | None = None
    categories: list[str] = Field(default_factory=list)
    audience: list[str] = Field(default_factory=list)
    capabilities: list[str] = Field(default_factory=list)
    disclosures: Disclosures = Field(default_factory=Disclosures)
    builder: Builder = Field(default_factory=Builder)


class ReviewIn(BaseModel):
    submission: AppSubmission | PluginIn
    org_id: str | None = None
    app_id: str | None = None  # with record: the app the submission belongs to
    record: bool = False  # store the submission, record the decision and enforce it
    packs: list[str] | None = None  # review under these pack refs instead of the organization's policy


class ReviewOut(BaseModel):
    report: ReviewReport
    recorded: Recorded | None = None


@router.post("/reviews", response_model=ReviewOut, summary="Review an app, GPT or plugin submission")
def create_review(ctx: Annotated[Ctx, Requires(Permission.SUBMIT_CONTENT)], body: ReviewIn) -> ReviewOut:
    """Every applicable use-case rule with pass / fail / needs-human, evidence and citation; the verdict on
    being allowed and, separately, on GPT Store eligibility."""
    parsed = body
    try:
        submission = submission_from_dict(parsed.submission.model_dump(mode="json", exclude_none=True))
    except SubmissionError as exc:
        raise APIError(400, str(exc), param=f"submission.{exc.param}" if exc.param else "submission",
                       code="invalid_value") from None
    org_id = ctx.principal.scoped_org(parsed.org_id)
    try:
        policy = ctx.rt.policies.effective(org_id, ctx.principal.workspace_id, packs=parsed.packs)
    except LibraryError as exc:
        raise APIError(400, str(exc), param="packs", code="invalid_value") from None
    actions = [connectors.slug(a.name) for a in getattr(submission, "actions", [])]
    if org_id is not None and actions:  # the app's actions must be enabled in the workspace (003 7.a)
        with ctx.tx() as s:
            connectors.require_enabled(s, policy, org_id, ctx.principal.workspace_id, actions, Surface.GPT_BUILDER)
    report = Reviewer(policy, list(ctx.rt.detectors)).review(submission)  # screened before any transaction
    if not parsed.record:
        return ReviewOut(report=report)
    if org_id is None or parsed.app_id is None:
        raise APIError(400, "record needs org_id and app_id", param="app_id", code="invalid_value")
    with ctx.tx() as s:
        item = store_submission(s, ctx.principal, org_id=org_id, app_id=parsed.app_id, submission=submission,
                                now=ctx.now)
        recorded = record_report(s, ctx.principal, item, report, source="automated", cybertip=ctx.rt.cybertip,
                                 now=ctx.now)
    return ReviewOut(report=report, recorded=recorded)
