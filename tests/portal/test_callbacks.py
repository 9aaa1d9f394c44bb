"""Calls only for qualifying emergencies (issue 6): the tier gate on the page and on the
server, phone numbers, booking under concurrency, timezones, reschedule/cancel, the .ics,
the paging ladder, add details, rate limits and the agents' day."""

import threading
from datetime import UTC, datetime, timedelta
from unittest import mock

import icalendar
import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from portal import callback_services, services
from portal.callbacks import PhoneError, phone_to_e164
from portal.models import CallbackBooking, CallbackSlot, EmergencyCall, RequestEvent
from tests.factories import OrganizationFactory, customer, staff
from triage import services as triage_services
from triage.models import Notification, RotaOverride
from triage.tasks import notification_deliver

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
EXPORTS_BROKEN = {
    "subject": "Exports broken",
    "body": "CSV export fails with error 500 for all users in finance. No workaround.",
    "production_affected": True,
    "users_affected": 40,
    "workaround_available": False,
}
SLOW = {
    "subject": "Dashboard slow",
    "body": "The dashboard is slow but we can use the reports page instead.",
    "users_affected": 3,
    "workaround_available": True,
}
HOW_TO = {
    "subject": "How do I export a report to CSV?",
    "body": "Where is the export button for reports?",
}
PHONE = "+49 30 901820"
E164 = "+4930901820"


@pytest.fixture
def team():
    primary = staff(email="primary@callgate.test", first_name="Pia", last_name="Primary")
    backup = staff(email="backup@callgate.test", first_name="Ben", last_name="Backup")
    RotaOverride.objects.create(
        starts_at=T - timedelta(days=1),
        ends_at=T + timedelta(days=1),
        primary=primary,
        backup=backup,
    )
    return primary, backup


@pytest.fixture
def clock():
    """Pin the clock the views read (the services take ``now``)."""
    with mock.patch("django.utils.timezone.now", return_value=T) as now:
        yield now


def _submit(data, *, organization=None, now=T, **extra):
    # Not an important account (< $50k): the Urgent promise is 30 minutes.
    organization = organization or OrganizationFactory(annual_contract_value=10_000)
    return services.support_request_submit(
        requester=customer(organization), now=now, **data, **extra
    )


def _with_tier(tier):
    support_request = _submit(HOW_TO)
    if support_request.tier != tier:
        triage_services.tier_override(
            support_request=support_request, agent=staff(), tier=tier, reason="test", now=T
        )
    return support_request


def _slot(agent, minutes, capacity=1):
    return CallbackSlot.objects.create(
        agent=agent,
        starts_at=T + timedelta(minutes=minutes),
        ends_at=T + timedelta(minutes=minutes + 10),
        capacity=capacity,
    )


# -- the gate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "tier", "call_status", "book_status"),
    [
        ("emergency calls now", "emergency", 302, 403),
        ("urgent books a callback", "urgent", 403, 302),
        ("semi-urgent gets no call", "semi_urgent", 403, 403),
        ("non-urgent gets no call", "non_urgent", 403, 403),
        ("informational gets no call", "informational", 403, 403),
    ],
)
def test_the_gate_on_the_page_and_on_the_server(
    client, team, clock, _case, tier, call_status, book_status
):
    # given
    support_request = _with_tier(tier)
    client.force_login(support_request.requester)
    # when
    page = client.get(support_request.get_absolute_url()).content.decode()
    call = client.post(reverse("request_call", args=[support_request.pk]), {"phone": PHONE})
    book = client.post(
        reverse("request_callback", args=[support_request.pk]), {"phone": PHONE, "slot": "asap"}
    )
    # then: the page offers exactly what the tier allows …
    assert ("Call me now" in page) is (tier == "emergency")
    assert ("Book my callback" in page) is (tier == "urgent")
    assert ("Add details and re-check urgency" in page) is (tier not in ("emergency", "urgent"))
    # … and the server refuses anything else, whatever the client sends
    assert (call.status_code, book.status_code) == (call_status, book_status)
    assert EmergencyCall.objects.count() == (1 if tier == "emergency" else 0)
    assert CallbackBooking.objects.count() == (1 if tier == "urgent" else 0)
    if call_status == 403:
        assert "“Call me now” is for Emergency requests only" in call.content.decode()
    if book_status == 403:
        assert "Priority callbacks are for Urgent requests" in book.content.decode()


