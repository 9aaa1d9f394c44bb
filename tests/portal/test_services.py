from datetime import timedelta

import pytest

from portal import services
from portal.models import Message, RequestEvent, SupportRequest
from portal.tasks import email_requester_agent_replied
from tests.conftest import run_inline
from tests.factories import T0, customer, staff

pytestmark = pytest.mark.django_db
Status = SupportRequest.Status


def _submit(requester, **overrides):
    fields = {"subject": "Export fails", "body": "The CSV export times out.", "now": T0}
    return services.support_request_submit(requester=requester, **{**fields, **overrides})


def _events(support_request):
    return list(support_request.events.values_list("kind", "data"))


def test_submit_creates_request_in_requesters_organization_and_logs_it():
    # given
    requester = customer()
    # when
    support_request = _submit(
        requester, subject="  Export fails  ", claimed_urgency="critical", call_requested=True
    )
    # then
    assert support_request.organization == requester.membership.organization
    assert support_request.subject == "Export fails"
    assessment = support_request.assessments.get()
    assert support_request.status == Status.TRIAGED
    assert support_request.tier == assessment.tier
    assert support_request.created_at == T0
    assert _events(support_request) == [
        ("submitted", {"claimed_urgency": "critical", "call_requested": True}),
        ("tier_changed", {"from": None, "to": assessment.tier, "assessment": assessment.pk}),
        ("status_changed", {"from": "new", "to": "triaged"}),
    ]


def test_submit_without_organization_is_refused_and_creates_nothing():
    from tests.factories import UserFactory

    with pytest.raises(services.ServiceError, match="not linked to an organization"):
        _submit(UserFactory())
    assert SupportRequest.objects.count() == 0
    assert RequestEvent.objects.count() == 0


