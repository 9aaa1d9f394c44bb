"""``manage.py sla_bench``: escalation lateness of the SLA sweep under load, with a real Celery
worker and beat on the configured database and broker. See triage/bench_sla.py."""

import json
import sys
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from portal.models import SupportRequest
from triage import bench_sla
from triage.models import Notification


class Command(BaseCommand):
    help = (
        "Create N unacknowledged Emergency requests due over the next M minutes, run a real "
        "worker and beat, and report escalation lateness p50/p99/max, misses, duplicates and "
        "the sweep's cost. Use a throwaway database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=10_000)
        parser.add_argument("--minutes", type=float, default=10.0)
        parser.add_argument("--sweep-seconds", type=float, default=5.0)
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--lead-seconds",
            type=float,
            default=None,
            help="Time before the first deadline (creation and worker start-up); "
            "default 20 s + 4 ms per request.",
        )
        parser.add_argument("--margin-seconds", type=float, default=30.0)
        parser.add_argument("--poll-seconds", type=float, default=0.5)
        parser.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="Keep the bench rows afterwards.")
        parser.add_argument(
            "--allow-shared-db",
            action="store_true",
            help="Run although the database holds other requests (the bench rota override "
            "and manager pages would touch them).",
        )

    def handle(self, *args, **options):
        out = sys.stderr if options["json"] else self.stdout

        def say(line: str) -> None:
            out.write(line + "\n")
            out.flush()

        others = SupportRequest.objects.exclude(
            organization__name=bench_sla.BENCH_ORGANIZATION
        ).count()
        if others and not options["allow_shared_db"]:
            raise CommandError(
                f"The database holds {others} other requests. Run the benchmark on a throwaway "
                "database (DATABASE_URL=postgres://…/callgate_bench after migrate), or pass "
                "--allow-shared-db."
            )
        from django.conf import settings

        vendor = connection.vendor
        broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
        say(f"sla_bench on {vendor} with the {broker} broker")
        requests, minutes = options["requests"], options["minutes"]
        lead = options["lead_seconds"]
        if lead is None:
            lead = 20 + 0.004 * requests
        celery = bench_sla.CeleryProcesses(
            sweep_seconds=options["sweep_seconds"],
            pool=options["pool"],
            concurrency=options["concurrency"],
        )
        scenario = watch = None
        try:
            # The worker runs first, as in production: the rows fall due under a warm sweep.
            celery.start()
            start = timezone.now() + timedelta(seconds=lead)
            scenario = bench_sla.bench_populate(
                requests=requests, minutes=minutes, start=start, seed=options["seed"], progress=say
            )
            if timezone.now() > start - timedelta(seconds=15):
                say("warning: creation ran into the first deadlines; raise --lead-seconds")
            watch = bench_sla.PageWatch(scenario)
            end = scenario.last_due + timedelta(seconds=options["margin_seconds"])
            say(
                f"deadlines from {scenario.start:%H:%M:%S} to {scenario.last_due:%H:%M:%S} UTC; "
                f"watching until {end:%H:%M:%S} (worker log {celery.worker_log})"
            )
            next_report = time.monotonic() + 30
            while (now := timezone.now()) < end:
                if not celery.alive():
                    raise CommandError(f"the worker or beat died; see {celery.dir}")
                watch.poll(now)
                if time.monotonic() >= next_report:
                    next_report += 30
                    due = sum(1 for at in scenario.due.values() if at <= now)
                    runs, _ = bench_sla.sweeps_from_log(celery.worker_text())
                    recorded = Notification.objects.filter(
                        support_request__organization_id=scenario.organization_id
                    ).count()
                    say(
                        f"{now:%H:%M:%S} due {due}/{requests}, pages seen {len(watch.seen_at)}, "
                        f"notifications {recorded}, sweeps {len(runs)}"
                        + (f" (last {runs[-1].runtime:.2f} s)" if runs else "")
                    )
                time.sleep(options["poll_seconds"])
            watch.poll()
        except BaseException:
            celery.stop()
            if scenario is not None and not options["keep"]:
                bench_sla.bench_cleanup(progress=say)
            raise
        celery.stop()
        text = celery.worker_text()
        runs, expired = bench_sla.sweeps_from_log(text)
        result = bench_sla.bench_measure(
            scenario=scenario, seen_at=watch.seen_at, sweeps=runs, sweeps_expired=expired
        )
        tasks = bench_sla.task_counts(text)
        if not options["keep"]:
            bench_sla.bench_cleanup(progress=say)
        settings_line = (
            f"{requests} requests over {minutes:g} min, sweep every "
            f"{options['sweep_seconds']:g} s, {options['pool']} worker x{options['concurrency']}, "
            f"{vendor} + {broker}"
        )
        if options["json"]:
            payload = {
                "database": vendor,
                "broker": broker,
                "minutes": minutes,
                "sweep_seconds": options["sweep_seconds"],
                "pool": options["pool"],
                "concurrency": options["concurrency"],
                "poll_seconds": options["poll_seconds"],
                **result.as_dict(),
                "tasks": tasks,
                "comparison": bench_sla.COMPARISON,
            }
            self.stdout.write(json.dumps(payload, default=str))
        else:
            self.stdout.write(bench_sla.bench_table(result, title=f"SLA bench: {settings_line}"))
            self.stdout.write("worker tasks: " + ", ".join(f"{k} {v}" for k, v in tasks.items()))
