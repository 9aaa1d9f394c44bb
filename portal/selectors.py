"""Reads and access checks. The ``*_get_for_*`` functions are the only way a view obtains
a request: a missing request and someone else's request raise the same ``Http404``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Case, QuerySet, Value, When
from django.http import Http404

from portal.models import Membership, Message, Organization, RequestEvent, SupportRequest
from portal.roles import is_agent


def membership_get(*, user) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("organization").filter(user=user).first()


def support_request_list_for_customer(*, user) -> QuerySet[SupportRequest]:
    """A requester sees their own requests; an org admin sees the whole organization."""
    membership = membership_get(user=user)
    if membership is None:
        return SupportRequest.objects.none()
    qs = SupportRequest.objects.filter(organization=membership.organization)
    if membership.role != Membership.Role.ORG_ADMIN:
        qs = qs.filter(requester=user)
    return qs.select_related("requester", "assignee").order_by("-created_at")


def support_request_get_for_customer(*, user, pk: int) -> SupportRequest:
    try:
        return (
            support_request_list_for_customer(user=user).select_related("organization").get(pk=pk)
        )
    except SupportRequest.DoesNotExist:
        raise Http404("No such request.") from None


def support_request_get_for_agent(*, user, pk: int) -> SupportRequest:
    if not is_agent(user):
        raise PermissionDenied("This page is for the support team.")
    try:
        return SupportRequest.objects.select_related("organization", "requester", "assignee").get(
            pk=pk
        )
    except SupportRequest.DoesNotExist:
        raise Http404("No such request.") from None


def support_request_queue(
    *, user, status: str | None = None, organization_id: int | None = None
) -> QuerySet[SupportRequest]:
    """Open requests across organizations, nearest deadline first."""
    if not is_agent(user):
        raise PermissionDenied("This page is for the support team.")
    qs = SupportRequest.objects.select_related("organization", "requester", "assignee", "sla")
    qs = qs.filter(status=status) if status else qs.filter(status__in=SupportRequest.OPEN_STATUSES)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    # Most urgent tier first, oldest first within a tier (issue 5 orders by SLA deadline).
    urgency = Case(
        *(
            When(tier=tier, then=Value(rank))
            for rank, tier in enumerate(SupportRequest.Tier.values)
        ),
        default=Value(len(SupportRequest.Tier.values)),
    )
    return qs.order_by(urgency, "created_at", "pk")


def organization_list_for_agent(*, user) -> QuerySet[Organization]:
    if not is_agent(user):
        raise PermissionDenied("This page is for the support team.")
    return Organization.objects.order_by("name")


def message_list_for_customer(*, support_request: SupportRequest) -> QuerySet[Message]:
    """The thread as the customer sees it: internal notes never leave the staff side."""
    return (
        support_request.messages.exclude(kind=Message.Kind.INTERNAL_NOTE)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def message_list_for_agent(*, support_request: SupportRequest) -> QuerySet[Message]:
    return support_request.messages.select_related("author").order_by("created_at", "pk")


def event_list_for_agent(*, support_request: SupportRequest) -> QuerySet[RequestEvent]:
    return support_request.events.select_related("actor").order_by("at", "pk")
