"""Writes: every state change of a request happens here, inside a transaction, with its
event appended to the request's log. Emails are enqueued after commit."""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from portal.models import Membership, Message, Organization, RequestEvent, SupportRequest
from portal.roles import GROUP_PERMISSIONS, is_agent

logger = logging.getLogger(__name__)


class ServiceError(Exception):
    """An action the current state does not allow; the message is safe to show to the user."""


Status = SupportRequest.Status

# Status changes an agent may make by hand: from → allowed targets.
AGENT_STATUS_TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.TRIAGED, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED},
    Status.TRIAGED: {Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED},
    Status.ACKNOWLEDGED: {Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED},
    Status.WAITING_ON_CUSTOMER: {Status.ACKNOWLEDGED, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.ACKNOWLEDGED, Status.CLOSED},
    Status.CLOSED: set(),
}


def _event(
    *, support_request: SupportRequest, kind: str, actor, at: datetime, **data
) -> RequestEvent:
    return RequestEvent.objects.create(
        support_request=support_request, kind=kind, actor=actor, at=at, data=data
    )


def _set_status(
    *, support_request: SupportRequest, status: str, actor, now: datetime, **data
) -> None:
    previous = support_request.status
    if previous == status:
        return
    support_request.status = status
    if status == Status.RESOLVED:
        support_request.resolved_at = now
    elif previous == Status.RESOLVED:
        support_request.resolved_at = None
    _event(
        support_request=support_request,
        kind=RequestEvent.Kind.STATUS_CHANGED,
        actor=actor,
        at=now,
        **{"from": previous, "to": status, **data},
    )


def _lock(support_request: SupportRequest) -> SupportRequest:
    return SupportRequest.objects.select_for_update().get(pk=support_request.pk)


def staff_groups_ensure() -> dict[str, Group]:
    """Create the staff groups with their permissions if missing (after a database flush)."""
    groups = {}
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label__in=["portal", "triage"], codename__in=codenames
            )
        )
        groups[name] = group
    return groups


def membership_create_for_signup(*, user) -> Membership | None:
    """Join a newly signed-up user to the organization that owns their email domain, if any."""
    domain = user.email.rpartition("@")[2].lower()
    organization = Organization.objects.filter(email_domain__iexact=domain).first()
    if organization is None or not domain:
        return None
    membership, _ = Membership.objects.get_or_create(
        user=user, defaults={"organization": organization, "role": Membership.Role.REQUESTER}
    )
    return membership


@transaction.atomic
def support_request_submit(
    *,
    requester,
    subject: str,
    body: str,
    product_area: str = SupportRequest.ProductArea.GENERAL,
    production_affected: bool = False,
    users_affected: int | None = None,
    workaround_available: bool | None = None,
    claimed_urgency: str = SupportRequest.ClaimedUrgency.NORMAL,
    call_requested: bool = False,
    now: datetime | None = None,
) -> SupportRequest:
    """Create a request in the requester's organization and log its submission.

    Raises ServiceError when the user belongs to no organization."""
    now = now or timezone.now()
    membership = Membership.objects.select_related("organization").filter(user=requester).first()
    if membership is None:
        raise ServiceError("Your account is not linked to an organization yet.")
    support_request = SupportRequest.objects.create(
        organization=membership.organization,
        requester=requester,
        subject=subject.strip(),
        body=body.strip(),
        product_area=product_area,
        production_affected=production_affected,
        users_affected=users_affected,
        workaround_available=workaround_available,
        claimed_urgency=claimed_urgency,
        call_requested=call_requested,
        status=Status.NEW,
        created_at=now,
        updated_at=now,
    )
    _event(
        support_request=support_request,
        kind=RequestEvent.Kind.SUBMITTED,
        actor=requester,
        at=now,
        claimed_urgency=claimed_urgency,
        call_requested=call_requested,
    )
    _assess(support_request=support_request, trigger="submitted", now=now)
    _sla_refresh(support_request, now)
    from portal.enqueue import enqueue_after_commit
    from portal.tasks import email_requester_request_received

    enqueue_after_commit(email_requester_request_received, support_request.pk)
    return support_request


def _sla_refresh(support_request: SupportRequest, now: datetime) -> None:
    """Recompute the request's SLA timer row from its event log (inside the caller's
    transaction, so the row and the log never disagree)."""
    from triage.sla_services import sla_refresh

    sla_refresh(support_request=support_request, now=now)


def _assess(*, support_request: SupportRequest, trigger: str, now: datetime) -> None:
    """Run triage inside a savepoint: if it fails, the request and the message are still saved
    (an agent then sees an untriaged request) and the failure is logged."""
    from triage.services import assessment_run

    try:
        with transaction.atomic():
            assessment_run(support_request=support_request, trigger=trigger, now=now)
    except Exception:
        logger.exception("triage failed for request %s", support_request.pk)


