"""Reads for triage: the latest assessment of a request and the policy history."""

from django.core.exceptions import PermissionDenied

from portal.roles import is_agent
from triage.models import Notification, SlaConfig, SlaState, TriagePolicy, UrgencyAssessment
from triage.services import MANAGE_PERMISSION


def assessment_latest(*, support_request) -> UrgencyAssessment | None:
    return (
        support_request.assessments.exclude(trigger=UrgencyAssessment.Trigger.OVERRIDE)
        .order_by("-created_at", "-pk")
        .first()
    )


def assessment_list_for_agent(*, support_request):
    return support_request.assessments.select_related("actor").order_by("-created_at", "-pk")


def policy_list_for_manager(*, user):
    if not user.has_perm(MANAGE_PERMISSION):
        raise PermissionDenied("This page is for support managers.")
    return TriagePolicy.objects.select_related("created_by").order_by("-version")


def notification_list_for_agent(*, user, limit: int = 100):
    if not is_agent(user):
        raise PermissionDenied("This page is for the support team.")
    return (
        Notification.objects.filter(recipient=user, audience=Notification.Channel.STAFF)
        .select_related("support_request")
        .order_by("-created_at")[:limit]
    )


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(
        recipient=user, audience=Notification.Channel.STAFF, read_at__isnull=True
    ).count()


def capacity_alert_count(*, user) -> int:
    """Open requests whose promise had to be widened for lack of capacity (managers only)."""
    if not user.has_perm(MANAGE_PERMISSION):
        return 0
    return SlaState.objects.filter(
        capacity_alert=True, support_request__status__in=["new", "triaged", "acknowledged"]
    ).count()


def sla_state_for_request(*, support_request) -> SlaState | None:
    return SlaState.objects.filter(support_request=support_request).first()


def sla_config_list_for_manager(*, user):
    if not user.has_perm(MANAGE_PERMISSION):
        raise PermissionDenied("This page is for support managers.")
    return SlaConfig.objects.select_related("created_by").order_by("-version")
