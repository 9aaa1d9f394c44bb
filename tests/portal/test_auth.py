import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse

from portal.models import Membership
from tests.factories import PASSWORD, OrganizationFactory, customer

pytestmark = pytest.mark.django_db


def test_signup_requires_email_verification_and_joins_organization(client, mailoutbox):
    # given
    organization = OrganizationFactory(email_domain="northwind.example")
    # when
    response = client.post(
        reverse("account_signup"),
        {
            "email": "nina@northwind.example",
            "password1": "a-Long-pass-1234",
            "password2": "a-Long-pass-1234",
        },
    )
    # then: not signed in until the address is confirmed
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = get_user_model().objects.get(email="nina@northwind.example")
    assert Membership.objects.get(user=user).organization == organization
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mailoutbox) == 1
    assert client.get(reverse("request_list")).status_code == 302
    # when: the emailed link is followed
    link = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+)", mailoutbox[0].body).group(1)
    client.post(link)
    # then
    assert EmailAddress.objects.get(user=user).verified
    client.post(reverse("account_login"), {"login": user.email, "password": "a-Long-pass-1234"})
    assert client.get(reverse("request_list")).status_code == 200


def test_login_with_email_and_password(client):
    user = customer(email="omar@acme.example")
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("request_list")).status_code == 200


def test_wrong_password_shows_message_and_keeps_email(client):
    customer(email="omar@acme.example")
    response = client.post(
        reverse("account_login"), {"login": "omar@acme.example", "password": "nope"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "not correct" in page
    assert 'value="omar@acme.example"' in page


def test_login_by_emailed_code(client, mailoutbox):
    user = customer(email="omar@acme.example")
    client.post(reverse("account_request_login_code"), {"email": user.email})
    assert len(mailoutbox) == 1
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mailoutbox[0].body, re.MULTILINE).group(
        1
    )
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert client.get(reverse("request_list")).status_code == 200


def test_login_attempts_are_rate_limited(client):
    customer(email="omar@acme.example")
    statuses = [
        client.post(
            reverse("account_login"), {"login": "omar@acme.example", "password": f"wrong{i}"}
        ).status_code
        for i in range(12)
    ]
    page = client.post(
        reverse("account_login"), {"login": "omar@acme.example", "password": PASSWORD}
    ).content.decode()
    assert statuses[0] == 200
    assert "Too many failed login attempts" in page
    assert client.get(reverse("request_list")).status_code == 302
