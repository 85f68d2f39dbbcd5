"""`make run` is calm: it says what it does, ends with the address and the demo logins, and prints
neither task traces, nor whole emails, nor broker warnings."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.mail import EmailMessage

from stageslot.email_backends import SummaryConsoleEmailBackend
from stageslot.management.commands.serve import Command as ServeCommand

ROOT = Path(__file__).resolve().parents[2]


def test_a_local_email_is_one_line_with_its_first_link(capsys):
    message = EmailMessage(
        subject="[StageSlot] Please confirm your email address",
        body="Hello!\n\nConfirm here: http://127.0.0.1:8000/accounts/confirm-email/abc/\n\nA long footer.\n",
        to=["new@example.com"],
    )
    assert SummaryConsoleEmailBackend().send_messages([message]) == 1
    out = capsys.readouterr().out
    assert out == (
        "Email to new@example.com: [StageSlot] Please confirm your email address"
        " – http://127.0.0.1:8000/accounts/confirm-email/abc/\n"
    )


def test_a_local_email_shows_its_sign_in_code_and_its_answer_links(capsys):
    code = EmailMessage(
        subject="[StageSlot] Sign-in code",
        body="Your sign-in code is listed below.\n\nK7Q-3PZ\n\nIgnore this mail if it was not you.\n",
        to=["member@example.com"],
    )
    answers = EmailMessage(
        subject="[StageSlot] Can you play on Friday?",
        body=(
            "See the gig: http://localhost:8000/gigs/0b1c/\n"
            "Yes: http://localhost:8000/gigs/answer/eyJ1IjoiMGIxYyIsImEiOiJ5ZXMifQ:1v2AbC:x9Zq/\n"
            "Can't: http://localhost:8000/gigs/answer/eyJ1IjoiMGIxYyIsImEiOiJjYW50In0:1v2AbC:p0Lk/\n"
            "Your settings: http://localhost:8000/me/notifications/\n"
        ),
        to=["member@example.com"],
    )
    assert SummaryConsoleEmailBackend().send_messages([code, answers]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Email to member@example.com: [StageSlot] Sign-in code – code K7Q-3PZ"
    assert lines[1] == (
        "Email to member@example.com: [StageSlot] Can you play on Friday? – http://localhost:8000/gigs/0b1c/"
        " – http://localhost:8000/gigs/answer/eyJ1IjoiMGIxYyIsImEiOiJ5ZXMifQ:1v2AbC:x9Zq/"
        " – http://localhost:8000/gigs/answer/eyJ1IjoiMGIxYyIsImEiOiJjYW50In0:1v2AbC:p0Lk/"
    )


def test_the_server_ends_its_start_up_with_the_address_and_the_demo_logins(settings):
    settings.SITE_URL = "http://localhost:8311"
    command = ServeCommand(stdout=io.StringIO(), no_color=True)
    command.addr, command._raw_ipv6, command.protocol = "127.0.0.1", False, "http"
    command.on_bind(8311)
    lines = [line for line in command.stdout._out.getvalue().splitlines() if line]
    # By name, not by number: passkeys refuse an address made of numbers.
    assert lines[0] == "StageSlot is running at http://localhost:8311/"
    assert lines[1] == "Log in at http://localhost:8311/accounts/login/"
    assert "stageslot-demo" in lines[2]
    assert any("mara@demo.stageslot.test" in line for line in lines)
    assert lines[-1].startswith("For trying it out on this computer only.")
    assert "Django version" not in "\n".join(lines) and "WARNING" not in "\n".join(lines)


@pytest.mark.parametrize("local", [True, False])
def test_the_start_up_says_payments_are_a_test_against_localstripe_unless_stripes_keys_are_set(settings, local):
    settings.STRIPE_LOCAL = local
    command = ServeCommand(stdout=io.StringIO(), no_color=True)
    command.addr, command._raw_ipv6, command.protocol = "127.0.0.1", False, "http"
    command.on_bind(8311)
    lines = [line for line in command.stdout._out.getvalue().splitlines() if "localstripe" in line]
    expected = [f"Payments run in test mode against localstripe at {settings.STRIPE_API_BASE}: no money moves"]
    assert [line.split(" (")[0] for line in lines] == (expected if local else [])


def test_make_run_says_what_it_is_doing_in_order():
    dry = subprocess.run(
        ["make", "-n", "run", "HOST=127.0.0.1:8311"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # run_local claims the checkout, then migrates, loads the demo data and serves
    # (stageslot/tests/test_local_run.py): a refused second run migrates nothing.
    assert "manage.py run_local --migrate --seed 127.0.0.1:8311" in dry
    assert "manage.py migrate" not in dry


SCRIPT = """
import django, logging
django.setup()
from django.conf import settings
from django.core.mail import send_mail
from stageslot.celery_app import app

@app.task
def ping():
    return "pong"

ping.delay()
app.connection_for_write().as_uri()
send_mail("Your gig is booked", "A long body\\nwith many lines\\n", None, ["mara@example.com"])
print("BACKEND", settings.EMAIL_BACKEND)
"""


@pytest.mark.slow
def test_a_local_run_prints_no_task_traces_whole_emails_or_broker_warnings(tmp_path):
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS", "EMAIL_URL", "DATABASE"))}
    env = {
        **keep,
        "DJANGO_SETTINGS_MODULE": "stageslot.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    output = result.stdout + result.stderr
    assert "BACKEND stageslot.email_backends.SummaryConsoleEmailBackend" in output
    assert "Email to mara@example.com: Your gig is booked" in output
    assert "A long body" not in output and "Content-Type" not in output
    assert "succeeded" not in output and "celery.app.trace" not in output
    assert "No hostname was supplied" not in output