def test_the_server_refuses_a_forged_call_even_with_an_invalid_form(client, team):
    support_request = _with_tier("non_urgent")
    client.force_login(support_request.requester)
    response = client.post(reverse("request_call", args=[support_request.pk]), {})
    assert response.status_code == 403
    assert EmergencyCall.objects.count() == 0


def test_someone_elses_request_is_404_for_calls(client, team):
    support_request = _with_tier("emergency")
    client.force_login(customer())
    response = client.post(reverse("request_call", args=[support_request.pk]), {"phone": PHONE})
    assert response.status_code == 404
    assert EmergencyCall.objects.count() == 0


def test_the_async_path_explains_why_with_the_reasons_and_the_promise(client, team, clock):
    support_request = _submit(SLOW)
    assert support_request.tier == "semi_urgent"
    client.force_login(support_request.requester)
    page = client.get(support_request.get_absolute_url()).content.decode()
    assert "Why we answer this in writing" in page
    assert "a workaround exists for now" in page  # the assessment's reason, in the sentence
    assert "a person will answer you by" in page
    assert "Call me now" not in page and "Book my callback" not in page


# -- phone numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "raw", "region", "expected"),
    [
        ("international", "+49 30 901820", "DE", "+4930901820"),
        ("national in the org's country", "030 901820", "DE", "+4930901820"),
        ("US national", "(201) 555-0123", "US", "+12015550123"),
    ],
)
def test_phone_numbers_become_e164(_case, raw, region, expected):
    assert phone_to_e164(raw, region=region) == expected


@pytest.mark.parametrize("raw", ["", "12", "call me", "+49 30"])
def test_invalid_phone_numbers_are_refused(raw):
    with pytest.raises(PhoneError):
        phone_to_e164(raw, region="DE")


def test_invalid_phone_keeps_what_was_typed_and_creates_nothing(client, team):
    # given
    support_request = _with_tier("emergency")
    client.force_login(support_request.requester)
    # when
    response = client.post(
        reverse("request_call", args=[support_request.pk]), {"phone": "0049-abc-12"}
    )
    # then
    body = response.content.decode()
    assert response.status_code == 400
    assert "“0049-abc-12” is not a complete, valid phone number" in body
    assert 'value="0049-abc-12"' in body
    assert EmergencyCall.objects.count() == 0
    assert Notification.objects.filter(stage__startswith="call").count() == 0


# -- Emergency: paging ladder and live status ----------------------------------------------------


