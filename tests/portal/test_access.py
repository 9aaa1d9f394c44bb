"""Every object URL behind its chokepoint: another organization's request looks missing."""

import re

import pytest
from django.urls import reverse

from portal import services
from portal.models import Membership
from tests.factories import OrganizationFactory, customer, staff

pytestmark = pytest.mark.django_db

CUSTOMER_GET = ["request_detail"]
CUSTOMER_POST = ["request_reply"]
AGENT_GET = ["agent_request_detail"]
AGENT_POST = [
    "agent_request_message",
    "agent_request_acknowledge",
    "agent_request_assign_to_me",
    "agent_request_status",
]


def _without_csrf(content: bytes) -> bytes:
    """Pages differ only by their per-response CSRF token masking."""
    return re.sub(rb'"X-CSRFToken": "[^"]+"|value="[A-Za-z0-9]{64}"', b"", content)


@pytest.fixture
def other_orgs_request():
    return services.support_request_submit(
        requester=customer(), subject="Secret outage", body="Only for org B"
    )


@pytest.mark.parametrize("name", CUSTOMER_GET + CUSTOMER_POST)
def test_customer_gets_same_404_for_other_org_and_missing(client, name, other_orgs_request):
    # given
    client.force_login(customer())
    method = client.get if name in CUSTOMER_GET else client.post
    # when
    foreign = method(reverse(name, args=[other_orgs_request.pk]), {"body": "hi"})
    missing = method(reverse(name, args=[other_orgs_request.pk + 1000]), {"body": "hi"})
    # then
    assert foreign.status_code == missing.status_code == 404
    assert _without_csrf(foreign.content) == _without_csrf(missing.content)
    assert b"Secret outage" not in foreign.content
    assert other_orgs_request.messages.count() == 0


@pytest.mark.parametrize("name", AGENT_GET + AGENT_POST)
def test_staff_pages_refuse_customers(client, name, other_orgs_request):
    client.force_login(other_orgs_request.requester)
    method = client.get if name in AGENT_GET else client.post
    response = method(
        reverse(name, args=[other_orgs_request.pk]), {"body": "x", "status": "closed"}
    )
    assert response.status_code == 403
    before = other_orgs_request.events.count()
    other_orgs_request.refresh_from_db()
    assert other_orgs_request.status == "triaged"
    assert other_orgs_request.acknowledged_at is None
    assert other_orgs_request.events.count() == before == 3


def test_agent_queue_refuses_customers(client):
    client.force_login(customer())
    assert client.get(reverse("agent_queue")).status_code == 403


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("request_list", []),
        ("request_new", []),
        ("request_detail", [1]),
        ("agent_queue", []),
        ("agent_request_detail", [1]),
    ],
)
def test_anonymous_is_sent_to_login(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("name", AGENT_GET)
def test_agent_missing_request_is_404(client, name):
    client.force_login(staff())
    assert client.get(reverse(name, args=[999])).status_code == 404


def test_requester_sees_own_requests_and_org_admin_sees_organization(client):
    # given
    organization = OrganizationFactory()
    alice = customer(organization, role=Membership.Role.ORG_ADMIN)
    bob = customer(organization)
    carol = customer(organization)
    outsider = customer()
    for user, subject in [
        (bob, "Bob's printer"),
        (carol, "Carol's login"),
        (outsider, "Other org"),
    ]:
        services.support_request_submit(requester=user, subject=subject, body="details")
    # when
    client.force_login(bob)
    bob_page = client.get(reverse("request_list")).content.decode()
    client.force_login(alice)
    admin_page = client.get(reverse("request_list")).content.decode()
    # then
    assert "Bob&#x27;s printer" in bob_page
    assert "Carol" not in bob_page and "Other org" not in bob_page
    assert "Bob&#x27;s printer" in admin_page and "Carol&#x27;s login" in admin_page
    assert "Other org" not in admin_page


def test_org_admin_can_open_colleagues_request_but_requester_cannot(client):
    organization = OrganizationFactory()
    admin = customer(organization, role=Membership.Role.ORG_ADMIN)
    bob, carol = customer(organization), customer(organization)
    bobs = services.support_request_submit(requester=bob, subject="Bob's", body="x")
    client.force_login(admin)
    assert client.get(reverse("request_detail", args=[bobs.pk])).status_code == 200
    client.force_login(carol)
    assert client.get(reverse("request_detail", args=[bobs.pk])).status_code == 404


def test_internal_notes_never_reach_customer_pages(client):
    # given
    requester = customer()
    agent = staff()
    support_request = services.support_request_submit(
        requester=requester, subject="Slow", body="Reports are slow"
    )
    services.message_post(
        support_request=support_request,
        author=agent,
        body="NOTE: customer is on old plan",
        internal=True,
    )
    services.message_post(support_request=support_request, author=agent, body="Looking now")
    # when
    client.force_login(requester)
    page = client.get(reverse("request_detail", args=[support_request.pk])).content.decode()
    partial = client.post(
        reverse("request_reply", args=[support_request.pk]),
        {"body": "thanks"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    client.force_login(agent)
    agent_page = client.get(
        reverse("agent_request_detail", args=[support_request.pk])
    ).content.decode()
    # then
    assert "Looking now" in page and "Looking now" in partial
    assert "old plan" not in page and "old plan" not in partial
    assert "old plan" in agent_page
