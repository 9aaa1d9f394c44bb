"""Celery tasks: take ids, load, call one service or send one email; safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from portal.models import Message


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def email_requester_agent_replied(message_id: int) -> None:
    """Email the requester that an agent answered. A missing message (deleted, or a rolled-back
    transaction) is not an error."""
    message = (
        Message.objects.select_related("support_request__requester", "author")
        .filter(pk=message_id, kind=Message.Kind.AGENT)
        .first()
    )
    if message is None:
        return
    support_request = message.support_request
    url = reverse("request_detail", args=[support_request.pk])
    send_mail(
        subject=f"[Callgate #{support_request.pk}] New reply: {support_request.subject}",
        message=(
            f"{message.author.get_full_name() or 'Our support team'} replied to your request "
            f"“{support_request.subject}”:\n\n{message.body}\n\n"
            f"Reply or follow the request at {settings.PORTAL_BASE_URL}{url}\n"
        ),
        from_email=None,
        recipient_list=[support_request.requester.email],
    )


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def email_requester_request_received(support_request_id: int) -> None:
    """Confirm a new request to the requester with its tier and the response promise."""
    from portal.models import SupportRequest

    support_request = (
        SupportRequest.objects.select_related("requester", "sla")
        .filter(pk=support_request_id)
        .first()
    )
    if support_request is None:
        return
    promise = getattr(getattr(support_request, "sla", None), "promise", {}) or {}
    lines = [f"We received your request “{support_request.subject}”."]
    if support_request.tier:
        lines.append(f"We assessed it as {support_request.get_tier_display()}.")
    if promise.get("text"):
        lines.append(f"You will hear from us {promise['text']}.")
    url = reverse("request_detail", args=[support_request.pk])
    lines.append(f"Follow it or add details at {settings.PORTAL_BASE_URL}{url}")
    send_mail(
        subject=f"[Callgate #{support_request.pk}] Received: {support_request.subject}",
        message="\n\n".join(lines) + "\n",
        from_email=None,
        recipient_list=[support_request.requester.email],
    )
