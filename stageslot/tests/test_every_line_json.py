"""Every line a web node, the worker and beat write is one JSON object, with the request's (or the task's)
id where there is one: gunicorn's own lines and its access lines, Django's "Not Found" of a 404, Celery's
lines, a stray print and Python's warnings (docs/decisions/0085-logs-probes-and-prefixes.md)."""

import json
import logging
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import Client

from stageslot.observability import JsonFormatter, RequestIdFilter
from stageslot.tests.test_procfile import processes

ROOT = Path(__file__).resolve().parents[2]


def json_lines_env(tmp_path: Path) -> dict[str, str]:
    """A process of the site with its lines in JSON, on an empty SQLite database of its own."""
    kept = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_LOG_FORMAT")}
    return kept | {
        "DJANGO_SETTINGS_MODULE": "stageslot.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "DJANGO_LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }


def parsed(output: str) -> list[dict]:
    """Each line as JSON: a line that is not one fails the test with it."""
    lines = []
    for line in output.splitlines():
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON line: {line!r}\nin:\n{output[-3000:]}") from None
    return lines


def test_the_not_found_line_of_a_404_names_its_request(caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        answer = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="lost-page-0123456789")
    assert answer.status_code == 404
    (record,) = [r for r in caplog.records if r.getMessage() == "Not Found: /no-such-page/"]
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "lost-page-0123456789"


def web_command() -> list[str]:
    """The Procfile's web line, one worker of two threads on a free loopback port."""
    few = {"WEB_CONCURRENCY": "1", "WEB_THREADS": "2"}
    line = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda match: few.get(*match.groups()), processes()["web"])
    words = shlex.split(line)
    words[words.index("--bind") + 1] = "127.0.0.1:0"
    return [str(Path(sys.executable).with_name("gunicorn")), *words[1:]]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """The status and X-Request-ID of a GET."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=60) as answer:  # noqa: S310
            return answer.status, answer.headers["X-Request-ID"]
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers["X-Request-ID"]


@pytest.mark.slow(reason="starts a gunicorn node of the whole application (about 3 s of CPU)")
def test_every_line_a_web_node_writes_is_json_and_its_access_lines_name_the_request(tmp_path):
    with (tmp_path / "stderr").open("w") as stderr:
        node = subprocess.Popen(  # noqa: S603 - the Procfile's own web line
            [*web_command(), "--control-socket", str(tmp_path / "gunicorn.ctl")],
            cwd=ROOT,
            env=json_lines_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        deadline = time.monotonic() + 60
        while not (port := re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", (tmp_path / "stderr").read_text())):
            assert node.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr").read_text()
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port.group(1)}"
        found = fetch(f"{base}/sw.js")
        missing = fetch(f"{base}/no-such-page/", {"X-Request-ID": "proxy-id-0123456789"})
    finally:
        node.send_signal(signal.SIGTERM)
        stdout, _ = node.communicate(timeout=30)
    assert (found[0], missing) == (200, (404, "proxy-id-0123456789"))
    access = parsed(stdout)
    lines = parsed((tmp_path / "stderr").read_text())
    assert [(a["path"], a["status"], a["request_id"]) for a in access] == [
        ("/sw.js", 200, found[1]),
        ("/no-such-page/", 404, "proxy-id-0123456789"),
    ]
    messages = [line["message"] for line in lines]
    assert messages[0].startswith("Starting gunicorn") and messages[-1] == "Shutting down: Master"
    assert any(message.startswith("Booting worker") for message in messages)
    (not_found,) = [line for line in lines if line["message"] == "Not Found: /no-such-page/"]
    assert not_found["request_id"] == "proxy-id-0123456789"


CELERY_LINES = """
import logging, warnings
import django
django.setup()
from stageslot.celery_app import SiteBeat, SiteWorker, app
app.log.setup(loglevel="INFO", redirect_stdouts=True)  # what `celery worker` and `celery beat` do at start
assert issubclass(app.Worker, SiteWorker) and app.Beat().quiet, "banners are printed as plain text"
logging.getLogger("celery.worker.consumer").info("Connected to the broker")
print("a stray print")
warnings.warn("a warning of a library")

@app.task(name="stageslot.tests.traced")
def traced():
    logging.getLogger("stageslot.tasks").info("inside the task")

traced.apply(task_id="task-0123456789")
"""


def test_every_line_the_worker_and_beat_write_is_json_and_a_tasks_lines_name_the_task(tmp_path):
    ran = subprocess.run(  # noqa: S603 - this interpreter and this test's own script
        [sys.executable, "-c", CELERY_LINES],
        cwd=ROOT,
        env=json_lines_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    lines = parsed(ran.stdout + ran.stderr)
    messages = {line["message"].strip(): line for line in lines}
    assert {"Connected to the broker", "a stray print", "inside the task"} <= set(messages)
    assert any("a warning of a library" in message for message in messages)
    assert messages["inside the task"]["task_id"] == "task-0123456789"
