"""Value types of the triage engine: what goes in (`TriageInput`) and what comes out
(`Assessment`). Frozen dataclasses and string enums, so an assessment can be stored as JSON
(`Assessment.to_dict`) and compared in tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Tier(StrEnum):
    """Urgency tiers, most urgent first (the contract shown to customers)."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    SEMI_URGENT = "semi_urgent"
    NON_URGENT = "non_urgent"
    INFORMATIONAL = "informational"

    @property
    def label(self) -> str:
        return _TIER_LABELS[self]

    @property
    def rank(self) -> int:
        """4 for Emergency down to 0 for Informational: higher is more urgent."""
        return _TIER_RANKS[self]

    @property
    def may_book_call(self) -> bool:
        return self in (Tier.EMERGENCY, Tier.URGENT)

    @classmethod
    def from_rank(cls, rank: int) -> Tier:
        rank = max(0, min(4, rank))
        return next(t for t, r in _TIER_RANKS.items() if r == rank)

    @classmethod
    def from_label(cls, label: str) -> Tier:
        """Accepts the human label ("Semi-urgent") or the value ("semi_urgent"), any case."""
        key = label.strip().lower().replace("-", "_").replace(" ", "_")
        if key == "critical":
            return cls.EMERGENCY
        return cls(key)


_TIER_LABELS = {
    Tier.EMERGENCY: "Emergency",
    Tier.URGENT: "Urgent",
    Tier.SEMI_URGENT: "Semi-urgent",
    Tier.NON_URGENT: "Non-urgent",
    Tier.INFORMATIONAL: "Informational",
}
_TIER_RANKS = {
    Tier.EMERGENCY: 4,
    Tier.URGENT: 3,
    Tier.SEMI_URGENT: 2,
    Tier.NON_URGENT: 1,
    Tier.INFORMATIONAL: 0,
}


class IssueType(StrEnum):
    OUTAGE = "outage"
    SECURITY = "security"
    DATA_LOSS = "data_loss"
    ACCESS = "access"
    PERFORMANCE = "performance"
    BUG = "bug"
    BILLING = "billing"
    HOW_TO = "how_to"
    FEATURE_REQUEST = "feature_request"
    ACCOUNT_ADMIN = "account_admin"
    INFORMATIONAL = "informational"

    @property
    def label(self) -> str:
        return _ISSUE_LABELS[self]


_ISSUE_LABELS = {
    IssueType.OUTAGE: "outage",
    IssueType.SECURITY: "security incident",
    IssueType.DATA_LOSS: "data loss",
    IssueType.ACCESS: "access problem",
    IssueType.PERFORMANCE: "performance problem",
    IssueType.BUG: "bug",
    IssueType.BILLING: "billing question",
    IssueType.HOW_TO: "how-to question",
    IssueType.FEATURE_REQUEST: "feature request",
    IssueType.ACCOUNT_ADMIN: "account administration request",
    IssueType.INFORMATIONAL: "general question",
}

#: Issue types that, with production impact, make an Emergency.
CRITICAL_ISSUES = frozenset({IssueType.OUTAGE, IssueType.SECURITY, IssueType.DATA_LOSS})
#: Issue types that describe something broken (as opposed to a question or a wish).
PROBLEM_ISSUES = CRITICAL_ISSUES | {IssueType.ACCESS, IssueType.PERFORMANCE, IssueType.BUG}


class Action(StrEnum):
    PAGE_ON_CALL = "page_on_call"
    PRIORITY_CALLBACK = "priority_callback"
    ASYNC_UPDATE = "async_update"
    ASYNC_REPLY = "async_reply"
    SELF_SERVICE = "self_service"


TIER_ACTIONS = {
    Tier.EMERGENCY: Action.PAGE_ON_CALL,
    Tier.URGENT: Action.PRIORITY_CALLBACK,
    Tier.SEMI_URGENT: Action.ASYNC_UPDATE,
    Tier.NON_URGENT: Action.ASYNC_REPLY,
    Tier.INFORMATIONAL: Action.SELF_SERVICE,
}


class ClaimedUrgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class PlanTier(StrEnum):
    STARTER = "starter"
    BUSINESS = "business"
    ENTERPRISE = "enterprise"


class Trend(StrEnum):
    RISING = "rising"
    FALLING = "falling"
    STABLE = "stable"
    SINGLE = "single"  # only one message: no trend yet


@dataclass(frozen=True, slots=True)
class CustomerMessage:
    """One customer message. `frustration` may be passed in (already scored and stored);
    when None the engine scores `text`."""

    text: str
    frustration: float | None = None


@dataclass(frozen=True, slots=True)
class Impact:
    """The impact fields of the request form. None means "not answered"."""

    production_affected: bool | None = None
    users_affected: int | None = None
    workaround_available: bool | None = None


