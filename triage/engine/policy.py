"""Triage policy as data: thresholds and weights that admins edit and that every assessment
names by version. `DEFAULT_POLICY` carries the defaults of DESIGN.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

#: Bumped when the *shape* of the policy changes; `Policy.version` is the content version.
SCHEMA_VERSION = 1


class PolicyError(ValueError):
    """A policy document that cannot be used (wrong schema, out-of-range value)."""


@dataclass(frozen=True, slots=True)
class Policy:
    """Thresholds and weights of the triage rules.

    Score bands: a score >= `emergency_min` is Emergency, >= `urgent_min` Urgent, and so on;
    below `non_urgent_min` it is Informational.
    """

    version: str = "default-1"

    # score bands (0-100)
    emergency_min: int = 80
    urgent_min: int = 62
    semi_urgent_min: int = 42
    non_urgent_min: int = 20

    # frustration: > threshold in `frustration_consecutive` consecutive messages escalates
    frustration_threshold: float = 7.0
    frustration_consecutive: int = 2

    # negative sentiment (frustration >= this) with a high assessed urgency escalates
    negative_sentiment_threshold: float = 6.0

    # account: annual contract value above this raises priority
    high_value_acv: float = 100_000.0
    renewal_window_days: int = 30
    low_health_score: int = 40
    high_value_bonus: int = 10
    account_risk_bonus: int = 4
    repeat_contact_threshold: int = 3
    repeat_contact_bonus: int = 6

    # impact
    many_users: int = 10
    # weight of the semantic classifier against the phrase rules (0 = rules only)
    semantic_weight: float = 0.45
    # a request with fewer words than this lacks the key information "what happened"
    min_words: int = 6

    # security breach, outage or data loss with production impact -> Emergency
    critical_with_production_is_emergency: bool = True
    # missing key information -> async clarifying question instead of a call
    missing_info_blocks_call: bool = True

    # text longer than this (characters) is cut before analysis
    max_text_chars: int = 8_000

    def band(self, score: float) -> int:
        """Tier rank (4 Emergency .. 0 Informational) for a score."""
        if score >= self.emergency_min:
            return 4
        if score >= self.urgent_min:
            return 3
        if score >= self.semi_urgent_min:
            return 2
        if score >= self.non_urgent_min:
            return 1
        return 0

    def floor_of(self, rank: int) -> int:
        """Lowest score of the band with this tier rank."""
        return (0, self.non_urgent_min, self.semi_urgent_min, self.urgent_min, self.emergency_min)[
            max(0, min(4, rank))
        ]

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Builds a policy from `to_dict` output. Missing keys take the defaults (so an older
        document keeps working when a newer field is added); unknown keys, a newer schema or
        inconsistent bands raise `PolicyError`."""
        schema = data.get("schema", SCHEMA_VERSION)
        if not isinstance(schema, int) or schema > SCHEMA_VERSION:
            raise PolicyError(f"unsupported policy schema {schema!r}")
        known = {f.name: f for f in fields(cls)}
        unknown = set(data) - set(known) - {"schema"}
        if unknown:
            raise PolicyError(f"unknown policy keys: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name == "schema":
                continue
            default = getattr(DEFAULT_POLICY, name)
            try:
                values[name] = type(default)(value)
            except (TypeError, ValueError) as exc:
                raise PolicyError(f"bad value for {name}: {value!r}") from exc
        policy = replace(DEFAULT_POLICY, **values)
        bands = (policy.non_urgent_min, policy.semi_urgent_min, policy.urgent_min)
        if not (0 < bands[0] < bands[1] < bands[2] < policy.emergency_min <= 100):
            raise PolicyError("score bands must increase strictly within 1..100")
        if not 0.0 <= policy.semantic_weight <= 1.0:
            raise PolicyError("semantic_weight must be within 0..1")
        return policy


DEFAULT_POLICY = Policy()