def test_call_me_now_pages_the_primary_at_once_and_enqueues_delivery(
    team, django_capture_on_commit_callbacks
):
    # given
    primary, _ = team
    support_request = _submit(OUTAGE)
    # when
    with (
        mock.patch.object(notification_deliver, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        call = callback_services.emergency_call_request(
            customer=support_request.requester, support_request=support_request, phone=PHONE, now=T
        )
    # then
    notification = Notification.objects.get(stage="call_page")
    assert notification.key == f"{support_request.pk}:call:{call.pk}:primary@{primary.pk}"
    assert (call.status, call.phone, call.primary, call.page_due_at) == (
        "paging",
        E164,
        primary,
        T + timedelta(minutes=1),
    )
    apply_async.assert_any_call(args=(notification.pk,), retry=False)


def test_pressing_twice_pages_once(team):
    support_request = _submit(OUTAGE)
    first = callback_services.emergency_call_request(
        customer=support_request.requester, support_request=support_request, phone=PHONE, now=T
    )
    second = callback_services.emergency_call_request(
        customer=support_request.requester, support_request=support_request, phone=PHONE, now=T
    )
    assert first.pk == second.pk
    assert Notification.objects.filter(stage="call_page").count() == 1


def test_the_backup_is_paged_after_the_window_exactly_once(client, team):
    # given
    primary, backup = team
    support_request = _submit(OUTAGE)
    call = callback_services.emergency_call_request(
        customer=support_request.requester, support_request=support_request, phone=PHONE, now=T
    )
    client.force_login(support_request.requester)
    status_url = reverse("request_call_status", args=[support_request.pk])
    # when: the sweep runs before, at and after the window
    early = callback_services.callback_sweep(now=T + timedelta(seconds=59))
    due = callback_services.callback_sweep(now=T + timedelta(seconds=60))
    again = callback_services.callback_sweep(now=T + timedelta(seconds=90))
    # then
    assert early == {"calls_escalated": 0, "reminders": 0}
    assert due == {"calls_escalated": 1, "reminders": 0}
    assert again == {"calls_escalated": 0, "reminders": 0}
    pages = Notification.objects.filter(stage__startswith="call_page").order_by("pk")
    assert [(n.stage, n.recipient) for n in pages] == [
        ("call_page", primary),
        ("call_page_backup", backup),
    ]
    assert pages[1].key == f"{support_request.pk}:call:{call.pk}:backup@{backup.pk}"
    partial = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="call-status"')
    assert "paging our backup on-call specialist" in partial
    assert RequestEvent.objects.filter(kind="call_backup_paged").count() == 1


def test_an_accepted_call_is_not_escalated_and_the_customer_sees_each_step(client, team):
    # given
    primary, _ = team
    support_request = _submit(OUTAGE)
    call = callback_services.emergency_call_request(
        customer=support_request.requester, support_request=support_request, phone=PHONE, now=T
    )
    client.force_login(support_request.requester)
    status_url = reverse("request_call_status", args=[support_request.pk])
    htmx = {"HTTP_HX_REQUEST": "true"}
    # when / then
    assert "Paging our on-call specialist" in client.get(status_url, **htmx).content.decode()
    callback_services.emergency_call_accept(agent=primary, call=call, now=T + timedelta(seconds=20))
    assert "Accepted by Pia Primary" in client.get(status_url, **htmx).content.decode()
    callback_services.emergency_call_mark_calling(
        agent=primary, call=call, now=T + timedelta(seconds=30)
    )
    assert "Pia Primary is calling you now at +4930901820" in (
        client.get(status_url, **htmx).content.decode()
    )
    assert callback_services.callback_sweep(now=T + timedelta(minutes=5))["calls_escalated"] == 0
    support_request.refresh_from_db()
    assert support_request.acknowledged_at == T + timedelta(seconds=20)


def test_a_second_agent_cannot_take_an_accepted_call(team):
    primary, backup = team
    support_request = _submit(OUTAGE)
    call = callback_services.emergency_call_request(
        customer=support_request.requester, support_request=support_request, phone=PHONE, now=T
    )
    assert callback_services.emergency_call_accept(agent=primary, call=call, now=T) is True
    with pytest.raises(callback_services.CallbackError, match="already accepted"):
        callback_services.emergency_call_accept(agent=backup, call=call, now=T)
    call.refresh_from_db()
    assert call.accepted_by == primary


def test_no_answer_ends_the_call_and_continues_in_writing(client, team):
    primary, _ = team
    support_request = _submit(OUTAGE)
    call = callback_services.emergency_call_request(
        customer=support_request.requester, support_request=support_request, phone=PHONE, now=T
    )
    callback_services.emergency_call_accept(agent=primary, call=call, now=T)
    client.force_login(primary)
    response = client.post(
        reverse("agent_call_outcome", args=[call.pk]), {"outcome": "no_answer_async"}
    )
    call.refresh_from_db()
    assert response.status_code == 302
    assert call.status == "no_answer"
    assert support_request.messages.get().body.startswith("We tried to call you at +4930901820")


def test_the_call_status_partial_redirects_without_javascript(client, team):
    support_request = _with_tier("emergency")
    client.force_login(support_request.requester)
    response = client.get(reverse("request_call_status", args=[support_request.pk]))
    assert response.status_code == 302
    assert response.url == f"{support_request.get_absolute_url()}#call-panel"


# -- Urgent: slots and bookings ----------------------------------------------------------------


def test_slots_come_from_the_rota_inside_the_promise_in_the_customers_timezone(client, team, clock):
    # given: a New York customer, Berlin team; the promise is 09:30 UTC
    primary, _ = team
    organization = OrganizationFactory(timezone="America/New_York", annual_contract_value=10_000)
    support_request = _submit(EXPORTS_BROKEN, organization=organization)
    assert support_request.tier == "urgent"
    client.force_login(support_request.requester)
    # when
    page = client.get(reverse("request_callback", args=[support_request.pk])).content.decode()
    # then: 10-minute slots of the on-call primary, 04:10 … 04:30 EST, none later
    assert list(CallbackSlot.objects.values_list("agent", "starts_at")) == [
        (primary.pk, T + timedelta(minutes=10)),
        (primary.pk, T + timedelta(minutes=20)),
        (primary.pk, T + timedelta(minutes=30)),
    ]
    assert "Thu 3 Dec, 04:10–04:20 EST" in page
    assert "04:30–04:40 EST" in page
    assert "America/New_York" in page


def test_book_a_slot_sends_a_confirmation_with_an_ics_that_parses(
    client, team, clock, django_capture_on_commit_callbacks
):
    # given
    primary, _ = team
    support_request = _submit(EXPORTS_BROKEN)
    slot = _slot(primary, 20)
    client.force_login(support_request.requester)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("request_callback", args=[support_request.pk]),
            {"phone": "030 901820", "slot": str(slot.pk)},
        )
    # then
    booking = CallbackBooking.objects.get()
    assert response.status_code == 302
    assert (booking.slot, booking.seat, booking.agent, booking.phone, booking.scheduled_for) == (
        slot,
        1,
        primary,
        E164,
        T + timedelta(minutes=20),
    )
    (email,) = mail.outbox
    assert email.to == [support_request.requester.email]
    assert "on Thursday 03 December at 10:20 (CET)" in email.body
    name, content, mimetype = email.attachments[0]
    assert (name, mimetype) == ("callback.ics", "text/calendar")
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == T + timedelta(minutes=20)
    assert event.decoded("dtend") == T + timedelta(minutes=30)
    assert str(event["uid"]) == f"callback-{booking.pk}@callgate"
    assert f"#{support_request.pk}" in str(event["summary"])
    page = client.get(support_request.get_absolute_url()).content.decode()
    assert "We will call you at +4930901820 on Thursday 3 December, 10:20 CET" in page


@pytest.mark.parametrize(
    ("_case", "minutes", "message"),
    [
        ("past", -10, "That time has already passed"),
        ("outside the promise", 60, "later than we promised"),
    ],
)
def test_past_and_late_slots_are_refused_and_the_form_keeps_the_phone(
    client, team, clock, _case, minutes, message
):
    primary, _ = team
    support_request = _submit(EXPORTS_BROKEN)
    slot = _slot(primary, minutes)
    client.force_login(support_request.requester)
    response = client.post(
        reverse("request_callback", args=[support_request.pk]),
        {"phone": "030 901820", "slot": str(slot.pk)},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert 'value="030 901820"' in body
    assert CallbackBooking.objects.count() == 0


def test_a_taken_slot_is_refused(team):
    primary, _ = team
    slot = _slot(primary, 10)
    first, second = _submit(EXPORTS_BROKEN), _submit(EXPORTS_BROKEN)
    callback_services.callback_book(
        customer=first.requester, support_request=first, slot_id=slot.pk, phone=PHONE, now=T
    )
    with pytest.raises(callback_services.CallbackError, match="Someone else just booked"):
        callback_services.callback_book(
            customer=second.requester, support_request=second, slot_id=slot.pk, phone=PHONE, now=T
        )
    assert CallbackBooking.objects.count() == 1


def test_capacity_two_seats_two_customers(team):
    primary, _ = team
    slot = _slot(primary, 10, capacity=2)
    requests = [_submit(EXPORTS_BROKEN) for _ in range(3)]
    seats = []
    for support_request in requests[:2]:
        seats.append(
            callback_services.callback_book(
                customer=support_request.requester,
                support_request=support_request,
                slot_id=slot.pk,
                phone=PHONE,
                now=T,
            ).seat
        )
    with pytest.raises(callback_services.CallbackError, match="Someone else just booked"):
        callback_services.callback_book(
            customer=requests[2].requester,
            support_request=requests[2],
            slot_id=slot.pk,
            phone=PHONE,
            now=T,
        )
    assert seats == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_on_one_slot_exactly_one_wins(team):
    # given: eight Urgent requests of eight customers race for one capacity-1 slot
    primary, _ = team
    slot = _slot(primary, 10)
    requests = [_submit(EXPORTS_BROKEN) for _ in range(8)]
    barrier = threading.Barrier(len(requests))
    results: list = []

    def book(support_request):
        try:
            barrier.wait()
            booking = callback_services.callback_book(
                customer=support_request.requester,
                support_request=support_request,
                slot_id=slot.pk,
                phone=PHONE,
                now=T,
            )
            results.append(("ok", booking.pk))
        except callback_services.CallbackError as error:
            results.append(("refused", str(error)))
        except Exception as error:  # noqa: BLE001 - the test reports any other failure
            results.append(("error", repr(error)))
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(r,)) for r in requests]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["ok"] + ["refused"] * 7, results
    assert CallbackBooking.objects.filter(slot=slot, status="booked").count() == 1


