"""`assess_urgency`: turns a request (and every "call me now") into an explained tier.

The evidence decides, the claim does not: phrase rules and impact fields give a rule score, the
semantic classifier (when an embedder is given) a second opinion, then the policy adjusts for the
account, frustration and missing information. Emergency needs emergency evidence (a security
breach, or an outage or data loss with production impact), never just the word "urgent".
The function never raises on text; odd input lowers the confidence instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from triage.engine import frustration as fr
from triage.engine.phrases import ISSUE_KINDS, Hit, find_hits, users_mentioned
from triage.engine.policy import Policy
from triage.engine.semantic import Embedder, SemanticResult, classifier_for
from triage.engine.text import UNDETERMINED, clean, detect_language
from triage.engine.types import (
    CRITICAL_ISSUES,
    PROBLEM_ISSUES,
    TIER_ACTIONS,
    Action,
    Assessment,
    ClaimedUrgency,
    IssueType,
    PlanTier,
    Tier,
    TriageInput,
)

#: Score of a typical request of each issue type before impact is known.
_BASE_SCORE = {
    IssueType.SECURITY: 66,
    IssueType.DATA_LOSS: 64,
    IssueType.OUTAGE: 66,
    IssueType.ACCESS: 50,
    IssueType.PERFORMANCE: 46,
    IssueType.BUG: 40,
    IssueType.BILLING: 28,
    IssueType.ACCOUNT_ADMIN: 26,
    IssueType.HOW_TO: 28,
    IssueType.FEATURE_REQUEST: 12,
    IssueType.INFORMATIONAL: 10,
}
#: Score at the centre of each tier band, for turning classifier probabilities into a score.
_TIER_CENTRE = {
    Tier.EMERGENCY: 92,
    Tier.URGENT: 72,
    Tier.SEMI_URGENT: 52,
    Tier.NON_URGENT: 31,
    Tier.INFORMATIONAL: 8,
}
#: Tie-break between issue types with equal phrase weight: the more serious wins.
_ISSUE_PRIORITY = {kind: i for i, kind in enumerate(ISSUE_KINDS)}
#: Added to an issue type's phrase weight when choosing the issue type (see `_issue_from_hits`).
_ISSUE_BONUS = dict.fromkeys(ISSUE_KINDS[:6], 0.5) | {"security": 0.7}
_CLAIM_RANK = {
    ClaimedUrgency.LOW: 1,
    ClaimedUrgency.NORMAL: 2,
    ClaimedUrgency.HIGH: 3,
    ClaimedUrgency.CRITICAL: 4,
}


@dataclass(frozen=True, slots=True)
class _Impact:
    production: bool
    production_source: str | None  # "form" or "text"
    nonprod: bool
    users: int | None
    many_users: bool
    single_user: bool
    workaround: bool | None
    deadline: bool
    resolved: bool
    minor: bool


def assess_urgency(
    *,
    request: TriageInput,
    policy: Policy,
    now: datetime,
    embedder: Embedder | None = None,
) -> Assessment:
    """Assesses one request under `policy` at time `now`.

    `embedder` (text -> vector) enables the semantic signal; None means phrase rules only (and a
    lower confidence). Never raises on text content; an embedder that fails is ignored.
    """
    subject = clean(request.subject, max_chars=500)
    body = clean(request.body, max_chars=policy.max_text_chars)
    text = f"{subject.text}\n{body.text}".strip()
    lower = text.lower()

    language, lang_conf = detect_language(text)
    hits = find_hits(lower)
    live = [h for h in hits if not h.negated]
    negated = [h for h in hits if h.negated]
    impact = _impact(request, live, lower, policy)

    issue, issue_weight = _issue_from_hits(live)
    # the embedder reads ~48 word pieces: hand it the head, not 8,000 characters
    semantic = _semantic(embedder, text[:1000]) if text else None
    if issue is None and semantic is not None and max(semantic.issue_probs.values()) >= 0.4:
        issue = semantic.issue_type
    issue = issue or (IssueType.HOW_TO if "?" in text else IssueType.INFORMATIONAL)
    rule_strength = min(1.0, issue_weight)

    # ---- rule score from issue type and impact --------------------------------------------
    reasons: list[str] = []
    rule = float(_BASE_SCORE[issue])
    critical_weight = max(
        (h.weight for h in live if h.kind in {"outage", "security", "data_loss"}), default=0.0
    )
    is_problem = issue in PROBLEM_ISSUES
    if is_problem:
        if impact.production:
            rule += 18 if issue in CRITICAL_ISSUES else 14
        if impact.many_users:
            rule += 16
        elif impact.single_user or impact.users == 1:
            rule -= 8
        if impact.workaround is False:
            rule += 12
        elif impact.workaround:
            # "degraded, workaround exists" is what Semi-urgent means
            rule = min(rule - 4, policy.urgent_min - 1)
        if impact.nonprod and not impact.production:
            rule = min(rule - 18, policy.urgent_min - 1)
    if impact.deadline and issue not in {IssueType.INFORMATIONAL, IssueType.FEATURE_REQUEST}:
        rule += 10
    if is_problem and impact.resolved and issue is not IssueType.SECURITY:
        rule = min(rule, policy.semi_urgent_min - 6)  # asking about a past incident
    if impact.minor and not impact.many_users:
        rule = min(rule, policy.semi_urgent_min - 6)

    emergency_evidence = _emergency_evidence(issue, critical_weight, impact, policy)

    # ---- blend with the semantic classifier ------------------------------------------------
    score = rule
    if semantic is not None:
        sem_score = sum(_TIER_CENTRE[t] * p for t, p in semantic.tier_probs.items())
        weight = policy.semantic_weight if rule_strength >= 0.5 else 0.8
        if language != "en":
            weight *= 0.4  # all-MiniLM-L6-v2 is an English model: trust it less elsewhere
        delta = weight * (sem_score - rule)
        if rule_strength >= 0.5:  # clear phrase evidence: the classifier only nudges
            delta = max(-12.0, min(12.0, delta))
        score = rule + delta
        if semantic.tier_probs[Tier.EMERGENCY] >= 0.6 and critical_weight >= 0.6:
            emergency_evidence = emergency_evidence or not impact.nonprod
    # a stolen card or key, a payment nobody made, a login from abroad: whatever the classifier
    # thinks, the credential must be blocked today, so it is Urgent at least (Emergency still
    # needs the evidence above)
    clear_security = issue is IssueType.SECURITY and rule_strength >= 0.8
    if clear_security and not impact.nonprod:
        score = max(score, policy.urgent_min + 2)
    if emergency_evidence:
        score = max(score, policy.emergency_min + 6)
    else:
        score = min(score, policy.emergency_min - 1)
    base_rank = policy.band(score)

    # ---- frustration -------------------------------------------------------------------------
    series = [fr.score_frustration(text)]
    for message in request.messages:
        value = message.frustration
        series.append(
            float(value) if value is not None else fr.score_frustration(message.text[:4000])
        )
    frustration = series[-1]
    trend = fr.frustration_trend(series)
    frustration_trigger = fr.consecutive_above(
        series, policy.frustration_threshold, policy.frustration_consecutive
    )

    # ---- policy adjustments ----------------------------------------------------------------
    account = request.account
    adjustments: list[str] = []
    cap = policy.emergency_min - 1 if not emergency_evidence else 100
    high_value = (
        account.annual_contract_value is not None
        and account.annual_contract_value > policy.high_value_acv
    )
    if high_value and (is_problem or base_rank >= 2):
        score = min(cap, score + policy.high_value_bonus)
        adjustments.append("high_value")
    days_to_renewal = _days_until(account.renewal_date, now)
    renewing = days_to_renewal is not None and 0 <= days_to_renewal <= policy.renewal_window_days
    low_health = account.health_score is not None and account.health_score < policy.low_health_score
    if (renewing or account.at_risk or low_health) and (is_problem or base_rank >= 2):
        score = min(cap, score + policy.account_risk_bonus)
        adjustments.append("account_risk")
    if request.repeat_contacts >= policy.repeat_contact_threshold:
        score = min(cap, score + policy.repeat_contact_bonus)
        adjustments.append("repeat_contact")
    if frustration_trigger:
        rank = policy.band(score)
        if rank < 3:
            score = max(score, policy.floor_of(rank + 1) + 2)
        adjustments.append("frustration_trend")
    if (
        frustration >= policy.negative_sentiment_threshold
        and base_rank >= 2
        and not frustration_trigger
    ):
        rank = policy.band(score)
        if rank < 3:
            score = max(score, policy.floor_of(rank + 1) + 2)
        adjustments.append("negative_sentiment")

    # ---- missing information gate ---------------------------------------------------------
    total_words = subject.words + body.words
    semantic_sure = semantic is not None and max(semantic.tier_probs.values()) >= 0.5
    # "my card was stolen" is short but complete: a clear security phrase says what happened
    short = (
        total_words < policy.min_words
        and (is_problem or rule_strength < 0.8)
        and not clear_security
    )
    vague = short or (rule_strength == 0 and total_words < 15 and not semantic_sure)
    missing = _missing_information(vague, issue, impact, request, lower)
    gated = vague and not emergency_evidence and policy.missing_info_blocks_call
    if vague:
        # too little to judge: a person replies and asks, it is never self-service; something
        # reported broken gets that question soon
        floor = policy.semi_urgent_min + 2 if is_problem else policy.non_urgent_min + 5
        score = max(score, floor)
    if gated:
        score = min(score, policy.urgent_min - 1)

    score = max(0.0, min(100.0, score))
    tier = Tier.from_rank(policy.band(score))
    action = TIER_ACTIONS[tier]

    # ---- claim ------------------------------------------------------------------------------
    claim_words = any(h.kind == "urgency_claim" for h in live)
    call_words = any(h.kind == "call_request" for h in live)
    call_asked = request.call_requested or call_words
    claimed_rank = _CLAIM_RANK[request.claimed_urgency]
    if call_asked or claim_words:
        claimed_rank = max(claimed_rank, 3)
    if claimed_rank >= 3:
        claim_accepted = tier.rank >= claimed_rank or (claimed_rank == 4 and tier.rank == 3)
    else:
        claim_accepted = (
            tier.rank <= claimed_rank or request.claimed_urgency is ClaimedUrgency.NORMAL
        )

    # ---- reasons ---------------------------------------------------------------------------
    reasons.extend(_evidence_reasons(issue, impact, tier, emergency_evidence, request))
    reasons.extend(_adjustment_reasons(adjustments, account, days_to_renewal, request, policy))
    if gated:
        reasons.append(
            "We need a few more details before we can judge the impact, so we will ask you in "
            "writing first instead of calling"
        )
    if (call_asked or claimed_rank >= 3) and not tier.may_book_call:
        reasons.append(_refusal(call_asked, issue, impact, gated))
    elif request.claimed_urgency is ClaimedUrgency.LOW and tier.rank >= 3:
        reasons.append(
            f"You marked this as low priority, but the details describe {_a(issue.label)} "
            "with real impact, so we are treating it as urgent"
        )

    # ---- confidence --------------------------------------------------------------------------
    quality = min(subject.quality if not body.text else body.quality, 1.0)
    if not body.text:
        quality = min(quality, 0.5)
    agreement = 0.5
    if semantic is not None:
        agreement = (
            1.0
            if semantic.tier.rank == tier.rank
            else (0.6 if abs(semantic.tier.rank - tier.rank) == 1 else 0.2)
        )
    edge = min(abs(score - policy.floor_of(tier.rank)), 10) / 10 if tier.rank > 0 else 1.0
    confidence = quality * (0.35 + 0.25 * rule_strength + 0.25 * agreement + 0.15 * edge)
    if language == UNDETERMINED or lang_conf < 0.5:
        confidence *= 0.85
    if vague:
        confidence *= 0.7
    if semantic is None:
        confidence *= 0.9
    confidence = round(max(0.05, min(0.99, confidence)), 2)

    signals: dict[str, Any] = {
        "rule_score": round(rule, 1),
        "rule_strength": round(rule_strength, 2),
        "semantic": _semantic_signal(semantic),
        "phrases": [
            {"kind": h.kind, "lang": h.lang, "phrase": h.phrase, "weight": h.weight}
            for h in live[:30]
        ],
        "negated_phrases": [{"kind": h.kind, "phrase": h.phrase} for h in negated[:30]],
        "impact": {
            "production": impact.production,
            "production_source": impact.production_source,
            "nonprod": impact.nonprod,
            "users": impact.users,
            "many_users": impact.many_users,
            "workaround": impact.workaround,
            "deadline": impact.deadline,
            "resolved": impact.resolved,
        },
        "emergency_evidence": emergency_evidence,
        "frustration_series": series,
        "frustration_trigger": frustration_trigger,
        "adjustments": adjustments,
        "claimed_urgency": request.claimed_urgency.value,
        "call_requested": call_asked,
        "claim_words": claim_words,
        "missing_info_gate": gated,
        "language_confidence": lang_conf,
        "text_truncated": body.truncated,
        "binary_like": body.binary_like,
        "days_to_renewal": days_to_renewal,
    }
    return Assessment(
        tier=tier,
        score=int(round(score)),
        confidence=confidence,
        issue_type=issue,
        frustration=frustration,
        frustration_trend=trend,
        language=language,
        claim_accepted=claim_accepted,
        missing_information=missing,
        action=action
        if not (gated and action is Action.PRIORITY_CALLBACK)
        else Action.ASYNC_UPDATE,
        reasons=tuple(reasons),
        policy_version=policy.version,
        signals=signals,
    )


def _semantic(embedder: Embedder | None, text: str) -> SemanticResult | None:
    if embedder is None:
        return None
    try:
        return classifier_for(embedder).predict(text)
    except Exception:  # a broken embedder must not stop triage: fall back to the rules
        return None


def _semantic_signal(semantic: SemanticResult | None) -> dict[str, Any] | None:
    if semantic is None:
        return None
    return {
        "tier": semantic.tier.value,
        "tier_probs": {t.value: round(p, 3) for t, p in semantic.tier_probs.items()},
        "issue_type": semantic.issue_type.value,
    }


def _issue_from_hits(live: list[Hit]) -> tuple[IssueType | None, float]:
    weights: dict[str, float] = {}
    for h in live:
        if h.kind in _ISSUE_PRIORITY:
            weights[h.kind] = min(1.5, weights.get(h.kind, 0.0) + h.weight)
    if not weights:
        return None, 0.0
    # serious problems outrank questions even when the question words are more numerous, and
    # money or credentials at risk outrank the billing words that describe them ("a charge on
    # our credit card that we did not make" is fraud before it is a billing question)
    best = max(
        weights,
        key=lambda k: (weights[k] + _ISSUE_BONUS.get(k, 0.0), -_ISSUE_PRIORITY[k]),
    )
    return IssueType(best), weights[best]


def _impact(request: TriageInput, live: list[Hit], lower: str, policy: Policy) -> _Impact:
    kinds = {h.kind for h in live}
    form = request.impact
    text_prod = "production" in kinds and "production_unaffected" not in kinds
    if form.production_affected is True:
        production, source = True, "form"
    elif form.production_affected is False:
        production, source = False, None
    else:
        production, source = text_prod, ("text" if text_prod else None)
    users = form.users_affected if form.users_affected is not None else users_mentioned(lower)
    single = "single_user" in kinds or users == 1
    many = (
        users >= policy.many_users if users is not None else ("many_users" in kinds and not single)
    )
    if form.workaround_available is not None:
        workaround: bool | None = form.workaround_available
    elif "no_workaround" in kinds:
        workaround = False
    elif "workaround" in kinds:
        workaround = True
    else:
        workaround = None
    return _Impact(
        production=production,
        production_source=source,
        nonprod="nonprod" in kinds or "production_unaffected" in kinds,
        users=users,
        many_users=many,
        single_user=single,
        minor="minor" in kinds,
        workaround=workaround,
        deadline="deadline" in kinds,
        resolved="resolved" in kinds,
    )


def _emergency_evidence(
    issue: IssueType, critical_weight: float, impact: _Impact, policy: Policy
) -> bool:
    if not policy.critical_with_production_is_emergency or issue not in CRITICAL_ISSUES:
        return False
    if impact.resolved or (impact.nonprod and not impact.production):
        return False
    if issue is IssueType.SECURITY and critical_weight >= 1.0:
        return True  # a confirmed breach is an emergency wherever it happened
    return critical_weight >= 0.7 and (impact.production or impact.many_users)


def _days_until(day: date | None, now: datetime) -> int | None:
    if day is None:
        return None
    return (day - now.date()).days


def _missing_information(
    vague: bool, issue: IssueType, impact: _Impact, request: TriageInput, lower: str
) -> tuple[str, ...]:
    missing: list[str] = []
    if vague:
        missing.append("What happened, and what you expected to happen instead")
    if issue in PROBLEM_ISSUES or vague:
        if (
            request.impact.production_affected is None
            and not impact.production
            and (not impact.nonprod)
        ):
            missing.append("Whether your production environment is affected")
        if impact.users is None and not impact.many_users and not impact.single_user:
            missing.append("How many users are affected")
        if impact.workaround is None:
            missing.append("Whether you have a workaround for now")
    if issue in {IssueType.BUG, IssueType.ACCESS} and not any(
        w in lower for w in ("error", "fehler", "erreur", "erro", "message", "code", "screenshot")
    ):
        missing.append("The exact error message or a screenshot")
    return tuple(missing)


def _a(label: str) -> str:
    return ("an " if label[:1] in "aeiou" else "a ") + label


def _evidence_reasons(
    issue: IssueType,
    impact: _Impact,
    tier: Tier,
    emergency_evidence: bool,
    request: TriageInput,
) -> list[str]:
    reasons: list[str] = []
    head = issue.label[:1].upper() + issue.label[1:]
    if emergency_evidence:
        where = "Production " + issue.label if impact.production else head
        if impact.users and impact.users > 1:
            reasons.append(f"{where} affecting {impact.users} users")
        elif impact.many_users:
            reasons.append(f"{where} affecting many users")
        else:
            reasons.append(where)
    elif issue in PROBLEM_ISSUES:
        detail = head
        if impact.production:
            detail += " in production"
        elif impact.nonprod:
            detail += " in a test or staging environment, not production"
        if impact.users and impact.users > 1:
            detail += f" affecting {impact.users} users"
        elif impact.many_users:
            detail += " affecting many users"
        elif impact.single_user or impact.users == 1:
            detail += " affecting one user"
        reasons.append(detail)
    else:
        reasons.append(f"This reads as {_a(issue.label)}")
    if issue in PROBLEM_ISSUES:
        if impact.workaround is False:
            reasons.append("No workaround available")
        elif impact.workaround:
            reasons.append("A workaround exists for now")
    if impact.resolved:
        reasons.append("The problem you describe appears to be resolved already")
    if impact.deadline:
        reasons.append("There is a deadline involved")
    return reasons


def _adjustment_reasons(
    adjustments: list[str],
    account: Any,
    days_to_renewal: int | None,
    request: TriageInput,
    policy: Policy,
) -> list[str]:
    reasons: list[str] = []
    plan = account.plan_tier.value.capitalize() if isinstance(account.plan_tier, PlanTier) else ""
    who = f"{plan} account" if plan else "Account"
    if "high_value" in adjustments:
        reasons.append(f"{who} with an annual contract above ${policy.high_value_acv:,.0f}")
    if "account_risk" in adjustments:
        if days_to_renewal is not None and 0 <= days_to_renewal <= policy.renewal_window_days:
            reasons.append(f"{who} renewing in {days_to_renewal} days")
        elif account.at_risk:
            reasons.append(f"{who} flagged as at risk")
        else:
            reasons.append(f"{who} with a low health score")
    if "repeat_contact" in adjustments:
        reasons.append(f"You have contacted us {request.repeat_contacts} times about this")
    if "frustration_trend" in adjustments:
        reasons.append(
            "Your recent messages show this is causing real frustration, so we moved it up"
        )
    if "negative_sentiment" in adjustments:
        reasons.append("This is clearly hurting your work, so we moved it up")
    return reasons


def _refusal(call_asked: bool, issue: IssueType, impact: _Impact, gated: bool) -> str:
    asked = "You asked for a call" if call_asked else "You marked this as urgent"
    if gated:
        why = "we do not yet know enough about the impact"
    elif issue in PROBLEM_ISSUES:
        parts = []
        if not impact.production:
            parts.append("production is not reported as affected")
        if impact.workaround:
            parts.append("a workaround exists")
        if not impact.many_users:
            parts.append("no large group of users is blocked")
        why = " and ".join(parts[:2]) or "the impact described does not need a live call"
    else:
        why = f"this reads as {_a(issue.label)} and nothing is reported down"
    return f"{asked}, but {why}: we will answer in writing"
