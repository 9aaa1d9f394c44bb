"""The SLA escalation benchmark (``manage.py sla_bench``): build a scenario of unacknowledged
Emergency requests whose acknowledgement deadlines fall due over the next minutes, watch the
page_backup notifications appear while a real worker and beat sweep, and measure lateness,
misses, duplicates and the sweep's cost.

Lateness is measured two ways, because ``Notification.created_at`` is the sweep's start
``now``: *recorded* (``created_at - due``) under-reports when a sweep runs long, *visible*
(first poll that saw the committed row ``- due``) is what a person waiting for the page sees.
The scenario's due times are the engine's acknowledgement deadlines, independent of what the
sweep wrote, so a sweep that recorded a wrong ``due_at`` shows up as a mismatch."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from portal.models import Membership, Organization, RequestEvent, SupportRequest
from portal.services import staff_groups_ensure
from triage import sla_services
from triage.engine import Tier
from triage.engine import clock as engine_clock
from triage.models import Notification, RotaOverride, SlaState

BENCH_ORGANIZATION = "SLA bench (manage.py sla_bench)"
BENCH_EMAIL_DOMAIN = "sla-bench.invalid"
PAGE_BACKUP = "page_backup"
ROOT = Path(__file__).resolve().parent.parent
Progress = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class Scenario:
    """What was created: the bench organization and, per request id, its acknowledgement
    deadline as the engine computes it."""

    organization_id: int
    due: dict[int, datetime]
    start: datetime

    @property
    def last_due(self) -> datetime:
        return max(self.due.values())


@dataclasses.dataclass(frozen=True)
class Stats:
    p50: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: list[float]) -> Stats | None:
        if not values:
            return None
        return cls(p50=percentile(values, 50), p99=percentile(values, 99), max=max(values))


@dataclasses.dataclass(frozen=True)
class SweepRun:
    """One ``triage.tasks.sla_sweep`` run as the worker logged it."""

    runtime: float
    processed: int
    notifications: int


@dataclasses.dataclass(frozen=True)
class BenchResult:
    requests: int
    paged: int
    missed: int
    duplicated: int
    due_mismatch: int
    lateness_recorded: Stats | None
    lateness_visible: Stats | None
    sweeps: int
    sweeps_expired: int
    sweep_runtime: Stats | None
    rows_per_sweep_mean: float
    rows_per_sweep_max: int
    ms_per_row: float | None
    notifications_by_stage: dict[str, int]

    def goal_met(self, p99_seconds: float = 15.0) -> bool:
        late = self.lateness_visible or self.lateness_recorded
        return (
            self.missed == 0
            and self.duplicated == 0
            and late is not None
            and late.p99 <= p99_seconds
        )

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["goal_met"] = self.goal_met()
        return data


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q % of the values at or
    below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


# -- the scenario -------------------------------------------------------------------------------


def _bench_users():
    User = get_user_model()
    groups = staff_groups_ensure()
    people = {}
    for role, group in (
        ("primary", "agent"),
        ("backup", "agent"),
        ("manager", "manager"),
        ("requester", None),
    ):
        email = f"{role}@{BENCH_EMAIL_DOMAIN}"
        user = User.objects.create_user(username=email, email=email, password=None)
        if group:
            user.groups.add(groups[group])
        people[role] = user
    return people


def _state_row(
    support_request_id: int, submitted_at: datetime, setup, account
) -> tuple[SlaState, datetime]:
    """The timer row exactly as ``sla_refresh`` computes it at submission (same engine calls,
    no notifications yet), and the acknowledgement deadline. ``sla_refresh`` itself cannot
    run here: the submissions lie in the future, and the engine refuses a log that starts
    after ``now``."""
    events = [
        engine_clock.Submitted(at=submitted_at, tier=Tier.EMERGENCY),
        engine_clock.StatusChanged(at=submitted_at, status=SupportRequest.Status.TRIAGED),
    ]
    clocks = engine_clock.recompute_clocks(
        events,
        policy=setup.targets,
        calendar=setup.calendar,
        now=submitted_at,
        account=account,
    )
    next_check = None
    for clock in clocks.clocks:
        step = engine_clock.next_step(clock, submitted_at, setup.ladder)
        candidate = step.due_at if step.stage is not None else step.next_check_at
        if candidate is not None and (next_check is None or candidate < next_check):
            next_check = candidate
    running = [
        c
        for c in clocks.clocks
        if c.kind.value in sla_services.SLA_CLOCKS and c.due_at and not c.is_stopped
    ]
    nearest = min(running, key=lambda c: c.due_at)
    acknowledge = clocks.get(engine_clock.ClockKind.ACKNOWLEDGE)
    state = SlaState(
        support_request_id=support_request_id,
        next_check_at=next_check,
        next_deadline_at=nearest.due_at,
        next_deadline_kind=nearest.kind.value,
        clocks=[
            {
                "kind": c.kind.value,
                "status": c.status.value,
                "due_at": c.due_at.isoformat() if c.due_at else None,
            }
            for c in clocks.clocks
        ],
        config_version=setup.version,
        updated_at=submitted_at,
    )
    return state, acknowledge.due_at


def bench_populate(
    *,
    requests: int,
    minutes: float,
    start: datetime,
    seed: int = 1,
    progress: Progress = lambda _: None,
    batch: int = 1000,
) -> Scenario:
    """Create ``requests`` open, unacknowledged Emergency requests in a dedicated
    organization, with their event logs (submitted, tier_changed → emergency, status_changed
    new → triaged) and timer rows, whose acknowledgement deadlines fall due at uniformly
    random times in [start, start + minutes). Bulk inserts, in batches, committed as it goes.
    """
    bench_cleanup(progress=progress)
    setup = sla_services.sla_setup_get()
    ack_window = timedelta(minutes=setup.targets.for_tier(Tier.EMERGENCY).acknowledge.minutes)
    organization = Organization.objects.create(
        name=BENCH_ORGANIZATION,
        email_domain=BENCH_EMAIL_DOMAIN,
        plan_tier=Organization.PlanTier.BUSINESS,
        timezone="Europe/Berlin",
        country="DE",
    )
    account = sla_services._account(SupportRequest(organization=organization))
    people = _bench_users()
    Membership.objects.create(user=people["requester"], organization=organization)
    horizon = start + timedelta(minutes=minutes)
    RotaOverride.objects.create(
        starts_at=start - timedelta(hours=1),
        ends_at=horizon + timedelta(hours=1),
        primary=people["primary"],
        backup=people["backup"],
        note="sla_bench",
    )
    rng = random.Random(seed)
    offsets = sorted(rng.uniform(0, minutes * 60) for _ in range(requests))
    due: dict[int, datetime] = {}
    began = time.monotonic()
    for first in range(0, requests, batch):
        submitted = [
            start + timedelta(seconds=offset) - ack_window
            for offset in offsets[first : first + batch]
        ]
        with transaction.atomic():
            rows = SupportRequest.objects.bulk_create(
                SupportRequest(
                    organization=organization,
                    requester=people["requester"],
                    subject=f"SLA bench {first + n}: production down, 502 for everyone",
                    body="Our whole production dashboard returns 502 for all users.",
                    production_affected=True,
                    users_affected=80,
                    workaround_available=False,
                    claimed_urgency=SupportRequest.ClaimedUrgency.CRITICAL,
                    status=SupportRequest.Status.TRIAGED,
                    tier=SupportRequest.Tier.EMERGENCY,
                    created_at=at,
                    updated_at=at,
                )
                for n, at in enumerate(submitted)
            )
            events = []
            states = []
            for row in rows:
                at = row.created_at
                events += [
                    RequestEvent(
                        support_request=row,
                        kind=RequestEvent.Kind.SUBMITTED,
                        actor=people["requester"],
                        at=at,
                        data={"claimed_urgency": "critical", "call_requested": False},
                    ),
                    RequestEvent(
                        support_request=row,
                        kind=RequestEvent.Kind.TIER_CHANGED,
                        at=at,
                        data={"from": None, "to": SupportRequest.Tier.EMERGENCY},
                    ),
                    RequestEvent(
                        support_request=row,
                        kind=RequestEvent.Kind.STATUS_CHANGED,
                        at=at,
                        data={"from": "new", "to": "triaged"},
                    ),
                ]
                state, due[row.pk] = _state_row(row.pk, at, setup, account)
                states.append(state)
            RequestEvent.objects.bulk_create(events)
            SlaState.objects.bulk_create(states)
        progress(
            f"created {min(first + batch, requests)}/{requests} requests "
            f"({time.monotonic() - began:.1f} s)"
        )
    return Scenario(organization_id=organization.pk, due=due, start=start)


def bench_cleanup(*, progress: Progress = lambda _: None) -> int:
    """Delete everything a bench run created (its organization, requests with their events,
    timer rows and notifications, its users and rota override). Returns the requests removed."""
    organization = Organization.objects.filter(name=BENCH_ORGANIZATION).first()
    removed = 0
    with transaction.atomic():
        if organization is not None:
            removed, _ = SupportRequest.objects.filter(organization=organization).delete()
            Membership.objects.filter(organization=organization).delete()
            organization.delete()
        RotaOverride.objects.filter(note="sla_bench").delete()
        get_user_model().objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}").delete()
    if organization is not None:
        progress("removed the previous bench data")
    return removed


# -- watching -----------------------------------------------------------------------------------


class PageWatch:
    """Polls for committed page_backup notifications of the scenario and remembers when each
    was first seen: the wall-clock time a person could see the page (an upper bound, at most
    one poll interval late)."""

    def __init__(self, scenario: Scenario) -> None:
        self.low, self.high = min(scenario.due), max(scenario.due)
        self.seen_at: dict[int, datetime] = {}

    def poll(self, now: datetime | None = None) -> int:
        """Record the pages visible now; returns how many are new."""
        now = now or timezone.now()
        pks = Notification.objects.filter(
            stage=PAGE_BACKUP, support_request__gte=self.low, support_request__lte=self.high
        ).values_list("pk", flat=True)
        new = [pk for pk in pks if pk not in self.seen_at]
        for pk in new:
            self.seen_at[pk] = now
        return len(new)


_SWEEP_OK = re.compile(
    r"triage\.tasks\.sla_sweep\[[^\]]+\] succeeded in ([0-9.eE+-]+)s: "
    r"\{'processed': (\d+), 'notifications': (\d+)[^}]*\}"
)
_SWEEP_EXPIRED = re.compile(r"(?:Discarding revoked task|expired).*triage\.tasks\.sla_sweep")


def sweeps_from_log(text: str) -> tuple[list[SweepRun], int]:
    """The sweep runs in a Celery worker log ("succeeded in Xs: {...}") and the number of
    sweep tasks discarded because they expired in the queue."""
    runs = [
        SweepRun(runtime=float(m[1]), processed=int(m[2]), notifications=int(m[3]))
        for m in _SWEEP_OK.finditer(text)
    ]
    return runs, len(_SWEEP_EXPIRED.findall(text))


# -- measuring ----------------------------------------------------------------------------------


def bench_measure(
    *,
    scenario: Scenario,
    seen_at: dict[int, datetime],
    sweeps: list[SweepRun],
    sweeps_expired: int = 0,
) -> BenchResult:
    """Compare every request's page_backup notifications with its deadline.

    missed: requests without a page_backup; duplicated: requests with two page_backup rows for
    one recipient; due_mismatch: pages whose recorded due_at is not the engine's deadline.
    Visible lateness uses ``seen_at`` (notification pk → first seen); pages never seen by the
    poll fall back to their ``created_at``."""
    low, high = min(scenario.due), max(scenario.due)
    pages = list(
        Notification.objects.filter(
            stage=PAGE_BACKUP, support_request__gte=low, support_request__lte=high
        )
        .order_by("created_at", "pk")
        .values_list("pk", "support_request_id", "recipient_id", "due_at", "created_at")
    )
    first: dict[int, tuple] = {}
    per_recipient: Counter = Counter()
    mismatch = 0
    for pk, request_id, recipient_id, due_at, created_at in pages:
        per_recipient[(request_id, recipient_id)] += 1
        first.setdefault(request_id, (pk, created_at))
        if due_at != scenario.due[request_id]:
            mismatch += 1
    recorded, visible = [], []
    for request_id, (pk, created_at) in first.items():
        deadline = scenario.due[request_id]
        recorded.append((created_at - deadline).total_seconds())
        visible.append((seen_at.get(pk, created_at) - deadline).total_seconds())
    duplicated = len({request_id for (request_id, _), n in per_recipient.items() if n > 1})
    stages = dict(
        Notification.objects.filter(support_request__gte=low, support_request__lte=high)
        .values_list("stage")
        .annotate(n=Count("pk"))
        .order_by("stage")
    )
    busy = [s for s in sweeps if s.processed]
    return BenchResult(
        requests=len(scenario.due),
        paged=len(first),
        missed=len(set(scenario.due) - set(first)),
        duplicated=duplicated,
        due_mismatch=mismatch,
        lateness_recorded=Stats.of(recorded),
        lateness_visible=Stats.of(visible),
        sweeps=len(sweeps),
        sweeps_expired=sweeps_expired,
        sweep_runtime=Stats.of([s.runtime for s in sweeps]),
        rows_per_sweep_mean=round(sum(s.processed for s in busy) / len(busy), 1) if busy else 0,
        rows_per_sweep_max=max((s.processed for s in sweeps), default=0),
        ms_per_row=(
            round(1000 * sum(s.runtime for s in busy) / sum(s.processed for s in busy), 2)
            if busy
            else None
        ),
        notifications_by_stage=stages,
    )


COMPARISON = (
    "For comparison: Zendesk and Freshdesk time-based rules run hourly (lateness up to "
    "3600 s); django-helpdesk escalates from a daily cron job (lateness up to days)."
)


def bench_table(result: BenchResult, *, title: str) -> str:
    def fmt(stats: Stats | None) -> str:
        if stats is None:
            return "n/a"
        return f"{stats.p50:8.2f} {stats.p99:8.2f} {stats.max:8.2f}"

    runtime = result.sweep_runtime
    lines = [
        title,
        f"{'lateness (s)':<34}{'p50':>8} {'p99':>8} {'max':>8}",
        f"{'  visible (row committed, polled)':<34}{fmt(result.lateness_visible)}",
        f"{'  recorded (created_at = sweep now)':<34}{fmt(result.lateness_recorded)}",
        f"{'requests / paged':<34}{result.requests} / {result.paged}",
        f"{'missed':<34}{result.missed}",
        f"{'duplicated':<34}{result.duplicated}",
        f"{'due_at mismatches':<34}{result.due_mismatch}",
        f"{'sweeps run / expired in queue':<34}{result.sweeps} / {result.sweeps_expired}",
        f"{'sweep runtime (s) p50 p99 max':<34}{fmt(runtime)}",
        f"{'rows per busy sweep mean / max':<34}"
        f"{result.rows_per_sweep_mean} / {result.rows_per_sweep_max}",
        f"{'ms per row':<34}{result.ms_per_row}",
        f"{'notifications by stage':<34}"
        + ", ".join(f"{k} {v}" for k, v in result.notifications_by_stage.items()),
        f"{'goal (p99 <= 15 s, 0 missed, 0 dup)':<34}{'met' if result.goal_met() else 'MISSED'}",
        COMPARISON,
    ]
    return "\n".join(lines)


# -- the real worker and beat ---------------------------------------------------------------------


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class CeleryProcesses:
    """A real worker and a real beat as subprocesses on the configured database and broker,
    logging to files in a temporary directory. Email goes to Django's dummy backend (the
    benchmark measures escalation, not SMTP)."""

    def __init__(self, *, sweep_seconds: float, pool: str, concurrency: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="sla-bench-"))
        self.worker_log = self.dir / "worker.log"
        self.sla_worker_log = self.dir / "sla-worker.log"
        self.beat_log = self.dir / "beat.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "TRIAGE_SWEEP_SECONDS": str(sweep_seconds),
            "TRIAGE_EMBEDDER": "none",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "LOG_LEVEL": "INFO",
        }
        self.args = {"pool": pool, "concurrency": concurrency}
        self.processes: list[subprocess.Popen] = []

    def _start(self, args: list[str], log: Path) -> None:
        handle = log.open("w")
        self.processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal", *args],
                cwd=ROOT,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        )
        handle.close()

    def start(self) -> None:

        _purge_all()  # tasks a previous run left in the queues
        self._start(
            [
                "worker",
                "-Q",
                "celery",
                f"--pool={self.args['pool']}",
                f"--concurrency={self.args['concurrency']}",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
            self.worker_log,
        )
        # The sweep's own queue and worker, as in production (settings.CELERY_TASK_ROUTES).
        self._start(
            [
                "worker",
                "-Q",
                "sla",
                "--pool=prefork",
                "--concurrency=2",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
                "-n",
                "sla@%h",
            ],
            self.sla_worker_log,
        )
        self._start(
            ["beat", "--loglevel=INFO", f"--schedule={self.dir / 'beat-schedule'}"],
            self.beat_log,
        )

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.processes)

    def stop(self) -> None:
        for process in reversed(self.processes):  # beat first: no new sweeps
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        _purge_all()

    def worker_text(self) -> str:
        return "".join(
            log.read_text(errors="replace")
            for log in (self.worker_log, self.sla_worker_log)
            if log.exists()
        )


def _purge_all() -> None:
    from portal.celery import app

    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in ("celery", "sla"):
            # a queue that was never declared has nothing to purge
            with contextlib.suppress(Exception):
                channel.queue_purge(queue)


def task_counts(text: str) -> dict[str, int]:
    """Succeeded and failed task runs per task name in a worker log."""
    counts: dict[str, int] = defaultdict(int)
    for name, outcome in re.findall(r"Task ([\w.]+)\[[^\]]+\] (succeeded|raised|retry)", text):
        counts[f"{name.rsplit('.', 1)[-1]} {outcome}"] += 1
    return dict(sorted(counts.items()))
