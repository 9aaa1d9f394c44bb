"""Pure triage core: no Django, no Celery; ``now`` and the policy are arguments.

Public API: `assess_urgency`, the input/output types, `Policy` / `DEFAULT_POLICY`, and the
`Embedder` protocol (the real one is `triage.engine.embedding.default_embedder`, imported lazily).
"""

from triage.engine.assess import assess_urgency
from triage.engine.policy import DEFAULT_POLICY, Policy, PolicyError
from triage.engine.semantic import Embedder
from triage.engine.types import (
    AccountFacts,
    Action,
    Assessment,
    ClaimedUrgency,
    CustomerMessage,
    Impact,
    IssueType,
    PlanTier,
    Tier,
    Trend,
    TriageInput,
)

__all__ = [
    "DEFAULT_POLICY",
    "AccountFacts",
    "Action",
    "Assessment",
    "ClaimedUrgency",
    "CustomerMessage",
    "Embedder",
    "Impact",
    "IssueType",
    "PlanTier",
    "Policy",
    "PolicyError",
    "Tier",
    "TriageInput",
    "Trend",
    "assess_urgency",
]
