"""Background work really goes through Redis to a separate worker process."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from stageslot.celery_app import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path):
    """A `celery worker` process on this run's queue; yields the folder its mail lands in."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log = (tmp_path / "worker.log").open("w")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stageslot.settings.test",
        "STAGESLOT_TEST_MAIL_DIR": str(mail_dir),
        "STAGESLOT_TEST_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
    }
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "stageslot", "worker", "--pool=solo", "--loglevel=INFO",
         "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    celery_app.conf.task_always_eager = False
    try:
        yield mail_dir
    finally:
        celery_app.conf.task_always_eager = True
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def wait_for_files(folder: Path, timeout: float = 30) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = [f for f in folder.iterdir() if f.stat().st_size]
        if files:
            return files
        time.sleep(0.2)
    return []


@pytest.mark.services
@pytest.mark.django_db
def test_signup_email_is_sent_by_a_worker_process_through_redis(
    client, worker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "worker.test@example.com",
                "password1": "a-long-and-unusual-passphrase",
                "password2": "a-long-and-unusual-passphrase",
                "time_zone": "UTC",
            },
        )
    assert response.status_code == 302
    # The web process sent nothing itself: the mail went to the broker.
    assert mailoutbox == []
    files = wait_for_files(worker)
    assert len(files) == 1, "the worker did not send the email within 30 s"
    text = files[0].read_text()
    assert "To: worker.test@example.com" in text
    assert "/accounts/confirm-email/" in text
