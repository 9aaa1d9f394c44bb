"""factory_boy factories for the portal's models."""

from datetime import UTC, datetime

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from portal.models import Membership, Organization, SupportRequest
from portal.services import staff_groups_ensure

PASSWORD = "correct-horse-battery"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.LazyAttribute(lambda u: u.email)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    email_domain = factory.Sequence(lambda n: f"org{n}.example")
    plan_tier = Organization.PlanTier.BUSINESS
    annual_contract_value = 50_000
    timezone = "Europe/Berlin"
    country = "DE"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.REQUESTER


def customer(organization=None, role=Membership.Role.REQUESTER, **user_kwargs):
    organization = organization or OrganizationFactory()
    return MembershipFactory(
        organization=organization, role=role, user=UserFactory(**user_kwargs)
    ).user


def staff(group: str = "agent", **user_kwargs):
    user = UserFactory(**user_kwargs)
    user.groups.add(staff_groups_ensure()[group])
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


class SupportRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportRequest

    organization = factory.SubFactory(OrganizationFactory)
    requester = factory.LazyAttribute(lambda r: customer(r.organization))
    subject = factory.Sequence(lambda n: f"Problem {n}")
    body = "Something is not working as expected."
    created_at = T0
    updated_at = T0
