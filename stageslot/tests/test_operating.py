"""What an operator watches: request ids on answers, log lines and the worker's lines; JSON logs; the
readiness check; /metrics/ for the operator only; errors to Sentry only when SENTRY_DSN is set."""

import gzip
import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from payments.models import Payment
from stageslot import observability
from stageslot.observability import JsonFormatter, RequestIdFilter, request_id
from stageslot.tests import worker as shared
from stageslot.tests.worker import wait_until

ROOT = Path(__file__).resolve().parents[2]


def test_every_answer_names_its_request():
    first = Client().get(reverse("health"))
    second = Client().get(reverse("health"))
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]
    given = Client().get(reverse("health"), HTTP_X_REQUEST_ID="nginx-0123456789abcdef")
    assert given["X-Request-ID"] == "nginx-0123456789abcdef"
    for bad in ("short", "with spaces in it 123", "x" * 65, "semi;colon;12345"):
        answer = Client().get(reverse("health"), HTTP_X_REQUEST_ID=bad)
        assert answer["X-Request-ID"] != bad and len(answer["X-Request-ID"]) == 32


def _record(message: str = "hello", **extra) -> logging.LogRecord:
    record = logging.LogRecord("stageslot.test", logging.WARNING, __file__, 1, message, None, None)
    record.__dict__.update(extra)
    return record


def test_a_log_line_carries_the_request_id_as_json():
    token = request_id.set("abcdef0123456789")
    try:
        record = _record("a gig %s", args=None)
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["request_id"] == "abcdef0123456789" and line["level"] == "WARNING"
    assert line["logger"] == "stageslot.test" and line["time"].endswith("+00:00")
    outside = _record()
    RequestIdFilter().filter(outside)
    assert outside.request_id == "-"
    try:
        raise ValueError("wrong")
    except ValueError:
        import sys as _sys

        failing = _record(exc_info=_sys.exc_info())
    assert "ValueError: wrong" in json.loads(JsonFormatter().format(failing))["exception"]


def test_a_task_message_carries_the_request_id_and_the_worker_takes_it():
    headers = {}
    token = request_id.set("req-0123456789ab")
    try:
        observability.carry_to_task(headers=headers)
    finally:
        request_id.reset(token)
    assert headers == {observability.TASK_HEADER: "req-0123456789ab"}

    class Request:
        is_eager = False
        stageslot_request_id = "req-0123456789ab"

    class Task:
        request = Request()

    observability.take_in_task(task=Task())
    assert request_id.get() == "req-0123456789ab"
    observability.leave_task(task=Task())
    assert request_id.get() == ""
    Request.stageslot_request_id = "not valid at all; no"
    observability.take_in_task(task=Task())
    assert len(request_id.get()) == 32  # a periodic or forged one gets a new id
    observability.leave_task(task=Task())


@pytest.mark.services
@pytest.mark.django_db
def test_the_workers_lines_for_a_task_name_the_request_that_queued_it(
    client, tmp_path, django_db_setup, django_capture_on_commit_callbacks
):
    with shared.worker_processes(tmp_path) as start:
        worker = start()
        # In a served request the commit (and the task's queuing) happens inside the request; here the
        # test runs the commit's callbacks after the answer, so it stands in for the request around them.
        token = request_id.set("signup-req-0123456789")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("account_signup"),
                {
                    "email": "traced@example.com",
                    "password1": "a-long-and-unusual-passphrase",
                    "password2": "a-long-and-unusual-passphrase",
                    "time_zone": "UTC",
                },
                HTTP_X_REQUEST_ID="signup-req-0123456789",
            )
        request_id.reset(token)
        assert response.status_code == 302
        assert len(worker.wait_for_emails(1)) == 1
        assert wait_until(lambda: "[signup-req-0123456789]" in worker.log(), 10), worker.log()[-2000:]


@pytest.mark.django_db
def test_ready_checks_the_database_cache_broker_and_storages():
    answer = Client().get(reverse("ready"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert {"database", "cache", "broker", "storage:media", "storage:booking_files"} <= set(body)


@pytest.mark.django_db
def test_ready_says_which_part_failed_without_its_error(monkeypatch):
    from django.core.files.storage import default_storage

    def refuse(*_args, **_kwargs):
        raise OSError("disk full at /secret/path")

    monkeypatch.setattr(default_storage, "save", refuse)
    answer = Client().get(reverse("ready"))
    assert answer.status_code == 503
    assert answer.json()["storage:media"] == "error" and b"/secret/path" not in answer.content


@pytest.mark.django_db
def test_metrics_are_for_the_operator_only(settings):
    url = reverse("metrics")
    Client().get(reverse("health"))
    Payment.objects.none()  # the table exists: the payments gauge reads it
    own = Client().get(url, REMOTE_ADDR="127.0.0.1")
    assert own.status_code == 200
    text = own.content.decode()
    assert 'stageslot_request_seconds_count{method="GET",status="2xx",view="health"}' in text
    assert 'stageslot_payments_waiting{state="unknown"} 0.0' in text
    # A method a client makes up is counted as "other", never as a label of its own.
    Client().generic("BREW", reverse("health"))
    text = Client().get(url, REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'method="other"' in text and "BREW" not in text
    # Through the proxy, from elsewhere, signed in as staff: the site's 404.
    assert Client().get(url, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    assert Client().get(url, REMOTE_ADDR="203.0.113.9").status_code == 404
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert staff.get(url, REMOTE_ADDR="203.0.113.9").status_code == 404
    settings.METRICS_TOKEN = "operator-token-0123456789"
    assert Client().get(url, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    with_token = Client().get(
        url,
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_AUTHORIZATION="Bearer operator-token-0123456789",
    )
    assert with_token.status_code == 200


class _Sentry(BaseHTTPRequestHandler):
    envelopes: list[bytes] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        _Sentry.envelopes.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        return


def _run_failing_view(env: dict) -> subprocess.CompletedProcess:
    script = (
        "import django, os; django.setup()\n"
        "from django.test import Client\n"
        "from django.urls import path\n"
        "import stageslot.urls as urls\n"
        "def fail(request): raise RuntimeError('the view failed on purpose')\n"
        "urls.urlpatterns.insert(0, path('__fail__/', fail))\n"
        "Client(raise_request_exception=False).get('/__fail__/', HTTP_X_REQUEST_ID='sentry-req-0123456789')\n"
        "import sentry_sdk; sentry_sdk.flush(5)\n"
        "print('initialised', sentry_sdk.get_client().is_active())\n"
    )
    return subprocess.run(  # noqa: S603 - this interpreter and this file's own script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.slow
def test_errors_go_to_sentry_only_when_a_dsn_is_set(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _Sentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = {k: v for k, v in os.environ.items() if k not in ("SENTRY_DSN", "DATABASE_URL", "REDIS_URL")}
    base |= {"DJANGO_SETTINGS_MODULE": "stageslot.settings.test", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    try:
        _Sentry.envelopes.clear()
        quiet = _run_failing_view(base)
        assert "initialised False" in quiet.stdout, quiet.stderr[-2000:]
        assert _Sentry.envelopes == []
        port = server.server_address[1]
        loud = _run_failing_view(base | {"SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/1"})
        assert "initialised True" in loud.stdout, loud.stderr[-2000:]
        sent = b"".join(_Sentry.envelopes)
        assert b"the view failed on purpose" in sent and b"sentry-req-0123456789" in sent
    finally:
        server.shutdown()
        server.server_close()