def test_one_active_booking_per_request(team):
    primary, _ = team
    support_request = _submit(EXPORTS_BROKEN)
    callback_services.callback_book(
        customer=support_request.requester,
        support_request=support_request,
        slot_id=None,
        phone=PHONE,
        now=T,
    )
    with pytest.raises(callback_services.CallbackError, match="already have a callback"):
        callback_services.callback_book(
            customer=support_request.requester,
            support_request=support_request,
            slot_id=_slot(primary, 10).pk,
            phone=PHONE,
            now=T,
        )


def test_reschedule_and_cancel_until_the_cutoff(settings, team):
    # given: changes allowed until 5 minutes before the call
    settings.CALLBACK_CHANGE_CUTOFF_MINUTES = 5
    primary, _ = team
    early, late = _slot(primary, 10), _slot(primary, 20)
    support_request = _submit(EXPORTS_BROKEN)
    booking = callback_services.callback_book(
        customer=support_request.requester,
        support_request=support_request,
        slot_id=early.pk,
        phone=PHONE,
        now=T,
    )
    # when: moved at T+1 (before 10:05), then a cancel too late and one in time
    callback_services.callback_reschedule(
        customer=support_request.requester,
        booking=booking,
        slot_id=late.pk,
        now=T + timedelta(minutes=1),
    )
    with pytest.raises(callback_services.CallbackError, match="less than 5 minutes away"):
        callback_services.callback_cancel(
            customer=support_request.requester, booking=booking, now=T + timedelta(minutes=16)
        )
    other = _submit(EXPORTS_BROKEN)
    freed = callback_services.callback_book(
        customer=other.requester,
        support_request=other,
        slot_id=early.pk,
        phone=PHONE,
        now=T + timedelta(minutes=2),
    )
    callback_services.callback_cancel(
        customer=support_request.requester, booking=booking, now=T + timedelta(minutes=14)
    )
    # then
    booking.refresh_from_db()
    assert (booking.slot, booking.scheduled_for, booking.status) == (
        late,
        T + timedelta(minutes=20),
        "cancelled",
    )
    assert freed.slot == early
    assert list(
        RequestEvent.objects.filter(support_request=support_request, kind__startswith="callback")
        .order_by("pk")
        .values_list("kind", flat=True)
    ) == ["callback_booked", "callback_rescheduled", "callback_cancelled"]