@transaction.atomic
def message_post(
    *,
    support_request: SupportRequest,
    author,
    body: str,
    internal: bool = False,
    notify: bool = True,
    now=None,
) -> Message:
    """Add a customer reply, an agent reply or (staff only) an internal note.

    A customer reply to a request waiting on them hands it back to the team; a customer reply
    to a resolved request reopens it. An agent reply emails the requester after commit unless
    ``notify`` is off (imports and demo data).
    Raises ServiceError on a closed request or a note from a customer."""
    now = now or timezone.now()
    locked = _lock(support_request)
    if locked.status == Status.CLOSED:
        raise ServiceError("This request is closed. Please open a new request.")
    staff = is_agent(author)
    if internal and not staff:
        raise ServiceError("Only the support team can write internal notes.")
    if internal:
        kind = Message.Kind.INTERNAL_NOTE
    elif staff and author != locked.requester:
        kind = Message.Kind.AGENT
    else:
        kind = Message.Kind.CUSTOMER
    message = Message.objects.create(
        support_request=locked, author=author, kind=kind, body=body.strip(), created_at=now
    )
    _event(
        support_request=locked,
        kind=RequestEvent.Kind.NOTE_ADDED if internal else RequestEvent.Kind.MESSAGE_ADDED,
        actor=author,
        at=now,
        message_id=message.pk,
        message_kind=kind,
    )
    if kind == Message.Kind.CUSTOMER and locked.status in (
        Status.WAITING_ON_CUSTOMER,
        Status.RESOLVED,
    ):
        back_to = Status.ACKNOWLEDGED if locked.acknowledged_at else Status.NEW
        _set_status(support_request=locked, status=back_to, actor=author, now=now)
    locked.updated_at = now
    locked.save(update_fields=["status", "resolved_at", "updated_at"])
    if kind == Message.Kind.CUSTOMER:
        _assess(support_request=locked, trigger="customer_message", now=now)
    _sla_refresh(locked, now)
    if kind == Message.Kind.AGENT and notify:
        from portal.enqueue import enqueue_after_commit
        from portal.tasks import email_requester_agent_replied

        enqueue_after_commit(email_requester_agent_replied, message.pk)
    support_request.refresh_from_db()
    return message


@transaction.atomic
def support_request_acknowledge(*, support_request: SupportRequest, agent, now=None) -> bool:
    """Record the first human acknowledgement. Idempotent: returns False (and logs nothing)
    when the request was already acknowledged."""
    now = now or timezone.now()
    if not is_agent(agent):
        raise ServiceError("Only the support team can acknowledge requests.")
    locked = _lock(support_request)
    if locked.acknowledged_at is not None:
        return False
    if locked.status in (Status.RESOLVED, Status.CLOSED):
        raise ServiceError("This request is already resolved.")
    locked.acknowledged_at = now
    _event(support_request=locked, kind=RequestEvent.Kind.ACKNOWLEDGED, actor=agent, at=now)
    if locked.status in (Status.NEW, Status.TRIAGED):
        _set_status(support_request=locked, status=Status.ACKNOWLEDGED, actor=agent, now=now)
    locked.updated_at = now
    locked.save(update_fields=["acknowledged_at", "status", "updated_at"])
    _sla_refresh(locked, now)
    support_request.refresh_from_db()
    return True


@transaction.atomic
def support_request_assign(*, support_request: SupportRequest, assignee, actor, now=None) -> bool:
    """Assign to an agent. Returns False when it was already theirs."""
    now = now or timezone.now()
    if not is_agent(assignee) or not is_agent(actor):
        raise ServiceError("Requests can only be assigned to members of the support team.")
    locked = _lock(support_request)
    if locked.assignee_id == assignee.pk:
        return False
    previous = locked.assignee_id
    locked.assignee = assignee
    locked.updated_at = now
    locked.save(update_fields=["assignee", "updated_at"])
    _event(
        support_request=locked,
        kind=RequestEvent.Kind.ASSIGNED,
        actor=actor,
        at=now,
        **{"from": previous, "to": assignee.pk},
    )
    _sla_refresh(locked, now)
    support_request.refresh_from_db()
    return True


@transaction.atomic
def support_request_change_status(
    *, support_request: SupportRequest, status: str, actor, now=None
) -> None:
    """Move a request along AGENT_STATUS_TRANSITIONS. Raises ServiceError otherwise."""
    now = now or timezone.now()
    if not is_agent(actor):
        raise ServiceError("Only the support team can change a request's status.")
    locked = _lock(support_request)
    if status not in AGENT_STATUS_TRANSITIONS.get(locked.status, set()):
        raise ServiceError(
            f"A request that is “{locked.get_status_display()}” cannot be moved to "
            f"“{Status(status).label if status in Status.values else status}”."
        )
    _set_status(support_request=locked, status=status, actor=actor, now=now)
    locked.updated_at = now
    locked.save(update_fields=["status", "resolved_at", "updated_at"])
    _sla_refresh(locked, now)
    support_request.refresh_from_db()


@transaction.atomic
def support_request_resolve_by_customer(
    *, support_request: SupportRequest, customer, reason: str, now=None
) -> bool:
    """The customer says their problem is solved (for example by a KB article).
    Returns False when the request was already resolved or closed."""
    now = now or timezone.now()
    locked = _lock(support_request)
    if locked.status in (Status.RESOLVED, Status.CLOSED):
        return False
    _set_status(
        support_request=locked, status=Status.RESOLVED, actor=customer, now=now, reason=reason
    )
    locked.updated_at = now
    locked.save(update_fields=["status", "resolved_at", "updated_at"])
    _sla_refresh(locked, now)
    support_request.refresh_from_db()
    return True


@transaction.atomic
def support_request_close_idle(*, support_request: SupportRequest, now=None) -> bool:
    """Close a request that waited on the customer for too long (the idle timer).
    Returns False when it is no longer waiting on the customer."""
    now = now or timezone.now()
    locked = _lock(support_request)
    if locked.status != Status.WAITING_ON_CUSTOMER:
        return False
    _set_status(support_request=locked, status=Status.CLOSED, actor=None, now=now, reason="idle")
    locked.updated_at = now
    locked.save(update_fields=["status", "updated_at"])
    support_request.refresh_from_db()
    return True
