"""The enforcement lifecycle's vocabulary: kinds and statuses as `StrEnum`s, one home each.

They are stored as their string values (the columns stay `String`), so a member compares
equal to what the database holds and what the API has always returned.
"""

from __future__ import annotations

from enum import StrEnum


class CaseKind(StrEnum):
    AUTOMATED_FLAG = "automated_flag"  # a decision below the auto-action bar
    USER_REPORT = "user_report"
    RE_REVIEW = "re_review"  # retroactive re-review (a rescan, a policy update)
    SAFETY_CHECK = "safety_check"  # a human check-in on a person who may be at risk
    CONFIRMATION = "confirmation"  # a second reviewer confirms a termination
    APPEAL = "appeal"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"


class Source(StrEnum):
    """Where an enforcement came from (an action's and a statement of reasons' `source`)."""

    AUTOMATED = "automated"
    REVIEW = "review"
    REPORT = "report"
    RE_REVIEW = "re_review"


class ActionStatus(StrEnum):
    ACTIVE = "active"
    PENDING_CONFIRMATION = "pending_confirmation"  # a termination waiting for a second reviewer
    REVERSED = "reversed"
    CANCELLED = "cancelled"


class ReportStatus(StrEnum):
    """A mandatory (CyberTipline) report."""

    DRAFT = "draft"
    CONFIRMED = "confirmed"
    SUBMITTED = "submitted"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"