def test_reschedule_is_refused_after_the_default_cutoff(client, team, clock):
    primary, _ = team
    early, late = _slot(primary, 10), _slot(primary, 20)
    support_request = _submit(EXPORTS_BROKEN)
    booking = callback_services.callback_book(
        customer=support_request.requester,
        support_request=support_request,
        slot_id=early.pk,
        phone=PHONE,
        now=T,
    )
    client.force_login(support_request.requester)
    response = client.post(
        reverse("request_callback_reschedule", args=[support_request.pk, booking.pk]),
        {"slot": str(late.pk)},
    )
    assert response.status_code == 400
    assert "less than 30 minutes away" in response.content.decode()
    booking.refresh_from_db()
    assert booking.slot == early


def test_another_customer_cannot_cancel_my_booking(client, team):
    support_request = _submit(EXPORTS_BROKEN)
    booking = callback_services.callback_book(
        customer=support_request.requester,
        support_request=support_request,
        slot_id=None,
        phone=PHONE,
        now=T,
    )
    client.force_login(customer())
    response = client.post(
        reverse("request_callback_cancel", args=[support_request.pk, booking.pk])
    )
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_the_sweep_reminds_once_before_the_call(team):
    primary, _ = team
    support_request = _submit(EXPORTS_BROKEN)
    callback_services.callback_book(
        customer=support_request.requester,
        support_request=support_request,
        slot_id=_slot(primary, 20).pk,
        phone=PHONE,
        now=T,
    )
    assert callback_services.callback_sweep(now=T + timedelta(minutes=4))["reminders"] == 0
    assert callback_services.callback_sweep(now=T + timedelta(minutes=5))["reminders"] == 2
    assert callback_services.callback_sweep(now=T + timedelta(minutes=6))["reminders"] == 0
    reminders = Notification.objects.filter(stage="callback_reminder")
    assert sorted((n.audience, n.recipient_id) for n in reminders) == [
        ("customer", support_request.requester.pk),
        ("staff", primary.pk),
    ]
    assert "at 10:20 (CET)" in reminders.get(audience="customer").text


