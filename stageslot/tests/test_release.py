"""The Procfile's release line migrates and writes busy time out to the end of the horizon at once (decision 0093)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability import services as availability
from availability.models import BusyInterval, Rule
from stageslot.tests.test_procfile import processes

pytestmark = pytest.mark.django_db


def test_the_release_line_is_the_release_command():
    assert processes()["release"] == "python manage.py release"


def test_release_writes_out_the_days_an_older_horizon_left_unwritten():
    person = UserFactory(time_zone="Europe/Berlin")
    today = timezone.localdate()
    rule = availability.rule_create(
        user=person, title="Night shift", start_date=today, start_time=dt.time(18), end_date=today,
        end_time=dt.time(23), rrule="FREQ=WEEKLY", time_zone="Europe/Berlin",
    )  # fmt: skip
    _start, end = availability.horizon()
    # As a release with a nearer horizon left it: nothing written past day 400.
    old_end = timezone.now() + dt.timedelta(days=400)
    BusyInterval.objects.filter(user=person, starts_at__gt=old_end).delete()
    Rule.objects.filter(pk=rule.pk).update(materialised_until=old_end)
    assert not BusyInterval.objects.filter(user=person, starts_at__gt=end - dt.timedelta(days=8)).exists()
    call_command("release", verbosity=0)
    assert BusyInterval.objects.filter(user=person, starts_at__gt=end - dt.timedelta(days=8)).exists()