def test_agent_reply_emails_the_requester_after_commit(
    django_capture_on_commit_callbacks, mailoutbox
):
    # given
    requester = customer(email="carla@acme.example")
    agent = staff(first_name="Ada", last_name="Agent")
    support_request = _submit(requester)
    # when: the broker is the boundary; run the task in-process when it is enqueued
    with (
        run_inline(email_requester_agent_replied) as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        message = services.message_post(
            support_request=support_request, author=agent, body="Try the new export.", now=T0
        )
    # then
    assert message.kind == Message.Kind.AGENT
    assert len(callbacks) == 1
    delay.assert_called_once_with(args=(message.pk,), retry=False)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["carla@acme.example"]
    assert "Ada Agent replied" in mailoutbox[0].body
    assert "Try the new export." in mailoutbox[0].body
    assert f"#{support_request.pk}" in mailoutbox[0].subject


@pytest.mark.parametrize(
    ("_case", "internal", "notify"), [("internal note", True, True), ("import", False, False)]
)
def test_no_email_for_internal_notes_or_silent_posts(
    _case, internal, notify, django_capture_on_commit_callbacks
):
    support_request = _submit(customer())
    with django_capture_on_commit_callbacks() as callbacks:
        services.message_post(
            support_request=support_request,
            author=staff(),
            body="Looks like INC-12.",
            internal=internal,
            notify=notify,
            now=T0,
        )
    assert callbacks == []


def test_customer_cannot_write_internal_note():
    requester = customer()
    support_request = _submit(requester)
    before = _events(support_request)
    with pytest.raises(services.ServiceError, match="internal notes"):
        services.message_post(
            support_request=support_request, author=requester, body="psst", internal=True
        )
    assert support_request.messages.count() == 0
    assert _events(support_request) == before


def test_message_events_record_kind_and_id():
    requester = customer()
    support_request = _submit(requester)
    note = services.message_post(
        support_request=support_request, author=staff(), body="note", internal=True, now=T0
    )
    reply = services.message_post(
        support_request=support_request, author=requester, body="more info", now=T0
    )
    assert [e for e in _events(support_request) if e[0].endswith("_added")] == [
        ("note_added", {"message_id": note.pk, "message_kind": "internal_note"}),
        ("message_added", {"message_id": reply.pk, "message_kind": "customer"}),
    ]


def test_acknowledge_is_recorded_once():
    # given
    support_request = _submit(customer())
    agent = staff()
    later = T0 + timedelta(minutes=3)
    # when
    first = services.support_request_acknowledge(
        support_request=support_request, agent=agent, now=later
    )
    second = services.support_request_acknowledge(
        support_request=support_request, agent=agent, now=later + timedelta(minutes=1)
    )
    # then
    assert (first, second) == (True, False)
    assert support_request.acknowledged_at == later
    assert support_request.status == Status.ACKNOWLEDGED
    assert [kind for kind, _ in _events(support_request)] == [
        "submitted",
        "tier_changed",
        "status_changed",
        "acknowledged",
        "status_changed",
    ]
    assert _events(support_request)[4][1] == {"from": "triaged", "to": "acknowledged"}


def test_customer_cannot_acknowledge_or_assign():
    requester = customer()
    support_request = _submit(requester)
    before = _events(support_request)
    with pytest.raises(services.ServiceError):
        services.support_request_acknowledge(support_request=support_request, agent=requester)
    with pytest.raises(services.ServiceError):
        services.support_request_assign(
            support_request=support_request, assignee=requester, actor=requester
        )
    support_request.refresh_from_db()
    assert (support_request.acknowledged_at, support_request.assignee) == (None, None)
    assert _events(support_request) == before


def test_assign_logs_previous_and_new_assignee():
    support_request = _submit(customer())
    ada, ben = staff(), staff()
    assert services.support_request_assign(
        support_request=support_request, assignee=ada, actor=ada, now=T0
    )
    assert not services.support_request_assign(
        support_request=support_request, assignee=ada, actor=ada, now=T0
    )
    assert services.support_request_assign(
        support_request=support_request, assignee=ben, actor=ada, now=T0
    )
    assert support_request.assignee == ben
    assert [data for kind, data in _events(support_request) if kind == "assigned"] == [
        {"from": None, "to": ada.pk},
        {"from": ada.pk, "to": ben.pk},
    ]


def test_status_change_follows_transition_table():
    # given
    support_request = _submit(customer())
    agent = staff()
    # when
    services.support_request_change_status(
        support_request=support_request, status=Status.RESOLVED, actor=agent, now=T0
    )
    # then
    assert support_request.status == Status.RESOLVED
    assert support_request.resolved_at == T0
    with pytest.raises(services.ServiceError, match="cannot be moved"):
        services.support_request_change_status(
            support_request=support_request, status=Status.NEW, actor=agent
        )
    assert support_request.status == Status.RESOLVED


def test_customer_reply_hands_waiting_request_back_and_reopens_resolved():
    # given
    requester = customer()
    agent = staff()
    support_request = _submit(requester)
    services.support_request_acknowledge(support_request=support_request, agent=agent, now=T0)
    services.support_request_change_status(
        support_request=support_request, status=Status.WAITING_ON_CUSTOMER, actor=agent, now=T0
    )
    # when
    services.message_post(support_request=support_request, author=requester, body="Here", now=T0)
    # then
    assert support_request.status == Status.ACKNOWLEDGED
    services.support_request_change_status(
        support_request=support_request, status=Status.RESOLVED, actor=agent, now=T0
    )
    services.message_post(support_request=support_request, author=requester, body="Again", now=T0)
    assert support_request.status == Status.ACKNOWLEDGED
    assert support_request.resolved_at is None
    transitions = [
        (data["from"], data["to"])
        for kind, data in _events(support_request)
        if kind == "status_changed"
    ]
    assert transitions == [
        ("new", "triaged"),
        ("triaged", "acknowledged"),
        ("acknowledged", "waiting_on_customer"),
        ("waiting_on_customer", "acknowledged"),
        ("acknowledged", "resolved"),
        ("resolved", "acknowledged"),
    ]


def test_closed_request_takes_no_more_messages():
    requester = customer()
    support_request = _submit(requester)
    services.support_request_change_status(
        support_request=support_request, status=Status.CLOSED, actor=staff(), now=T0
    )
    with pytest.raises(services.ServiceError, match="closed"):
        services.message_post(support_request=support_request, author=requester, body="hello?")
    assert support_request.messages.count() == 0


def test_signup_joins_organization_by_email_domain():
    from tests.factories import OrganizationFactory, UserFactory

    organization = OrganizationFactory(email_domain="northwind.example")
    joined = UserFactory(email="kim@Northwind.example")
    stranger = UserFactory(email="kim@elsewhere.example")
    membership = services.membership_create_for_signup(user=joined)
    assert membership.organization == organization
    assert membership.role == "requester"
    assert services.membership_create_for_signup(user=stranger) is None
