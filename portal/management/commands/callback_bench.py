"""``manage.py callback_bench [--attempts 50]``: concurrent booking attempts on one
capacity-1 slot on the configured database. Prints the successes (must be exactly 1) and the
booking latency percentiles. Creates its own organization, agent and requests, and removes
them afterwards."""

import statistics
import threading
import time
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.test.utils import override_settings
from django.utils import timezone

from portal import callback_services
from portal.callbacks import phone_to_e164
from portal.models import (
    CallbackBooking,
    CallbackSlot,
    Membership,
    Organization,
    RequestEvent,
    SupportRequest,
)


class Command(BaseCommand):
    help = "Race N booking attempts for one callback slot; exactly one must win."

    def add_arguments(self, parser):
        parser.add_argument("--attempts", type=int, default=50)

    def handle(self, *args, attempts: int, **options):
        # Confirmation emails go to memory: the figures measure the database, not SMTP.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._run(attempts)

    def _run(self, attempts: int) -> None:
        if attempts < 2:
            raise CommandError("Use at least 2 attempts.")
        User = get_user_model()
        now = timezone.now()
        tag = uuid.uuid4().hex[:8]
        organization = Organization.objects.create(
            name=f"bench-{tag}", country="DE", timezone="Europe/Berlin"
        )
        agent = User.objects.create(username=f"bench-agent-{tag}", email=f"agent-{tag}@bench.test")
        slot = CallbackSlot.objects.create(
            agent=agent,
            starts_at=now + timedelta(minutes=10),
            ends_at=now + timedelta(minutes=20),
            capacity=1,
        )
        requests = []
        for i in range(attempts):
            user = User.objects.create(
                username=f"bench-{tag}-{i}", email=f"customer{i}-{tag}@bench.test"
            )
            Membership.objects.create(user=user, organization=organization)
            requests.append(
                SupportRequest.objects.create(
                    organization=organization,
                    requester=user,
                    subject="Bench: exports broken",
                    body="Benchmark request.",
                    tier=SupportRequest.Tier.URGENT,
                    status=SupportRequest.Status.TRIAGED,
                    created_at=now,
                    updated_at=now,
                )
            )
        phone_to_e164("+49 30 901820", region="DE")  # load the number metadata once
        barrier = threading.Barrier(attempts)
        results: list[tuple[str, float]] = []
        lock = threading.Lock()

        def book(support_request):
            try:
                barrier.wait()
                started = time.perf_counter()
                try:
                    callback_services.callback_book(
                        customer=support_request.requester,
                        support_request=support_request,
                        slot_id=slot.pk,
                        phone="+49 30 901820",
                        now=now,
                    )
                    outcome = "ok"
                except callback_services.CallbackError:
                    outcome = "refused"
                except Exception as error:  # noqa: BLE001 - counted and reported
                    outcome = f"error: {error!r}"[:120]
                elapsed = time.perf_counter() - started
                with lock:
                    results.append((outcome, elapsed))
            finally:
                connection.close()

        threads = [threading.Thread(target=book, args=(r,)) for r in requests]
        wall = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - wall
        try:
            booked = CallbackBooking.objects.filter(slot=slot, status="booked").count()
            successes = sum(1 for outcome, _ in results if outcome == "ok")
            errors = [outcome for outcome, _ in results if outcome.startswith("error")]
            latencies = sorted(ms * 1000 for _, ms in results)
            p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
            vendor = connections["default"].vendor
            self.stdout.write(f"database: {vendor}")
            self.stdout.write(f"attempts: {attempts}")
            self.stdout.write(f"successes: {successes} (bookings in the database: {booked})")
            self.stdout.write(f"refused: {sum(1 for o, _ in results if o == 'refused')}")
            self.stdout.write(f"errors: {len(errors)} {errors[:3] if errors else ''}")
            self.stdout.write(
                f"latency ms: p50 {statistics.median(latencies):.1f} · p95 {p95:.1f} · "
                f"max {latencies[-1]:.1f} · wall {wall * 1000:.0f}"
            )
            self.stdout.write(
                f"uncontended latency ms: {self._uncontended(organization, agent, now)}"
            )
        finally:
            self._clean(organization, agent, requests)
        if successes != 1 or booked != 1:
            raise CommandError(f"expected exactly 1 success, got {successes} ({booked} booked)")

    def _uncontended(self, organization, agent, now, runs: int = 20) -> str:
        """One booking at a time, each on its own slot: the cost of a booking without a queue."""
        timings = []
        for i in range(runs):
            slot = CallbackSlot.objects.create(
                agent=agent,
                starts_at=now + timedelta(minutes=1, seconds=i),
                ends_at=now + timedelta(minutes=11),
            )
            support_request = SupportRequest.objects.filter(
                organization=organization, callback_bookings__isnull=True
            ).first()
            started = time.perf_counter()
            callback_services.callback_book(
                customer=support_request.requester,
                support_request=support_request,
                slot_id=slot.pk,
                phone="+49 30 901820",
                now=now,
            )
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        return f"p50 {statistics.median(timings):.1f} · p95 {timings[round(0.95 * runs) - 1]:.1f}"

    def _clean(self, organization, agent, requests):
        User = get_user_model()
        ids = [r.pk for r in requests]
        CallbackBooking.objects.filter(support_request_id__in=ids).delete()
        RequestEvent.objects.filter(support_request_id__in=ids)._raw_delete(using="default")
        SupportRequest.objects.filter(pk__in=ids).delete()
        CallbackSlot.objects.filter(agent=agent).delete()
        User.objects.filter(pk__in=[r.requester_id for r in requests] + [agent.pk]).delete()
        organization.delete()
