"""Links that leave the page (feeds, share links, emails) follow the address the site is served on."""

import os
import stat
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from bookings.models import CalendarFeed
from bookings.services.share import share_link_create
from bookings.tests.factories import band_with_leader
from core.web.site import site_url
from stageslot.local_run import LocalRun

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HOST = {"HTTP_HOST": "stageslot.lan:8311"}


def test_without_a_configured_address_pages_link_to_the_host_they_were_served_on(client, settings):
    settings.SITE_URL = ""
    band, leader = band_with_leader(name="The Night Owls")
    link = share_link_create(band=band, by=leader, label="Rockpalast")
    client.force_login(leader)
    html = client.get(reverse("bookings:band_share", args=[band.slug]), **HOST).content.decode()
    assert f"http://stageslot.lan:8311/share/{link.token}/" in html
    assert "127.0.0.1:8000" not in html
    client.post(reverse("bookings:feed_create"), {"scope": "member"}, **HOST)
    feed = CalendarFeed.objects.get(user=leader)
    html = client.get(reverse("bookings:my_feeds"), **HOST).content.decode()
    assert f"http://stageslot.lan:8311/feeds/{feed.token}.ics" in html
    assert f"webcal://stageslot.lan:8311/feeds/{feed.token}.ics" in html


def test_a_configured_address_wins_and_outside_a_request_the_local_default_is_used(client, settings):
    settings.SITE_URL = "https://stageslot.example/"
    assert site_url() == "https://stageslot.example"
    band, leader = band_with_leader()
    link = share_link_create(band=band, by=leader, label="Promoter")
    client.force_login(leader)
    html = client.get(reverse("bookings:band_share", args=[band.slug]), **HOST).content.decode()
    assert f"https://stageslot.example/share/{link.token}/" in html
    settings.SITE_URL = ""
    assert site_url() == "http://127.0.0.1:8000"


def test_make_run_points_links_at_its_host(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    fake = venv / "bin" / "python"
    fake.write_text('#!/bin/sh\necho "$*"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    (venv / ".runtime").touch()
    env = {k: v for k, v in os.environ.items() if k != "STAGESLOT_SITE_URL"}
    out = subprocess.run(  # noqa: S603
        ["make", "-s", "run", f"VENV={venv}", "HOST=0.0.0.0:8311"],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "manage.py run_local --migrate --seed 0.0.0.0:8311" in out
    # run_local hands the address it serves on (HOST's, or the next free port) to the demo data and the server.
    run = LocalRun(cache=tmp_path)
    assert run.child_env("0.0.0.0:8311", {})["STAGESLOT_SITE_URL"] == "http://localhost:8311"
    assert run.child_env("0.0.0.0:8312", env | {"STAGESLOT_SITE_URL": "https://x.example"})["STAGESLOT_SITE_URL"] == (
        "https://x.example"
    )
