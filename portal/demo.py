"""The demo data set behind ``manage.py seed_demo``: organizations of different value and
renewal dates, customers, staff, and requests in every state with their threads.

Idempotent: people and organizations are matched by email and name, requests by
(organization, subject); what exists is left alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kb.demo import seed_articles
from portal import services
from portal.models import Membership, Organization, SupportRequest

DEMO_PASSWORD = "callgate-demo"

STAFF = [
    ("ada@callgate.test", "Ada", "Agent", "agent"),
    ("ben@callgate.test", "Ben", "Okafor", "agent"),
    ("erin@callgate.test", "Erin", "Editor", "editor"),
    ("max@callgate.test", "Max", "Manager", "manager"),
]


@dataclass(frozen=True)
class DemoOrg:
    name: str
    domain: str
    plan: str
    acv: int
    renewal_in_days: int | None
    health: int
    at_risk: bool
    tz: str
    country: str
    people: tuple[tuple[str, str], ...]  # (email local part, role)


ORGS = [
    DemoOrg(
        "Northwind Logistics",
        "northwind.example",
        "enterprise",
        240_000,
        21,
        82,
        False,
        "Europe/Berlin",
        "DE",
        (("alice", "org_admin"), ("bob", "requester")),
    ),
    DemoOrg(
        "Globex Retail",
        "globex.example",
        "enterprise",
        150_000,
        60,
        41,
        True,
        "Europe/London",
        "GB",
        (("grace", "org_admin"), ("hank", "requester")),
    ),
    DemoOrg(
        "Umbrella Health",
        "umbrella.example",
        "business",
        95_000,
        10,
        67,
        False,
        "Europe/Paris",
        "FR",
        (("claire", "org_admin"), ("remy", "requester")),
    ),
    DemoOrg(
        "Acme Analytics",
        "acme.example",
        "business",
        48_000,
        200,
        88,
        False,
        "America/New_York",
        "US",
        (("dana", "org_admin"), ("eli", "requester")),
    ),
    DemoOrg(
        "Initech",
        "initech.example",
        "starter",
        6_000,
        None,
        74,
        False,
        "America/Chicago",
        "US",
        (("peter", "org_admin"), ("milton", "requester")),
    ),
]

# (subject, body, area, production, users, workaround, claimed, call, final status, thread)
# thread entries: ("c" customer | "a" agent | "n" internal note, text)
REQUESTS = [
    (
        "Dashboard returns 502 for everyone",
        "Since 09:10 our whole team gets a 502 Bad Gateway on "
        "the dashboard. Production is down for all 120 users, no workaround.",
        "general",
        True,
        120,
        False,
        "critical",
        True,
        "acknowledged",
        [
            (
                "a",
                "We see elevated errors on the EU cluster and are on it. Next update in 15 minutes.",
            ),
            ("n", "Linked to incident INC-2291; ops paged."),
            ("c", "Thanks, still down here."),
        ],
    ),
    (
        "How do I export a report to CSV?",
        "Where is the CSV export for the monthly usage report?",
        "reporting",
        False,
        1,
        True,
        "low",
        False,
        "resolved",
        [
            ("a", "Open the report, then Export → CSV in the top-right menu."),
            ("c", "Found it, thank you!"),
        ],
    ),
    (
        "SSO login fails with SAML error AUTH-403",
        "Since this morning some users get AUTH-403 when "
        "signing in through Okta. About 15 people are locked out; password login still works.",
        "account",
        True,
        15,
        True,
        "high",
        False,
        "waiting_on_customer",
        [("a", "Could you send us the SAML response ID from one failed attempt?")],
    ),
    (
        "Invoice shows wrong VAT number",
        "Our last invoice lists an old VAT number. Please correct "
        "it before our finance close on Friday.",
        "billing",
        False,
        None,
        None,
        "normal",
        False,
        "triaged",
        [],
    ),
    (
        "URGENT call me now: change logo",
        "URGENT!!! I need a call now. How do I change the logo on the customer portal?",
        "general",
        False,
        1,
        True,
        "critical",
        True,
        "new",
        [],
    ),
    (
        "Webhook deliveries delayed by an hour",
        "Order webhooks arrive 40–60 minutes late since "
        "yesterday. Our warehouse staff are waiting on them.",
        "api",
        True,
        30,
        False,
        "high",
        False,
        "acknowledged",
        [("a", "Thanks — we are checking the delivery queue for your account.")],
    ),
    (
        "Feature request: dark mode",
        "Would you consider a dark mode for the agent console?",
        "general",
        False,
        None,
        None,
        "low",
        False,
        "closed",
        [("a", "Thanks, we have added your vote to the roadmap item.")],
    ),
    (
        "API rate limit too low for nightly sync",
        "Our nightly sync hits 429 Too Many Requests "
        "after about 10 minutes. It finishes eventually but slowly.",
        "api",
        False,
        2,
        True,
        "normal",
        False,
        "new",
        [],
    ),
    (
        "Possible data loss after import",
        "After yesterday's CSV import about 300 customer records "
        "are missing in production. We have not touched them since.",
        "reporting",
        True,
        40,
        False,
        "critical",
        True,
        "acknowledged",
        [
            ("n", "Import job 88123 shows partial rollback — check with data team."),
            (
                "a",
                "We found the import job and are restoring the records from the pre-import snapshot.",
            ),
        ],
    ),
    (
        "Add a new admin user",
        "Please make Remy an administrator of our workspace.",
        "account",
        False,
        1,
        True,
        "normal",
        False,
        "resolved",
        [("a", "Done — Remy now has the administrator role.")],
    ),
    (
        "Scheduled report did not arrive",
        "The Monday 8:00 report email did not arrive this week.",
        "reporting",
        False,
        5,
        True,
        "normal",
        False,
        "new",
        [],
    ),
    (
        "Is there a status page?",
        "Do you have a public status page we can subscribe to?",
        "general",
        False,
        None,
        None,
        "low",
        False,
        "resolved",
        [("a", "Yes: status.callgate.test — you can subscribe by email or RSS.")],
    ),
]


def _user(email: str, first: str = "", last: str = ""):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=email, defaults={"email": email, "first_name": first, "last_name": last}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def seed_demo(*, now=None) -> dict[str, int]:
    """Create what is missing of the demo; return how many requests were created."""
    now = now or timezone.now()
    groups = services.staff_groups_ensure()
    for email, first, last, group in STAFF:
        _user(email, first, last).groups.add(groups[group])
    agents = [_user(email) for email, *_, group in STAFF if group == "agent"]
    manager = _user("max@callgate.test")
    if not manager.is_staff:  # the manager edits the on-call rota in the admin
        manager.is_staff = True
        manager.save(update_fields=["is_staff"])
    _seed_rota(agents)
    articles = seed_articles(
        editor=_user("erin@callgate.test"), reviewer=_user("max@callgate.test")
    )

    created = 0
    for org_index, spec in enumerate(ORGS):
        organization, _ = Organization.objects.get_or_create(
            name=spec.name,
            defaults={
                "email_domain": spec.domain,
                "plan_tier": spec.plan,
                "annual_contract_value": Decimal(spec.acv),
                "renewal_date": (
                    date.today() + timedelta(days=spec.renewal_in_days)
                    if spec.renewal_in_days is not None
                    else None
                ),
                "health_score": spec.health,
                "at_risk": spec.at_risk,
                "timezone": spec.tz,
                "country": spec.country,
            },
        )
        people = []
        for local, role in spec.people:
            user = _user(f"{local}@{spec.domain}", local.title(), spec.name.split()[0])
            Membership.objects.get_or_create(
                user=user, defaults={"organization": organization, "role": role}
            )
            people.append(user)
        # Each organization gets a rotating share of the demo requests (about 30 in all).
        for offset in range(6):
            spec_index = (org_index * 5 + offset) % len(REQUESTS)
            created += _seed_request(
                organization=organization,
                requester=people[offset % len(people)],
                agent=agents[offset % len(agents)],
                row=REQUESTS[spec_index],
                opened=now - timedelta(minutes=13 * (org_index * 6 + offset) + 12),
            )
    return {"requests_created": created, "articles_created": articles}


def _seed_request(*, organization, requester, agent, row, opened) -> int:
    subject, body, area, production, users, workaround, claimed, call, final, thread = row
    if SupportRequest.objects.filter(organization=organization, subject=subject).exists():
        return 0
    support_request = services.support_request_submit(
        requester=requester,
        subject=subject,
        body=body,
        product_area=area,
        production_affected=production,
        users_affected=users,
        workaround_available=workaround,
        claimed_urgency=claimed,
        call_requested=call,
        now=opened,
    )
    at = opened
    Status = SupportRequest.Status
    if final not in (Status.NEW, Status.TRIAGED):
        at += timedelta(minutes=1)
        services.support_request_acknowledge(support_request=support_request, agent=agent, now=at)
        services.support_request_assign(
            support_request=support_request, assignee=agent, actor=agent, now=at
        )
    for kind, text in thread:
        at += timedelta(minutes=2)
        services.message_post(
            support_request=support_request,
            author=requester if kind == "c" else agent,
            body=text,
            internal=kind == "n",
            notify=False,
            now=at,
        )
    if final not in (Status.NEW, Status.TRIAGED) and support_request.status != final:
        services.support_request_change_status(
            support_request=support_request,
            status=final,
            actor=agent,
            now=at + timedelta(minutes=1),
        )
    return 1


def _seed_rota(agents) -> None:
    """Ada is primary and Ben backup in the first half of every day, then they swap."""
    from datetime import time

    from triage.models import RotaSlot

    if RotaSlot.objects.exists():
        return
    ada, ben = agents[0], agents[1]
    for weekday in range(7):
        RotaSlot.objects.create(
            weekday=weekday, start=time(0), end=time(12), primary=ada, backup=ben
        )
        RotaSlot.objects.create(
            weekday=weekday, start=time(12), end=time(0), primary=ben, backup=ada
        )
