"""SLA clocks as rows: the promise, the sweep acting exactly once, the ladder, idle close,
the queue by deadline, in-app notifications and recovery after a broker outage."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse

from portal import services
from portal.models import SupportRequest
from tests.factories import OrganizationFactory, customer, staff
from triage import sla_services
from triage.models import Notification, RotaOverride, SlaState

pytestmark = pytest.mark.django_db

# Thursday 3 Dec 2026, 10:00 in Berlin: inside business hours.
T = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
OUTAGE = {
    "subject": "Production down: dashboard returns 502 for everyone",
    "body": "Since 09:50 our whole production dashboard returns 502 for all 80 users. "
    "No workaround.",
    "production_affected": True,
    "users_affected": 80,
    "workaround_available": False,
}


@pytest.fixture
def team():
    primary = staff(email="primary@callgate.test")
    backup = staff(email="backup@callgate.test")
    manager = staff("manager", email="boss@callgate.test")
    RotaOverride.objects.create(
        starts_at=T - timedelta(days=1),
        ends_at=T + timedelta(days=1),
        primary=primary,
        backup=backup,
    )
    return primary, backup, manager


def _emergency(now=T):
    requester = customer(OrganizationFactory(timezone="Europe/Berlin"))
    support_request = services.support_request_submit(requester=requester, now=now, **OUTAGE)
    assert support_request.tier == "emergency"
    return support_request


def _pages(support_request):
    return sorted(
        support_request.notifications.filter(stage__startswith="page").values_list(
            "stage", "recipient__email"
        )
    )


def test_submission_creates_a_timer_row_and_a_concrete_promise(client, team):
    # given
    support_request = _emergency()
    # when
    state = SlaState.objects.get(support_request=support_request)
    client.force_login(support_request.requester)
    page = client.get(support_request.get_absolute_url()).content.decode()
    partial = client.get(
        reverse("request_sla", args=[support_request.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    # then: Emergency is acknowledged within a minute, 24×7
    assert state.next_check_at == T + timedelta(minutes=1)
    assert state.next_deadline_at == T + timedelta(minutes=1)
    assert state.promise["text"].startswith("by 10:01 CET")
    assert "You will hear from a person by 10:01 CET" in page
    assert partial.lstrip().startswith('<section id="sla-status"')


def test_sweep_before_the_deadline_does_nothing(team):
    _emergency()
    result = sla_services.sla_sweep(now=T + timedelta(seconds=59))
    assert result == {"processed": 0, "notifications": 0}
    assert Notification.objects.count() == 0


def test_unacknowledged_emergency_pages_backup_then_manager_exactly_once(team):
    # given
    primary, backup, manager = team
    support_request = _emergency()
    # when: the acknowledgement window passes, and the sweep runs twice
    first = sla_services.sla_sweep(now=T + timedelta(minutes=1, seconds=2))
    second = sla_services.sla_sweep(now=T + timedelta(minutes=1, seconds=3))
    # then
    assert first["notifications"] >= 1 and second["notifications"] == 0
    assert _pages(support_request) == [("page_backup", "backup@callgate.test")]
    notification = Notification.objects.get(stage="page_backup")
    assert notification.due_at == T + timedelta(minutes=1)
    assert notification.key.startswith(f"{support_request.pk}:")
    # when: still nobody acknowledges — the manager is paged 4 minutes later
    sla_services.sla_sweep(now=T + timedelta(minutes=5, seconds=1))
    sla_services.sla_sweep(now=T + timedelta(minutes=5, seconds=2))
    assert _pages(support_request) == [
        ("page_backup", "backup@callgate.test"),
        ("page_manager", "boss@callgate.test"),
    ]


def test_acknowledging_in_time_stops_the_ladder(team):
    primary, *_ = team
    support_request = _emergency()
    services.support_request_acknowledge(
        support_request=support_request, agent=primary, now=T + timedelta(seconds=40)
    )
    sla_services.sla_sweep(now=T + timedelta(minutes=6))
    assert not support_request.notifications.filter(stage__startswith="page").exists()


def test_idle_customer_gets_a_reminder_then_the_request_closes(team, mailoutbox):
    # given
    primary, *_ = team
    support_request = _emergency()
    services.support_request_acknowledge(support_request=support_request, agent=primary, now=T)
    services.support_request_change_status(
        support_request=support_request, status="waiting_on_customer", actor=primary, now=T
    )
    # when
    sla_services.sla_sweep(now=T + timedelta(minutes=10, seconds=1))
    reminded = support_request.notifications.filter(stage="idle_reminder").count()
    sla_services.sla_sweep(now=T + timedelta(minutes=15, seconds=1))
    # then
    support_request.refresh_from_db()
    assert reminded == 1
    assert support_request.status == "closed"
    close = support_request.notifications.get(stage="idle_close")
    assert close.recipient == support_request.requester and close.audience == "customer"
    assert support_request.events.filter(kind="status_changed", data__reason="idle").count() == 1


def test_queue_is_ordered_by_nearest_deadline_and_shows_time_left(client, team):
    # given
    primary, *_ = team
    calm = services.support_request_submit(
        requester=customer(), subject="How do I export a CSV?", body="Where is the CSV export?"
    )
    emergency = _emergency(now=datetime.now(UTC))
    # when
    client.force_login(primary)
    response = client.get(reverse("agent_queue"))
    # then
    queue = list(response.context["queue"])
    assert queue[:2] == [emergency, calm]
    assert "left" in response.content.decode() or "overdue" in response.content.decode()


def test_in_app_notifications_badge_and_list(client, team):
    _, backup, _ = team
    support_request = _emergency()
    sla_services.sla_sweep(now=T + timedelta(minutes=2))
    client.force_login(backup)
    queue = client.get(reverse("agent_queue"))
    assert queue.context["unread_notifications"] == 1
    page = client.get(reverse("agent_notifications")).content.decode()
    assert "paged as backup" in page and support_request.subject in page
    client.post(reverse("agent_notifications_read"))
    assert client.get(reverse("agent_queue")).context["unread_notifications"] == 0


def test_notification_email_is_sent_once(team, mailoutbox):
    _emergency()
    sla_services.sla_sweep(now=T + timedelta(minutes=2))
    notification = Notification.objects.get(stage="page_backup")
    assert sla_services.notification_deliver(notification_id=notification.pk) is True
    assert sla_services.notification_deliver(notification_id=notification.pk) is False
    assert [m.to for m in mailoutbox] == [["backup@callgate.test"]]


def test_broker_down_at_submission_loses_nothing_and_escalates_after_recovery(
    team, django_capture_on_commit_callbacks
):
    # given: every publish fails
    with (
        mock.patch("celery.app.task.Task.apply_async", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        support_request = _emergency()
    # then: the request, its tier and its promise are saved
    state = SlaState.objects.get(support_request=support_request)
    assert state.promise["text"].startswith("by 10:01")
    # when: the sweep runs after recovery, late
    result = sla_services.sla_sweep(now=T + timedelta(minutes=3))
    # then: the overdue escalation fires at once
    assert result["notifications"] >= 1
    assert _pages(support_request) == [("page_backup", "backup@callgate.test")]


def test_overdue_rows_are_processed_oldest_first(team):
    older = _emergency(now=T)
    newer = _emergency(now=T + timedelta(seconds=30))
    sla_services.sla_sweep(now=T + timedelta(minutes=3), limit=1)
    assert older.notifications.count() >= 1 and newer.notifications.count() == 0


def test_oncall_override_wins_over_the_rota(team):
    from triage.models import RotaSlot

    primary, backup, _ = team
    other = staff()
    RotaSlot.objects.create(weekday=3, start="00:00", end="00:00", primary=other, backup=None)
    assert sla_services.oncall_now(now=T) == (primary, backup)
    RotaOverride.objects.all().delete()
    assert sla_services.oncall_now(now=T) == (other, None)


def test_tier_change_recomputes_from_the_log_without_restarting(team):
    # given: a calm request becomes an emergency 10 minutes later
    primary, *_ = team
    support_request = services.support_request_submit(
        requester=customer(), subject="Question", body="How do I export a CSV report?", now=T
    )
    from triage import services as triage_services

    triage_services.tier_override(
        support_request=support_request,
        agent=primary,
        tier="emergency",
        reason="Customer called: production is down",
        now=T + timedelta(minutes=10),
    )
    # then: the acknowledgement clock counts from submission, so it is already overdue
    state = SlaState.objects.get(support_request=support_request)
    assert state.next_deadline_at == T + timedelta(minutes=1)
    result = sla_services.sla_sweep(now=T + timedelta(minutes=10, seconds=5))
    assert result["notifications"] >= 1
    assert support_request.notifications.filter(stage__in=["page_backup", "page_manager"]).exists()


def test_resolved_request_has_no_pending_timer(team):
    primary, *_ = team
    support_request = _emergency()
    services.support_request_change_status(
        support_request=support_request, status=SupportRequest.Status.RESOLVED, actor=primary, now=T
    )
    state = SlaState.objects.get(support_request=support_request)
    assert (state.next_check_at, state.next_deadline_at, state.promise) == (None, None, {})


def test_heartbeat_reminds_the_assignee_after_ten_quiet_minutes(team):
    # given: an acknowledged, assigned emergency with no activity afterwards
    primary, *_ = team
    support_request = _emergency()
    services.support_request_acknowledge(support_request=support_request, agent=primary, now=T)
    services.support_request_assign(
        support_request=support_request, assignee=primary, actor=primary, now=T
    )
    # when
    sla_services.sla_sweep(now=T + timedelta(minutes=9))
    before = support_request.notifications.filter(stage="heartbeat").count()
    sla_services.sla_sweep(now=T + timedelta(minutes=10, seconds=1))
    sla_services.sla_sweep(now=T + timedelta(minutes=10, seconds=2))
    # then
    heartbeats = support_request.notifications.filter(stage="heartbeat")
    assert before == 0
    assert list(heartbeats.values_list("recipient", flat=True)) == [primary.pk]


def test_pre_breach_warning_comes_before_the_breach_for_an_urgent_request(team):
    # given: an acknowledged Urgent request that nobody answers
    from triage import services as triage_services

    primary, *_ = team
    support_request = services.support_request_submit(
        requester=customer(),
        subject="Exports fail",
        body="The CSV export fails for 12 users.",
        now=T,
    )
    triage_services.tier_override(
        support_request=support_request, agent=primary, tier="urgent", reason="Board meeting", now=T
    )
    services.support_request_acknowledge(support_request=support_request, agent=primary, now=T)
    # when: the sweep runs every 30 s for an hour
    first_seen = {}
    for step in range(120):
        now = T + timedelta(seconds=30 * step)
        sla_services.sla_sweep(now=now)
        for stage in support_request.notifications.values_list("stage", flat=True):
            first_seen.setdefault(stage, now)
    # then
    assert first_seen["warning"] < first_seen["breach"]


def test_emergency_pages_instead_of_warning(team):
    _emergency()
    sla_services.sla_sweep(now=T + timedelta(seconds=50))
    assert Notification.objects.filter(stage="warning").count() == 0


def test_a_sweep_delivers_its_notifications_in_one_batch_task(
    team, mailoutbox, django_capture_on_commit_callbacks
):
    # given: three overdue emergencies
    from tests.conftest import run_inline
    from triage.tasks import notification_deliver_batch

    for _ in range(3):
        _emergency()
    # when
    with (
        run_inline(notification_deliver_batch) as batch,
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = sla_services.sla_sweep(now=T + timedelta(minutes=2))
    # then: one task for the chunk, one email per notification
    assert batch.call_count == 1
    assert len(batch.call_args.kwargs["args"][0]) == result["notifications"]
    assert len(mailoutbox) == result["notifications"] == Notification.objects.count()
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
