"""Assess requests with the pure engine, record every assessment, keep the request's effective
tier, and version the policy. Tier changes are written to the request's event log."""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.models import Message, RequestEvent, SupportRequest
from portal.roles import MANAGE_SUPPORT_PERMISSION
from triage import engine
from triage.models import TriagePolicy, UrgencyAssessment

logger = logging.getLogger(__name__)
MANAGE_PERMISSION = MANAGE_SUPPORT_PERMISSION
REPEAT_WINDOW = timedelta(days=14)


class TriageError(Exception):
    """Refused action; the message is safe to show."""


_embedder_lock = threading.Lock()
_embedder: list = []


def embedder_get() -> engine.Embedder | None:
    """The engine's semantic embedder (loaded once per process), or None when disabled or
    unavailable: the engine then uses its phrase rules with a lower confidence."""
    if settings.TRIAGE_EMBEDDER == "none":
        return None
    with _embedder_lock:
        if not _embedder:
            try:
                _embedder.append(_embedder_build())
            except Exception:  # any load failure means "rules only", never an error page
                logger.exception("triage embedder unavailable; assessing with rules only")
                _embedder.append(None)
        return _embedder[0]


def _embedder_build() -> engine.Embedder:
    """ "onnx": the KB's ONNX export in int8 (no torch in the process), torch when it is not
    exported yet (logged); "minilm": torch."""
    from triage.engine import embedding

    if settings.TRIAGE_EMBEDDER == "onnx":
        from kb.search.onnx import is_exported

        if is_exported(settings.KB_ONNX_DIR):
            onnx = embedding.OnnxMiniLmEmbedder(settings.KB_ONNX_DIR, precision="int8")
            onnx("warm-up")  # load now: a broken model means rules only, not a failed request
            return onnx
        logger.warning(
            "No ONNX export in %s (manage.py kb_reindex makes it): triage uses torch",
            settings.KB_ONNX_DIR,
        )
    return embedding.default_embedder(num_threads=1)


def policy_get_active() -> tuple[TriagePolicy, engine.Policy]:
    """The newest policy version (version 1 with DESIGN's defaults is created on first use)."""
    row = TriagePolicy.objects.order_by("-version").first()
    if row is None:
        row, _ = TriagePolicy.objects.get_or_create(
            version=1,
            defaults={
                "data": engine.DEFAULT_POLICY.to_dict(),
                "note": "Defaults from DESIGN.md",
                "created_at": timezone.now(),
            },
        )
    policy = engine.Policy.from_dict(row.data)
    return row, dataclasses.replace(policy, version=row.label)


@transaction.atomic
def policy_update(*, manager, data: dict, note: str = "", now=None) -> TriagePolicy:
    """Save ``data`` as the next policy version. Raises TriageError for an invalid policy."""
    if not manager.has_perm(MANAGE_PERMISSION):
        raise TriageError("Only managers can change the triage policy.")
    try:
        engine.Policy.from_dict(data)
    except (engine.PolicyError, TypeError, ValueError) as error:
        raise TriageError(f"This policy is not valid: {error}") from None
    current, _ = policy_get_active()
    latest = TriagePolicy.objects.select_for_update().order_by("-version").first() or current
    return TriagePolicy.objects.create(
        version=latest.version + 1,
        data=data,
        note=note[:200],
        created_by=manager,
        created_at=now or timezone.now(),
    )


def _triage_input(support_request: SupportRequest, now: datetime) -> engine.TriageInput:
    organization = support_request.organization
    messages = [
        engine.CustomerMessage(text=text)
        for text in support_request.messages.filter(kind=Message.Kind.CUSTOMER)
        .order_by("created_at", "pk")
        .values_list("body", flat=True)
    ]
    others = SupportRequest.objects.filter(requester=support_request.requester).exclude(
        pk=support_request.pk
    )
    return engine.TriageInput(
        subject=support_request.subject,
        body=support_request.body,
        claimed_urgency=engine.ClaimedUrgency(support_request.claimed_urgency),
        call_requested=support_request.call_requested,
        impact=engine.Impact(
            production_affected=support_request.production_affected,
            users_affected=support_request.users_affected,
            workaround_available=support_request.workaround_available,
        ),
        messages=tuple(messages),
        account=engine.AccountFacts(
            annual_contract_value=float(organization.annual_contract_value),
            plan_tier=engine.PlanTier(organization.plan_tier),
            renewal_date=organization.renewal_date,
            health_score=organization.health_score,
            at_risk=organization.at_risk,
            open_requests=others.filter(status__in=SupportRequest.OPEN_STATUSES).count(),
        ),
        repeat_contacts=others.filter(
            created_at__gte=now - REPEAT_WINDOW, product_area=support_request.product_area
        ).count(),
    )


