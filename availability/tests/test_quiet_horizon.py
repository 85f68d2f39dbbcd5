"""The nightly horizon_extend with nothing due (run again the same day) costs the same queries however many
people and rules there are, and still prunes exactly the rows that fell out of the horizon (decision 0092)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability import services
from availability.models import BusyInterval, Rule

pytestmark = pytest.mark.django_db

T = dt.time


def people(count: int) -> None:
    """`count` people, each with a weekly rule, a one-off block ahead and a one-off block long over."""
    today = timezone.localdate()
    for _ in range(count):
        user = UserFactory()
        services.rule_create(
            user=user, start_date=today, start_time=T(9), end_date=today, end_time=T(12), rrule="FREQ=WEEKLY"
        )
        ahead = today + dt.timedelta(days=30)
        services.rule_create(user=user, start_date=ahead, start_time=T(9), end_date=ahead, end_time=T(12))
        over = today - dt.timedelta(days=200)
        Rule.objects.create(user=user, start_date=over, start_time=T(9), end_date=over, end_time=T(12), time_zone="UTC")


def quiet_run() -> int:
    services.horizon_extend()
    with CaptureQueriesContext(connection) as captured:
        assert services.horizon_extend() == 0
    return len(captured)


def test_a_run_with_nothing_due_costs_the_same_queries_at_any_size():
    people(1)
    few = quiet_run()
    people(5)
    assert quiet_run() == few
    # The repeating rules still to extend, the one-off blocks still to extend, and the rows that fell out of
    # the horizon deleted.
    assert few == 3


def test_the_prune_deletes_the_rows_ending_before_the_horizon_and_keeps_one_ending_on_it():
    user = UserFactory()
    start, _end = services.horizon()
    for ends in (start - dt.timedelta(minutes=1), start, start + dt.timedelta(hours=1)):
        BusyInterval.objects.create(
            user=user,
            starts_at=ends - dt.timedelta(hours=2),
            ends_at=ends,
            source=BusyInterval.Source.CALENDAR,
            source_id=1,
        )
    services.horizon_extend()
    assert sorted(BusyInterval.objects.values_list("ends_at", flat=True)) == [start, start + dt.timedelta(hours=1)]
