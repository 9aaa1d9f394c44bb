"""Two sweeps at once act once (row locks with SKIP LOCKED plus unique notification keys)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from portal import services
from tests.factories import OrganizationFactory, customer, staff
from tests.triage.sla.test_sla import OUTAGE, T
from triage import sla_services
from triage.models import Notification, RotaOverride


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_escalate_once():
    # given: 20 unacknowledged emergencies, all overdue
    primary, backup = staff(), staff()
    RotaOverride.objects.create(
        starts_at=T - timedelta(days=1),
        ends_at=T + timedelta(days=1),
        primary=primary,
        backup=backup,
    )
    requester = customer(OrganizationFactory())
    requests = [
        services.support_request_submit(requester=requester, now=T, **OUTAGE) for _ in range(20)
    ]
    barrier = threading.Barrier(4)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait()
            results.append(sla_services.sla_sweep(now=T + timedelta(minutes=2)))
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: every request paged its backup exactly once
    assert errors == []
    pages = Notification.objects.filter(stage="page_backup")
    assert pages.count() == 20
    assert sorted(pages.values_list("support_request_id", flat=True)) == sorted(
        r.pk for r in requests
    )
    assert sum(r["notifications"] for r in results) == Notification.objects.count()
