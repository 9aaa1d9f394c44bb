"""The SLA benchmark's scenario and measurements, on a tiny scenario swept directly with a
controlled clock (the real worker and beat are what ``manage.py sla_bench`` adds)."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from portal.models import SupportRequest
from triage import bench_sla, sla_services, tasks
from triage.models import Notification, RotaOverride, SlaState

pytestmark = pytest.mark.django_db

# Thursday 3 Dec 2026, 10:00 in Berlin.
T = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
EVERY = timedelta(seconds=5)


def _sweep_every_5_seconds(scenario, *, until):
    """Sweep at T-20 s, T-15 s, … up to ``until``, polling right after each sweep as the
    command does; the broker is the boundary (stale re-deliveries are not sent)."""
    watch = bench_sla.PageWatch(scenario)
    runs = []
    now = T - timedelta(seconds=20)
    with mock.patch.object(tasks.notification_deliver, "apply_async"):
        while now <= until:
            result = sla_services.sla_sweep(now=now)
            runs.append(bench_sla.SweepRun(runtime=0.0, **result))
            watch.poll(now)
            now += EVERY
    return watch, runs


def _lateness(due: datetime) -> float:
    """Seconds from ``due`` to the first sweep at or after it (sweeps at T + 5 k seconds)."""
    waited = (due - T) % EVERY
    return (EVERY - waited).total_seconds() if waited else 0.0


def test_populate_creates_due_emergencies_with_the_timer_rows_sla_refresh_computes():
    # when
    scenario = bench_sla.bench_populate(requests=5, minutes=20 / 60, start=T, seed=7)
    # then: five triaged Emergency requests, acknowledgement due in [T, T + 20 s)
    requests = SupportRequest.objects.filter(organization_id=scenario.organization_id)
    assert requests.count() == 5
    assert set(requests.values_list("tier", "status")) == {("emergency", "triaged")}
    assert all(T <= due < T + timedelta(seconds=20) for due in scenario.due.values())
    assert RotaOverride.objects.filter(note="sla_bench").count() == 1
    # then: each bulk-made timer row equals what sla_refresh computes at submission
    for support_request in requests:
        bulk = SlaState.objects.get(support_request=support_request)
        assert scenario.due[support_request.pk] == support_request.created_at + timedelta(minutes=1)
        fresh = sla_services.sla_refresh(
            support_request=support_request, now=support_request.created_at
        )
        assert (bulk.next_check_at, bulk.next_deadline_at, bulk.next_deadline_kind) == (
            fresh.next_check_at,
            fresh.next_deadline_at,
            fresh.next_deadline_kind,
        )
        assert bulk.next_check_at == support_request.created_at + timedelta(minutes=1)


def test_measure_reports_exact_lateness_no_miss_and_no_duplicate():
    # given
    scenario = bench_sla.bench_populate(requests=5, minutes=20 / 60, start=T, seed=7)
    # when: sweeps every 5 s until every deadline passed, then once more (a repeat is a no-op)
    watch, runs = _sweep_every_5_seconds(scenario, until=T + timedelta(seconds=20))
    again = sla_services.sla_sweep(now=T + timedelta(seconds=20))
    result = bench_sla.bench_measure(scenario=scenario, seen_at=watch.seen_at, sweeps=runs)
    # then
    expected = bench_sla.Stats.of([_lateness(due) for due in scenario.due.values()])
    assert again == {"processed": 0, "notifications": 0}
    assert (result.requests, result.paged, result.missed, result.duplicated) == (5, 5, 0, 0)
    assert result.due_mismatch == 0
    assert result.lateness_recorded == expected
    assert result.lateness_visible == expected
    assert 0 <= expected.max < 5
    assert result.notifications_by_stage == {"breach": 5, "page_backup": 5}
    assert result.sweeps == len(runs) == 9
    assert sum(run.processed for run in runs) == 5  # each request once: its page and breach
    assert result.rows_per_sweep_max == max(run.processed for run in runs)
    pages = Notification.objects.filter(stage="page_backup")
    assert set(pages.values_list("recipient__email", flat=True)) == {"backup@sla-bench.invalid"}


def test_measure_counts_requests_whose_page_never_came_as_missed():
    # given
    scenario = bench_sla.bench_populate(requests=5, minutes=20 / 60, start=T, seed=7)
    cutoff = T + timedelta(seconds=10)
    # when: the sweeps stop early
    watch, runs = _sweep_every_5_seconds(scenario, until=cutoff)
    result = bench_sla.bench_measure(scenario=scenario, seen_at=watch.seen_at, sweeps=runs)
    # then
    late = sum(1 for due in scenario.due.values() if due > cutoff)
    assert late > 0
    assert (result.paged, result.missed, result.duplicated) == (5 - late, late, 0)
    assert not result.goal_met()


def test_cleanup_removes_everything_the_bench_created():
    bench_sla.bench_populate(requests=3, minutes=1, start=T)
    assert bench_sla.bench_cleanup() == 3 + 3 * 3 + 3  # requests, their events, timer rows
    assert not SupportRequest.objects.exists()
    assert not RotaOverride.objects.exists()


def test_sweep_runs_and_expired_sweeps_are_read_from_the_worker_log():
    log = (
        "[2026-12-03 09:00:05,120: INFO/ForkPoolWorker-1] Task triage.tasks.sla_sweep"
        "[0f1e] succeeded in 2.5s: {'processed': 40, 'notifications': 60}\n"
        "[2026-12-03 09:00:05,130: INFO/ForkPoolWorker-2] Task triage.tasks."
        "notification_deliver[1a2b] succeeded in 0.01s: None\n"
        "[2026-12-03 09:00:10,004: INFO/MainProcess] Discarding revoked task: "
        "triage.tasks.sla_sweep[2c3d]\n"
        "[2026-12-03 09:00:10,120: INFO/ForkPoolWorker-1] Task triage.tasks.sla_sweep"
        "[4e5f] succeeded in 0.004s: {'processed': 0, 'notifications': 0}\n"
    )
    runs, expired = bench_sla.sweeps_from_log(log)
    assert runs == [
        bench_sla.SweepRun(runtime=2.5, processed=40, notifications=60),
        bench_sla.SweepRun(runtime=0.004, processed=0, notifications=0),
    ]
    assert expired == 1
    assert bench_sla.task_counts(log) == {
        "notification_deliver succeeded": 1,
        "sla_sweep succeeded": 2,
    }


@pytest.mark.parametrize(
    ("_case", "q", "expected"),
    [("median", 50, 5.0), ("p99 of ten is the max", 99, 10.0), ("p10", 10, 1.0)],
)
def test_percentile_is_nearest_rank(_case, q, expected):
    assert bench_sla.percentile([float(n) for n in range(10, 0, -1)], q) == expected
