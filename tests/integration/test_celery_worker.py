"""A real Celery worker on the configured broker (the embedded filesystem broker by default,
Redis in CI) runs the task that a service enqueued after commit."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal import services
from tests.factories import customer, staff

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        queue = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        shutil.rmtree(queue, ignore_errors=True)
        queue.mkdir(parents=True)
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.test_settings",
        "DATABASE_URL": _database_url(),
        "DB_CONN_MAX_AGE": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield mail_dir
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
    print((tmp_path / "worker.log").read_text()[-4000:])


def test_agent_reply_email_is_sent_by_a_real_worker(worker):
    # given
    requester = customer(email="dana@acme.example")
    support_request = services.support_request_submit(
        requester=requester, subject="Webhook delays", body="Webhooks arrive late."
    )
    # when: the service enqueues the email after its transaction commits
    services.message_post(
        support_request=support_request, author=staff(first_name="Ben"), body="Fixed the queue."
    )
    # then: the worker process sends it
    subjects = {
        f"[Callgate #{support_request.pk}] Received: Webhook delays",
        f"[Callgate #{support_request.pk}] New reply: Webhook delays",
    }
    deadline = time.monotonic() + 60
    emails: list[str] = []
    while time.monotonic() < deadline and len(emails) < 2:
        emails = [p.read_text() for p in worker.glob("*.log")] if worker.exists() else []
        time.sleep(0.25)
    assert len(emails) == 2, "the worker did not send both emails within 60 s"
    assert {
        line[len("Subject: ") :]
        for e in emails
        for line in e.splitlines()
        if line.startswith("Subject: ")
    } == subjects
    reply = next(e for e in emails if "New reply" in e)
    assert "To: dana@acme.example" in reply and "Fixed the queue." in reply
    received = next(e for e in emails if "Received:" in e)
    assert "You will hear from us by" in received
