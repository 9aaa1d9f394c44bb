"""The outgoing webhook: JSON, HMAC-signed, retried until it succeeds, never sent twice."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.triage.sla.test_sla import T, _emergency, team  # noqa: F401 - fixture
from triage import sla_services
from triage.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    received, answers = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(answers.pop(0) if answers else 204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, answers
    server.shutdown()


def test_webhook_is_signed_retried_and_sent_once(settings, receiver, team):  # noqa: F811
    # given
    url, received, answers = receiver
    settings.TRIAGE_WEBHOOK_URL = url
    settings.TRIAGE_WEBHOOK_SECRET = "s3cret"
    support_request = _emergency()
    sla_services.sla_sweep(now=T + timedelta(minutes=2))
    notification = Notification.objects.get(stage="page_backup")
    answers.append(503)
    # when: the first attempt fails, the retry succeeds, a third call is a no-op
    with pytest.raises(Exception, match="503"):
        sla_services.webhook_post(notification_id=notification.pk)
    assert sla_services.webhook_post(notification_id=notification.pk) is True
    assert sla_services.webhook_post(notification_id=notification.pk) is False
    # then
    assert len(received) == 2
    headers, body = received[-1]
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Callgate-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["request_id"] == support_request.pk
    assert payload["stage"] == "page_backup"
    assert payload["key"] == notification.key
    notification.refresh_from_db()
    assert notification.webhook_attempts == 2 and notification.webhook_sent_at is not None


def test_customer_notifications_never_go_to_the_staff_webhook(settings, receiver, team):  # noqa: F811
    url, received, _ = receiver
    settings.TRIAGE_WEBHOOK_URL = url
    support_request = _emergency()
    notification = Notification.objects.create(
        key="x",
        support_request=support_request,
        stage="idle_reminder",
        audience="customer",
        recipient=support_request.requester,
        text="t",
        due_at=T,
        created_at=T,
    )
    assert sla_services.webhook_post(notification_id=notification.pk) is False
    assert received == []
