"""Reads for triage: the latest assessment of a request and the policy history."""

from django.core.exceptions import PermissionDenied

from triage.models import TriagePolicy, UrgencyAssessment
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
