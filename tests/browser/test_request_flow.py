"""End to end in a real browser: a customer asks, an agent answers, the customer reads it."""

import pytest

from portal.models import SupportRequest
from tests.factories import PASSWORD, customer, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_customer_submits_agent_replies_customer_sees_reply(live_server, new_page, screenshot):
    # given
    requester = customer(email="carla@northwind.example")
    staff(email="ada@callgate.test", first_name="Ada", last_name="Agent")
    customer_page = new_page()
    agent_page = new_page()

    # when: the customer signs in and submits a request
    _sign_in(customer_page, live_server, requester.email)
    customer_page.get_by_role("link", name="New request").first.click()
    customer_page.get_by_label("Subject").fill("Invoices page shows error 500")
    customer_page.get_by_label("Describe the problem").fill(
        "Opening Billing → Invoices shows an error since this morning."
    )
    customer_page.get_by_label("How many users are affected?").fill("4")
    screenshot(customer_page, "1-new-request")
    customer_page.get_by_role("button", name="Submit request").click()
    customer_page.get_by_text("your request is in").wait_for()
    support_request = SupportRequest.objects.get()
    customer_page.get_by_role("link", name="My requests").click()
    customer_page.get_by_role(
        "link", name=f"#{support_request.pk} Invoices page shows error 500"
    ).wait_for()
    screenshot(customer_page, "2-list")

    # and an agent answers through the htmx reply box
    _sign_in(agent_page, live_server, "ada@callgate.test")
    agent_page.get_by_role(
        "link", name=f"#{support_request.pk} Invoices page shows error 500"
    ).click()
    agent_page.get_by_role("button", name="Acknowledge").click()
    agent_page.get_by_label("Your reply").fill("We found the cause and deployed a fix.")
    agent_page.get_by_role("button", name="Send").click()
    agent_page.locator("#agent-thread").get_by_text("We found the cause").wait_for()
    screenshot(agent_page, "3-agent-replied")

    # then: the customer sees the reply, and can answer without leaving the page
    customer_page.get_by_role(
        "link", name=f"#{support_request.pk} Invoices page shows error 500"
    ).click()
    customer_page.locator("#thread").get_by_text(
        "We found the cause and deployed a fix."
    ).wait_for()
    customer_page.get_by_label("Your reply").fill("Works now, thank you!")
    customer_page.get_by_role("button", name="Send reply").click()
    customer_page.locator("#thread").get_by_text("Works now, thank you!").wait_for()
    screenshot(customer_page, "4-customer-sees-reply")
    assert list(support_request.messages.values_list("kind", "body")) == [
        ("agent", "We found the cause and deployed a fix."),
        ("customer", "Works now, thank you!"),
    ]
    support_request.refresh_from_db()
    assert support_request.status == "acknowledged"


def test_bad_input_keeps_what_was_typed_in_the_browser(live_server, new_page):
    requester = customer()
    page = new_page()
    _sign_in(page, live_server, requester.email)
    page.goto(f"{live_server.url}/requests/new/")
    page.get_by_label("Subject").fill("   ")
    page.get_by_label("Describe the problem").fill("A long description I do not want to retype.")
    page.get_by_role("button", name="Submit request").click()
    page.get_by_text("cannot be empty or only spaces").wait_for()
    assert page.get_by_label("Describe the problem").input_value() == (
        "A long description I do not want to retype."
    )
    assert SupportRequest.objects.count() == 0
