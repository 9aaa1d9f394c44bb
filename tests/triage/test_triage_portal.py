"""Triage in the portal: assessed on submission and on each customer message, stored
append-only with the policy version, shown to customers and agents, overridable with a reason."""

import json

import pytest
from django.urls import reverse

from portal import services
from portal.models import SupportRequest
from tests.factories import OrganizationFactory, customer, staff
from triage import services as triage_services
from triage.models import TriagePolicy, UrgencyAssessment

pytestmark = pytest.mark.django_db


def _submit(requester, **fields):
    defaults = {"subject": "Question", "body": "How do I change the logo on the portal?"}
    return services.support_request_submit(requester=requester, **{**defaults, **fields})


def test_quiet_production_outage_is_emergency_and_customer_sees_why(client):
    # given
    requester = customer(OrganizationFactory(annual_contract_value=240_000, plan_tier="enterprise"))
    # when
    support_request = _submit(
        requester,
        subject="Dashboard returns 502 for everyone",
        body="Since 09:10 the whole dashboard returns 502 Bad Gateway for all 120 users. "
        "Production is down and there is no workaround.",
        production_affected=True,
        users_affected=120,
        workaround_available=False,
    )
    # then
    assessment = UrgencyAssessment.objects.get()
    assert support_request.tier == "emergency"
    assert (assessment.tier, assessment.trigger, assessment.policy_version) == (
        "emergency",
        "submitted",
        "v1",
    )
    assert assessment.inputs["impact"]["users_affected"] == 120
    client.force_login(requester)
    page = client.get(support_request.get_absolute_url()).content.decode()
    assert "Urgency: Emergency" in page
    assert "paging our on-call engineer" in page
    for reason in assessment.reasons:
        assert reason.replace("'", "&#x27;") in page


def test_call_me_now_on_a_how_to_is_refused_with_a_reason(client):
    requester = customer()
    support_request = _submit(
        requester,
        subject="URGENT call me now",
        body="URGENT!!! Call me now. How do I change the logo on our customer portal?",
        claimed_urgency="critical",
        call_requested=True,
    )
    assessment = UrgencyAssessment.objects.get()
    assert support_request.tier in ("non_urgent", "informational")
    assert assessment.outputs["claim_accepted"] is False
    assert any("call" in reason.lower() for reason in assessment.reasons)


def test_each_customer_message_is_assessed_again():
    requester = customer()
    support_request = _submit(requester)
    services.message_post(
        support_request=support_request,
        author=requester,
        body="Update: now production is down for all 300 users, nobody can log in, no workaround!",
    )
    triggers = list(UrgencyAssessment.objects.values_list("trigger", flat=True))
    assert triggers == ["submitted", "customer_message"]
    services.message_post(support_request=support_request, author=staff(), body="Looking")
    assert UrgencyAssessment.objects.count() == 2  # agent replies are not assessed


def test_override_is_recorded_and_sticks_until_evidence_is_more_urgent(client):
    # given
    requester = customer()
    agent = staff()
    support_request = _submit(requester)
    client.force_login(agent)
    # when
    refused = client.post(
        reverse("agent_request_tier", args=[support_request.pk]), {"tier": "urgent", "reason": " "}
    )
    client.post(
        reverse("agent_request_tier", args=[support_request.pk]),
        {"tier": "urgent", "reason": "Key customer demo in one hour"},
    )
    # then
    assert refused.status_code == 400 and "cannot be empty" in refused.content.decode()
    support_request.refresh_from_db()
    assert (support_request.tier, support_request.tier_overridden) == ("urgent", True)
    override = UrgencyAssessment.objects.get(trigger="override")
    assert (override.actor, override.reason) == (agent, "Key customer demo in one hour")
    event = support_request.events.get(kind="tier_changed", actor=agent)
    assert event.data["to"] == "urgent" and event.data["reason"] == "Key customer demo in one hour"
    # a calm follow-up does not undo the agent's decision
    services.message_post(support_request=support_request, author=requester, body="Thanks!")
    support_request.refresh_from_db()
    assert support_request.tier == "urgent"


def test_customers_cannot_override():
    requester = customer()
    support_request = _submit(requester)
    with pytest.raises(triage_services.TriageError):
        triage_services.tier_override(
            support_request=support_request, agent=requester, tier="emergency", reason="me"
        )
    support_request.refresh_from_db()
    assert support_request.tier_overridden is False


def test_agent_sees_signals_and_history(client):
    support_request = _submit(customer())
    client.force_login(staff())
    page = client.get(reverse("agent_request_detail", args=[support_request.pk])).content.decode()
    assert "Signals" in page and "Assessment history (1)" in page and "confidence" in page


def test_policy_versions_and_assessments_name_them(client):
    # given
    manager = staff("manager")
    client.force_login(manager)
    _, active = triage_services.policy_get_active()
    data = active.to_dict() | {"high_value_acv": 50_000.0}
    # when
    bad = client.post(reverse("triage_policy"), {"data": "{not json", "note": "oops"})
    client.post(reverse("triage_policy"), {"data": json.dumps(data), "note": "Lower ACV"})
    support_request = _submit(customer())
    # then
    assert bad.status_code == 400 and "not valid JSON" in bad.content.decode()
    assert "{not json" in bad.content.decode()
    assert list(TriagePolicy.objects.values_list("version", "note")) == [
        (2, "Lower ACV"),
        (1, "Defaults from DESIGN.md"),
    ]
    assert support_request.assessments.get().policy_version == "v2"
    assert TriagePolicy.objects.get(version=2).data["high_value_acv"] == 50_000.0


def test_only_managers_edit_the_policy(client):
    for user in (customer(), staff("agent"), staff("editor")):
        client.force_login(user)
        assert client.get(reverse("triage_policy")).status_code == 403
    assert TriagePolicy.objects.count() == 0


def test_assessments_are_append_only():
    _submit(customer())
    assessment = UrgencyAssessment.objects.get()
    assessment.tier = "emergency"
    with pytest.raises(ValueError, match="append-only"):
        assessment.save()


def test_triage_failure_never_loses_the_request(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr("triage.services.engine.assess_urgency", broken)
    support_request = _submit(customer())
    assert SupportRequest.objects.filter(pk=support_request.pk).exists()
    assert (support_request.status, support_request.tier) == ("new", "")
    assert UrgencyAssessment.objects.count() == 0