@dataclass(frozen=True, slots=True)
class AccountFacts:
    annual_contract_value: float | None = None
    plan_tier: PlanTier | None = None
    renewal_date: date | None = None
    health_score: int | None = None  # 0-100, higher is healthier
    at_risk: bool = False
    open_requests: int = 0


@dataclass(frozen=True, slots=True)
class TriageInput:
    """Everything the engine looks at.

    `messages` are the customer's follow-up messages after the request itself, oldest first; the
    subject and body count as the first customer message for the frustration trend.
    """

    subject: str = ""
    body: str = ""
    claimed_urgency: ClaimedUrgency = ClaimedUrgency.NORMAL
    call_requested: bool = False
    impact: Impact = field(default_factory=Impact)
    messages: tuple[CustomerMessage, ...] = ()
    account: AccountFacts = field(default_factory=AccountFacts)
    repeat_contacts: int = 0

    def to_dict(self) -> dict[str, Any]:
        renewal = self.account.renewal_date
        return {
            "subject": self.subject,
            "body": self.body,
            "claimed_urgency": self.claimed_urgency.value,
            "call_requested": self.call_requested,
            "impact": {
                "production_affected": self.impact.production_affected,
                "users_affected": self.impact.users_affected,
                "workaround_available": self.impact.workaround_available,
            },
            "messages": [{"text": m.text, "frustration": m.frustration} for m in self.messages],
            "account": {
                "annual_contract_value": self.account.annual_contract_value,
                "plan_tier": self.account.plan_tier.value if self.account.plan_tier else None,
                "renewal_date": renewal.isoformat() if renewal else None,
                "health_score": self.account.health_score,
                "at_risk": self.account.at_risk,
                "open_requests": self.account.open_requests,
            },
            "repeat_contacts": self.repeat_contacts,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TriageInput:
        """Builds an input from plain JSON (the case-file and snapshot format). Unknown keys are
        ignored; malformed values fall back to defaults rather than raising."""
        impact = data.get("impact") or {}
        account = data.get("account") or {}
        claimed = str(data.get("claimed_urgency") or "normal").lower()
        plan = str(account.get("plan_tier") or "").lower()
        renewal = account.get("renewal_date")
        return cls(
            subject=str(data.get("subject") or ""),
            body=str(data.get("body") or ""),
            claimed_urgency=(
                ClaimedUrgency(claimed)
                if claimed in ClaimedUrgency._value2member_map_
                else ClaimedUrgency.NORMAL
            ),
            call_requested=bool(data.get("call_requested") or data.get("claimed_call")),
            impact=Impact(
                production_affected=_opt_bool(impact.get("production_affected")),
                users_affected=_opt_int(impact.get("users_affected")),
                workaround_available=_opt_bool(impact.get("workaround_available")),
            ),
            messages=tuple(
                CustomerMessage(text=str(m.get("text") or ""), frustration=m.get("frustration"))
                if isinstance(m, Mapping)
                else CustomerMessage(text=str(m))
                for m in data.get("messages") or ()
            ),
            account=AccountFacts(
                annual_contract_value=_opt_float(account.get("annual_contract_value")),
                plan_tier=PlanTier(plan) if plan in PlanTier._value2member_map_ else None,
                renewal_date=_opt_date(renewal),
                health_score=_opt_int(account.get("health_score")),
                at_risk=bool(account.get("at_risk")),
                open_requests=_opt_int(account.get("open_requests")) or 0,
            ),
            repeat_contacts=_opt_int(data.get("repeat_contacts")) or 0,
        )


def _opt_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _opt_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _opt_float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _opt_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Assessment:
    """The engine's verdict. `reasons` are plain-language sentences the customer page shows as
    they are; `signals` is the detail for agents (JSON-serialisable values only)."""

    tier: Tier
    score: int  # 0-100
    confidence: float  # 0-1
    issue_type: IssueType
    frustration: float  # 0-10, of the latest customer message
    frustration_trend: Trend
    language: str  # ISO 639-1 code, "und" when undetermined
    claim_accepted: bool
    missing_information: tuple[str, ...]
    action: Action
    reasons: tuple[str, ...]
    policy_version: str
    signals: Mapping[str, Any] = field(default_factory=dict)

    @property
    def may_book_call(self) -> bool:
        return self.tier.may_book_call

    def to_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier.value,
            "tier_label": self.tier.label,
            "score": self.score,
            "confidence": self.confidence,
            "issue_type": self.issue_type.value,
            "frustration": self.frustration,
            "frustration_trend": self.frustration_trend.value,
            "language": self.language,
            "claim_accepted": self.claim_accepted,
            "missing_information": list(self.missing_information),
            "action": self.action.value,
            "reasons": list(self.reasons),
            "policy_version": self.policy_version,
            "signals": dict(self.signals),
        }
