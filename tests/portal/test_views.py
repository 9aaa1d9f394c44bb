import pytest
from django.urls import reverse

from portal import services
from portal.models import Message, SupportRequest
from tests.factories import OrganizationFactory, customer, staff

pytestmark = pytest.mark.django_db

VALID = {
    "subject": "Export fails",
    "body": "The CSV export times out after 30 seconds.",
    "product_area": "reporting",
    "users_affected": "3",
    "workaround_available": "no",
    "claimed_urgency": "high",
}


def test_new_request_is_saved_with_impact_and_shown(client):
    # given
    requester = customer()
    client.force_login(requester)
    # when
    response = client.post(
        reverse("request_new"), {**VALID, "production_affected": "on", "call_requested": "on"}
    )
    # then
    support_request = SupportRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("request_detail", args=[support_request.pk])
    assert (
        support_request.requester,
        support_request.product_area,
        support_request.production_affected,
        support_request.users_affected,
        support_request.workaround_available,
        support_request.claimed_urgency,
        support_request.call_requested,
    ) == (requester, "reporting", True, 3, False, "high", True)
    page = client.get(response.url).content.decode()
    assert "Export fails" in page and "call requested" in page


@pytest.mark.parametrize(
    ("_case", "overrides", "field", "message"),
    [
        ("empty subject", {"subject": ""}, "subject", "cannot be empty"),
        ("whitespace subject", {"subject": "   "}, "subject", "cannot be empty"),
        ("whitespace body", {"body": "\n \t"}, "body", "cannot be empty"),
        ("subject too long", {"subject": "x" * 201}, "subject", "under 200 characters"),
        ("body too long", {"body": "y" * 20_001}, "body", "under 20,000 characters"),
        ("negative users", {"users_affected": "-4"}, "users_affected", "0 or more"),
        ("unknown area", {"product_area": "moon"}, "product_area", "valid choice"),
    ],
)
def test_bad_input_gets_clear_message_and_keeps_what_was_typed(
    client, _case, overrides, field, message
):
    # given
    client.force_login(customer())
    data = {**VALID, "body": "My own words that must survive", **overrides}
    # when
    response = client.post(reverse("request_new"), data)
    # then
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert SupportRequest.objects.count() == 0
    page = response.content.decode()
    if field != "body":
        assert "My own words that must survive" in page
    if field != "subject":
        assert 'value="Export fails"' in page


def test_user_text_is_escaped_everywhere(client):
    # given
    requester = customer()
    agent = staff()
    client.force_login(requester)
    client.post(
        reverse("request_new"),
        {**VALID, "subject": "<b>bold</b>", "body": "<script>alert(1)</script>"},
    )
    support_request = SupportRequest.objects.get()
    # when
    pages = [client.get(reverse("request_detail", args=[support_request.pk])).content.decode()]
    pages.append(client.get(reverse("request_list")).content.decode())
    client.force_login(agent)
    pages.append(
        client.get(reverse("agent_request_detail", args=[support_request.pk])).content.decode()
    )
    pages.append(client.get(reverse("agent_queue")).content.decode())
    # then
    for page in pages:
        assert "<script>alert(1)</script>" not in page
        assert "<b>bold</b>" not in page
        assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]


def test_csrf_is_enforced_on_posts():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(customer())
    response = client.post(reverse("request_new"), VALID)
    assert response.status_code == 403
    assert SupportRequest.objects.count() == 0


def test_htmx_reply_returns_only_the_thread(client):
    # given
    requester = customer()
    support_request = services.support_request_submit(
        requester=requester, subject="Slow", body="Reports are slow"
    )
    client.force_login(requester)
    # when
    response = client.post(
        reverse("request_reply", args=[support_request.pk]),
        {"body": "Also the API is slow"},
        HTTP_HX_REQUEST="true",
    )
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="thread"')
    assert "<html" not in page
    assert "Also the API is slow" in page
    assert list(support_request.messages.values_list("kind", "body")) == [
        ("customer", "Also the API is slow")
    ]


