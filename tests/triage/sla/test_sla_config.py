import json

import pytest
from django.urls import reverse

from tests.factories import customer, staff
from triage import sla_services
from triage.models import SlaConfig

pytestmark = pytest.mark.django_db


def test_manager_saves_a_new_sla_version_and_open_requests_are_recomputed(
    client, django_capture_on_commit_callbacks
):
    # given
    manager = staff("manager")
    client.force_login(manager)
    page = client.get(reverse("sla_config"))
    targets = json.loads(page.context["form"].initial["targets"])
    targets["tiers"]["urgent"]["first_response"]["minutes"] = 20
    # when
    from tests.conftest import run_inline
    from triage.tasks import sla_recompute_open

    with (
        run_inline(sla_recompute_open) as recompute,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("sla_config"),
            {
                "calendar": page.context["form"].initial["calendar"],
                "targets": json.dumps(targets),
                "ladder": page.context["form"].initial["ladder"],
                "note": "Urgent in 20 minutes",
            },
        )
    # then
    assert response.status_code == 302
    assert list(SlaConfig.objects.values_list("version", "note")) == [
        (2, "Urgent in 20 minutes"),
        (1, "Defaults from DESIGN.md"),
    ]
    assert recompute.call_count == 1
    setup = sla_services.sla_setup_get()
    assert setup.version == 2
    assert setup.targets.for_tier("urgent").first_response.minutes == 20


@pytest.mark.parametrize(
    ("_case", "field", "value", "message"),
    [
        ("broken json", "calendar", "{nope", "not valid JSON"),
        ("unknown timezone", "calendar", '{"timezone": "Mars/Olympus"}', "not valid"),
        (
            "unknown weekday",
            "calendar",
            '{"timezone": "UTC", "periods": {"moonday": []}}',
            "not valid",
        ),
    ],
)
def test_invalid_sla_setup_is_refused_and_keeps_the_text(client, _case, field, value, message):
    manager = staff("manager")
    client.force_login(manager)
    initial = client.get(reverse("sla_config")).context["form"].initial
    response = client.post(reverse("sla_config"), {**initial, field: value})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert SlaConfig.objects.count() == 1


def test_only_managers_edit_slas(client):
    for user in (customer(), staff("agent"), staff("editor")):
        client.force_login(user)
        assert client.get(reverse("sla_config")).status_code == 403