def _set_tier(*, locked: SupportRequest, tier: str, actor, now, **data) -> None:
    previous = locked.tier
    if previous == tier:
        return
    locked.tier = tier
    RequestEvent.objects.create(
        support_request=locked,
        kind=RequestEvent.Kind.TIER_CHANGED,
        actor=actor,
        at=now,
        data={"from": previous or None, "to": tier, **data},
    )


@transaction.atomic
def assessment_run(
    *, support_request: SupportRequest, trigger: str, now: datetime | None = None
) -> UrgencyAssessment:
    """Assess the request as it stands and record the result.

    The request's tier follows the assessment unless an agent has overridden it; an
    overridden tier only moves when the new assessment is more urgent. A new request becomes
    Triaged."""
    now = now or timezone.now()
    locked = (
        SupportRequest.objects.select_for_update()
        .select_related("organization")
        .get(pk=support_request.pk)
    )
    policy_row, policy = policy_get_active()
    request_input = _triage_input(locked, now)
    result = engine.assess_urgency(
        request=request_input, policy=policy, now=now, embedder=embedder_get()
    )
    assessment = UrgencyAssessment.objects.create(
        support_request=locked,
        trigger=trigger,
        tier=result.tier.value,
        score=result.score,
        confidence=result.confidence,
        policy_version=policy.version,
        inputs=request_input.to_dict(),
        outputs=result.to_dict(),
        created_at=now,
    )
    current = engine.Tier(locked.tier) if locked.tier else None
    if not locked.tier_overridden or (current and result.tier.rank > current.rank):
        if locked.tier_overridden:
            locked.tier_overridden = False
        _set_tier(
            locked=locked, tier=result.tier.value, actor=None, now=now, assessment=assessment.pk
        )
    if locked.status == SupportRequest.Status.NEW:
        locked.status = SupportRequest.Status.TRIAGED
        RequestEvent.objects.create(
            support_request=locked,
            kind=RequestEvent.Kind.STATUS_CHANGED,
            at=now,
            data={"from": "new", "to": "triaged"},
        )
    locked.save(update_fields=["tier", "tier_overridden", "status"])
    support_request.refresh_from_db()
    return assessment


@transaction.atomic
def tier_override(
    *, support_request: SupportRequest, agent, tier: str, reason: str, now=None
) -> UrgencyAssessment:
    """An agent sets the tier by hand. The reason is required and recorded."""
    from portal.roles import is_agent

    now = now or timezone.now()
    if not is_agent(agent):
        raise TriageError("Only the support team can change a request's tier.")
    if tier not in SupportRequest.Tier.values:
        raise TriageError("Please choose one of the five tiers.")
    if not reason.strip():
        raise TriageError("Please say why you are changing the tier.")
    locked = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    last = locked.assessments.order_by("-created_at", "-pk").first()
    assessment = UrgencyAssessment.objects.create(
        support_request=locked,
        trigger=UrgencyAssessment.Trigger.OVERRIDE,
        tier=tier,
        score=last.score if last else 0,
        confidence=1.0,
        policy_version=last.policy_version if last else "",
        inputs={"overridden_assessment": last.pk if last else None},
        outputs={"reasons": [reason.strip()], "previous_tier": locked.tier},
        actor=agent,
        reason=reason.strip()[:500],
        created_at=now,
    )
    _set_tier(locked=locked, tier=tier, actor=agent, now=now, reason=reason.strip()[:500])
    locked.tier_overridden = True
    locked.save(update_fields=["tier", "tier_overridden"])
    from triage.sla_services import sla_refresh

    sla_refresh(support_request=locked, now=now)
    support_request.refresh_from_db()
    return assessment


def notifications_mark_read(*, user, now=None) -> int:
    from triage.models import Notification

    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
