import pytest
from django.db import IntegrityError, transaction

from portal.models import Message, Organization, RequestEvent, SupportRequest
from tests.factories import T0, OrganizationFactory, SupportRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("_case", "fields"),
    [
        ("negative contract value", {"annual_contract_value": -1}),
        ("health above 100", {"health_score": 101}),
        ("unknown plan", {"plan_tier": "platinum"}),
        ("one-letter country", {"country": "D"}),
    ],
)
def test_organization_constraints_reject_bad_rows(_case, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationFactory(**fields)
    assert Organization.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "fields"),
    [
        ("empty subject", {"subject": ""}),
        ("whitespace subject", {"subject": "   "}),
        ("whitespace body", {"body": " \n\t "}),
        ("unknown status", {"status": "snoozed"}),
        ("unknown claimed urgency", {"claimed_urgency": "yesterday"}),
    ],
)
def test_support_request_constraints_reject_bad_rows(_case, fields):
    organization = OrganizationFactory()
    requester = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportRequestFactory(organization=organization, requester=requester, **fields)
    assert SupportRequest.objects.count() == 0


def test_message_rejects_blank_body_and_unknown_kind():
    support_request = SupportRequestFactory()
    for fields in ({"body": "  ", "kind": "customer"}, {"body": "hi", "kind": "shout"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(
                support_request=support_request,
                author=support_request.requester,
                created_at=T0,
                **fields,
            )
    assert Message.objects.count() == 0


def test_request_events_are_append_only():
    # given
    support_request = SupportRequestFactory()
    event = RequestEvent.objects.create(
        support_request=support_request, kind=RequestEvent.Kind.SUBMITTED, at=T0
    )
    # when / then
    event.kind = RequestEvent.Kind.ACKNOWLEDGED
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert list(RequestEvent.objects.values_list("kind", flat=True)) == ["submitted"]


def test_staff_groups_come_from_the_data_migration_with_their_permissions():
    from django.contrib.auth.models import Group

    from portal.roles import GROUP_PERMISSIONS

    groups = {
        group.name: sorted(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.prefetch_related("permissions")
    }
    assert groups == {name: sorted(codes) for name, codes in GROUP_PERMISSIONS.items()}