def test_agents_see_todays_callbacks_and_reassign(client, team, clock):
    # given
    primary, backup = team
    organization = OrganizationFactory(timezone="America/New_York", annual_contract_value=10_000)
    support_request = _submit(EXPORTS_BROKEN, organization=organization)
    booking = callback_services.callback_book(
        customer=support_request.requester,
        support_request=support_request,
        slot_id=_slot(primary, 20).pk,
        phone="+1 201 555 0123",
        now=T,
    )
    client.force_login(primary)
    # when
    page = client.get(reverse("agent_callbacks")).content.decode()
    response = client.post(
        reverse("agent_callback_reassign", args=[booking.pk]), {"agent": backup.pk}
    )
    # then
    assert "+12015550123" in page
    assert "04:20 EST" in page
    assert "Urgent" in page
    assert "Bug in production affecting 40 users" in page
    assert reverse("agent_request_detail", args=[support_request.pk]) in page
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.agent, booking.slot.agent, booking.scheduled_for) == (
        backup,
        backup,
        T + timedelta(minutes=20),
    )


def test_customers_cannot_open_the_agent_callbacks_page(client, team):
    client.force_login(customer())
    assert client.get(reverse("agent_callbacks")).status_code == 403


def test_no_answer_with_retry_books_the_next_free_slot(team):
    primary, _ = team
    support_request = _submit(EXPORTS_BROKEN)
    booking = callback_services.callback_book(
        customer=support_request.requester,
        support_request=support_request,
        slot_id=_slot(primary, 10).pk,
        phone=PHONE,
        now=T,
    )
    retry = callback_services.callback_record_outcome(
        agent=primary, booking=booking, outcome="no_answer_retry", now=T + timedelta(minutes=11)
    )
    booking.refresh_from_db()
    assert (booking.status, booking.follow_up) == ("no_answer", "retry")
    assert retry.scheduled_for == T + timedelta(minutes=20)
    assert retry.phone == E164


# -- add details, abuse -------------------------------------------------------------------------


