"""In a real browser: an Emergency shows “Call me now” and its live status (htmx polling),
a how-to question shows the written path and no way to book a call."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal import callback_services, services
from portal.models import EmergencyCall
from tests.browser.test_request_flow import _sign_in
from tests.factories import OrganizationFactory, customer, staff
from triage.models import RotaOverride

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTAGE = {
    "subject": "Production down: dashboard returns 502 for everyone",
    "body": "Since 09:50 our whole production dashboard returns 502 for all 80 users. "
    "No workaround.",
    "production_affected": True,
    "users_affected": 80,
    "workaround_available": False,
}


def test_emergency_call_me_now_shows_the_live_status(live_server, new_page, screenshot):
    # given: an Emergency request and an on-call team
    now = timezone.now()
    primary = staff(email="pia@callgate.test", first_name="Pia", last_name="Primary")
    RotaOverride.objects.create(
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        primary=primary,
        backup=staff(email="ben@callgate.test"),
    )
    requester = customer(OrganizationFactory(country="DE"), email="carla@northwind.example")
    support_request = services.support_request_submit(requester=requester, **OUTAGE)
    assert support_request.tier == "emergency"
    page = new_page()
    _sign_in(page, live_server, requester.email)

    # when: a bad number first, then a good one
    page.goto(f"{live_server.url}{support_request.get_absolute_url()}")
    page.get_by_label("Phone number we should call").fill("12")
    page.get_by_role("button", name="Call me now").click()
    page.get_by_text("is not a complete, valid phone number").wait_for()
    assert page.get_by_label("Phone number we should call").input_value() == "12"
    page.get_by_label("Phone number we should call").fill("030 901820")
    page.get_by_role("button", name="Call me now").click()
    page.locator("#call-status").get_by_text("Paging our on-call specialist").wait_for()
    screenshot(page, "1-paging")

    # then: the page follows the call without a reload
    call = EmergencyCall.objects.get()
    assert call.phone == "+4930901820"
    callback_services.emergency_call_accept(agent=primary, call=call)
    page.locator("#call-status").get_by_text("Accepted by Pia Primary").wait_for()
    callback_services.emergency_call_mark_calling(agent=primary, call=call)
    page.locator("#call-status").get_by_text("Pia Primary is calling you now").wait_for()
    screenshot(page, "2-calling")


def test_a_how_to_question_gets_the_written_path_and_no_booking(live_server, new_page, screenshot):
    # given
    requester = customer(email="sam@acme.example")
    support_request = services.support_request_submit(
        requester=requester,
        subject="How do I export a report to CSV?",
        body="Where is the export button for reports?",
    )
    assert support_request.tier == "non_urgent"
    page = new_page()
    _sign_in(page, live_server, requester.email)
    # when
    page.goto(f"{live_server.url}{support_request.get_absolute_url()}")
    # then
    panel = page.locator("#call-panel")
    panel.get_by_role("heading", name="Why we answer this in writing").wait_for()
    assert "this reads as a how-to question" in panel.inner_text()
    assert page.get_by_role("button", name="Call me now").count() == 0
    assert page.get_by_role("button", name="Book my callback").count() == 0
    panel.get_by_text("Has it become more serious? Add details").click()
    page.get_by_role("button", name="Add details and re-check urgency").wait_for()
    screenshot(page, "async-path")