def test_reply_without_javascript_redirects_back_to_the_request(client):
    requester = customer()
    support_request = services.support_request_submit(requester=requester, subject="S", body="B")
    client.force_login(requester)
    response = client.post(reverse("request_reply", args=[support_request.pk]), {"body": "hi"})
    assert response.status_code == 302
    assert response.url == reverse("request_detail", args=[support_request.pk])
    assert support_request.messages.count() == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_blank_reply_is_refused_with_message(client, htmx):
    requester = customer()
    support_request = services.support_request_submit(requester=requester, subject="S", body="B")
    client.force_login(requester)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(
        reverse("request_reply", args=[support_request.pk]), {"body": "   "}, **headers
    )
    assert response.status_code == (200 if htmx else 400)
    assert "cannot be empty" in response.content.decode()
    assert support_request.messages.count() == 0


def test_agent_acknowledges_assigns_replies_notes_and_resolves(client):
    # given
    agent = staff()
    support_request = services.support_request_submit(
        requester=customer(), subject="Sync broken", body="Nightly sync fails"
    )
    client.force_login(agent)
    base = [support_request.pk]
    # when
    client.post(reverse("agent_request_acknowledge", args=base))
    client.post(reverse("agent_request_assign_to_me", args=base))
    client.post(reverse("agent_request_message", args=base), {"body": "On it"})
    client.post(
        reverse("agent_request_message", args=base), {"body": "Check job 7", "internal": "on"}
    )
    response = client.post(reverse("agent_request_status", args=base), {"status": "resolved"})
    # then
    assert response.status_code == 302
    support_request.refresh_from_db()
    assert support_request.status == "resolved"
    assert support_request.assignee == agent
    assert support_request.acknowledged_at is not None
    assert list(support_request.messages.values_list("kind", "body")) == [
        (Message.Kind.AGENT, "On it"),
        (Message.Kind.INTERNAL_NOTE, "Check job 7"),
    ]
    assert list(support_request.events.values_list("kind", flat=True)) == [
        "submitted",
        "tier_changed",
        "status_changed",
        "acknowledged",
        "status_changed",
        "assigned",
        "message_added",
        "note_added",
        "status_changed",
    ]


def test_invalid_status_change_shows_message_and_changes_nothing(client):
    agent = staff()
    support_request = services.support_request_submit(requester=customer(), subject="S", body="B")
    client.force_login(agent)
    client.post(reverse("agent_request_status", args=[support_request.pk]), {"status": "closed"})
    response = client.post(
        reverse("agent_request_status", args=[support_request.pk]), {"status": "new"}, follow=True
    )
    assert "cannot be moved" in response.content.decode()
    support_request.refresh_from_db()
    assert support_request.status == "closed"


def test_queue_lists_open_requests_and_filters(client):
    # given
    north, south = OrganizationFactory(name="North"), OrganizationFactory(name="South")
    agent = staff()
    a = services.support_request_submit(requester=customer(north), subject="North one", body="x")
    services.support_request_submit(requester=customer(south), subject="South one", body="x")
    done = services.support_request_submit(requester=customer(north), subject="Done one", body="x")
    services.support_request_change_status(support_request=done, status="closed", actor=agent)
    services.support_request_change_status(
        support_request=a, status="waiting_on_customer", actor=agent
    )
    client.force_login(agent)
    # when
    everything = client.get(reverse("agent_queue")).context["queue"]
    by_org = client.get(reverse("agent_queue"), {"organization": north.pk}).context["queue"]
    by_status = client.get(reverse("agent_queue"), {"status": "triaged"}).context["queue"]
    # then
    assert [r.subject for r in everything] == ["North one", "South one"]
    assert [r.subject for r in by_org] == ["North one"]
    assert [r.subject for r in by_status] == ["South one"]


def test_queue_ignores_nonsense_filters(client):
    client.force_login(staff())
    response = client.get(reverse("agent_queue"), {"organization": "abc", "status": "zzz"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_home_routes_by_role(client):
    assert client.get(reverse("home")).status_code == 200
    client.force_login(staff())
    assert client.get(reverse("home")).url == reverse("agent_queue")
    client.force_login(customer())
    assert client.get(reverse("home")).url == reverse("request_list")


def test_user_without_organization_is_told_what_to_do(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    page = client.get(reverse("request_new")).content.decode()
    assert "not linked to an organization" in page
    response = client.post(reverse("request_new"), VALID)
    assert "not linked to an organization" in response.content.decode()
    assert SupportRequest.objects.count() == 0