def test_add_details_re_runs_triage_and_unlocks_booking(client, team, clock):
    # given
    support_request = _submit(SLOW)
    assert support_request.tier == "semi_urgent"
    client.force_login(support_request.requester)
    # when
    response = client.post(
        reverse("request_details", args=[support_request.pk]),
        {
            "production_affected": "on",
            "users_affected": "40",
            "workaround_available": "no",
            "evidence": "Since 10:00 the dashboard times out for the whole finance team; "
            "month-end close is blocked and the reports page fails too.",
        },
    )
    # then
    support_request.refresh_from_db()
    assert response.status_code == 302
    assert support_request.tier == "urgent"
    assert (support_request.production_affected, support_request.users_affected) == (True, 40)
    assert support_request.messages.get().kind == "customer"
    assert RequestEvent.objects.filter(kind="details_added").count() == 1
    page = client.get(support_request.get_absolute_url()).content.decode()
    assert "Book my callback" in page
    assert "Add details and re-check urgency" not in page


def test_escalation_words_without_evidence_do_not_unlock_calls_and_are_flagged(client, team):
    # given
    support_request = _submit(HOW_TO, claimed_urgency="critical", call_requested=True)
    assert support_request.tier == "non_urgent"
    client.force_login(support_request.requester)
    # when
    client.post(
        reverse("request_details", args=[support_request.pk]),
        {"evidence": "URGENT!!! Please call me now!!! This is critical!!!"},
    )
    call = client.post(reverse("request_call", args=[support_request.pk]), {"phone": PHONE})
    # then
    support_request.refresh_from_db()
    assert support_request.tier == "non_urgent"
    flag = RequestEvent.objects.get(kind="urgency_flagged")
    assert (flag.support_request, flag.data["claimed"]) == (support_request, "critical")
    assert call.status_code == 403
    assert EmergencyCall.objects.count() == 0


def test_re_triage_is_rate_limited_per_request(client, team, settings):
    support_request = _submit(SLOW)
    client.force_login(support_request.requester)
    url = reverse("request_details", args=[support_request.pk])
    statuses = [
        client.post(url, {"users_affected": str(4 + i), "workaround_available": "yes"}).status_code
        for i in range(6)
    ]
    assert statuses == [302] * 5 + [429]
    assert RequestEvent.objects.filter(kind="details_added").count() == 5


def test_booking_attempts_are_rate_limited_per_user(client, team):
    support_request = _with_tier("urgent")
    client.force_login(support_request.requester)
    url = reverse("request_callback", args=[support_request.pk])
    statuses = [client.post(url, {"phone": "12", "slot": "asap"}).status_code for _ in range(11)]
    assert statuses == [400] * 10 + [429]
    assert (
        "tried to book a call 10 times"
        in client.post(url, {"phone": PHONE, "slot": "asap"}).content.decode()
    )
    assert CallbackBooking.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "data", "message"),
    [
        ("no time picked", {"phone": PHONE}, "Please pick a time or “as soon as possible”."),
        ("garbage time", {"phone": PHONE, "slot": "tomorrow"}, "Please pick one of the listed"),
        ("unknown slot", {"phone": PHONE, "slot": "999999"}, "That time is no longer offered"),
        (
            "no phone",
            {"phone": "", "slot": "asap"},
            "Please enter the phone number we should call.",
        ),
        (
            "long phone",
            {"phone": "1" * 41, "slot": "asap"},
            "A phone number has at most 40 characters",
        ),
    ],
)
def test_bad_booking_input_gets_a_clear_message_never_a_500(
    client, team, clock, _case, data, message
):
    support_request = _submit(EXPORTS_BROKEN)
    client.force_login(support_request.requester)
    response = client.post(reverse("request_callback", args=[support_request.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert CallbackBooking.objects.count() == 0


def test_agent_request_page_shows_the_call(client):
    # given: an Emergency with a pending "Call me now"
    from portal import callback_services
    from tests.triage.sla.test_sla import OUTAGE

    requester = customer(OrganizationFactory(country="DE"))
    support_request = services.support_request_submit(requester=requester, **OUTAGE)
    callback_services.emergency_call_request(
        customer=requester, support_request=support_request, phone="+49 30 1234567"
    )
    # when
    client.force_login(staff())
    page = client.get(reverse("agent_request_detail", args=[support_request.pk])).content.decode()
    # then
    assert "Call me now" in page and "Paging on-call" in page and "+49301234567" in page
