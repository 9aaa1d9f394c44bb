"""Enqueue Celery tasks after the transaction commits, without ever failing the request."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task, *args) -> None:
    """Send ``task(*args)`` once the current transaction commits. If the broker is down the
    failure is logged and the caller goes on: the database is the truth, and the SLA sweep
    (or ``manage.py kb_reindex``) catches up when the broker is back."""

    def send() -> None:
        try:
            task.apply_async(args=args, retry=False)
        except Exception:
            logger.warning("broker unavailable: %s%r not enqueued", task.name, args)

    transaction.on_commit(send)
