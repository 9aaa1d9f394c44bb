import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from portal.models import Membership, Message, Organization, RequestEvent, SupportRequest

ROOT = Path(__file__).resolve().parents[2]


def _counts():
    return tuple(
        model.objects.count()
        for model in (Organization, Membership, SupportRequest, Message, RequestEvent)
    )


@pytest.mark.django_db
def test_seed_demo_builds_a_realistic_demo_and_is_idempotent(capsys):
    # when
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    # then
    assert _counts() == first
    organizations, memberships, requests, messages, _events = first
    assert organizations == 5 and memberships == 10
    assert 24 <= requests <= 40 and messages >= 20
    statuses = set(SupportRequest.objects.values_list("status", flat=True))
    assert statuses == {s.value for s in SupportRequest.Status} - {"new"}  # all are triaged
    assert set(SupportRequest.objects.values_list("tier", flat=True)) >= {"emergency", "non_urgent"}
    assert len(set(Organization.objects.values_list("plan_tier", flat=True))) == 3
    output = capsys.readouterr().out
    assert "ada@callgate.test" in output and "(0 requests and 0 help articles created)" in output


def test_check_deploy_with_production_environment_is_quiet(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 64 + "-production-secret-for-the-deploy-check",
        "ALLOWED_HOSTS": "support.example.com",
        "CALLGATE_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {**os.environ, "DEBUG": "0", "CALLGATE_VAR_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
