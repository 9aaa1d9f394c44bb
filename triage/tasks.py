"""Celery tasks for triage: the SLA sweep (beat), notification delivery, recomputation.
Each takes ids, calls one service, and is safe to run twice."""

import urllib.error

from celery import shared_task
from django.conf import settings

from triage import sla_services


@shared_task(ignore_result=True)
def sla_sweep() -> dict:
    """SLA timers and the call/callback ladder (paging backups, call reminders)."""
    from portal.callback_services import callback_sweep

    return {**sla_services.sla_sweep(), **callback_sweep()}


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def notification_deliver(notification_id: int) -> None:
    sla_services.notification_deliver(notification_id=notification_id)
    if settings.TRIAGE_WEBHOOK_URL:
        notification_webhook.delay(notification_id)


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def notification_deliver_batch(notification_ids: list[int]) -> int:
    """Deliver the notifications one sweep chunk recorded, in one task (a per-notification
    task costs more than the email). Each one is claimed before it is sent, so a retry of the
    batch never emails twice."""
    sent = 0
    for notification_id in notification_ids:
        sent += sla_services.notification_deliver(notification_id=notification_id)
        if settings.TRIAGE_WEBHOOK_URL:
            notification_webhook.delay(notification_id)
    return sent


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, OSError, urllib.error.URLError),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)
def notification_webhook(notification_id: int) -> None:
    sla_services.webhook_post(notification_id=notification_id)


@shared_task
def sla_recompute_open() -> int:
    """After an SLA configuration change: recompute every open request's timer row."""
    from portal.models import SupportRequest

    count = 0
    for support_request in SupportRequest.objects.filter(status__in=SupportRequest.OPEN_STATUSES):
        sla_services.sla_refresh(support_request=support_request)
        count += 1
    return count
