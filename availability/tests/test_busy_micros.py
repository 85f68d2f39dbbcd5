"""The busy time as the green zone's arrays read it straight from the database (busy_micros_by_user): whole
microseconds since 1970, exactly the moments busy_by_user gives as datetimes, on SQLite (text) and PostgreSQL
(timestamptz)."""

import datetime as dt
import random

import numpy as np
import pytest

from accounts.tests.factories import UserFactory
from availability.engine import busy_micros
from availability.models import BusyInterval
from availability.selectors import busy_by_user, busy_micros_by_user

# Worked out in SQL per database: run on both.
pytestmark = [pytest.mark.django_db, pytest.mark.db_specific]

BASE = dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC)


def stretch(user, start: dt.datetime, end: dt.datetime) -> None:
    BusyInterval.objects.create(user=user, starts_at=start, ends_at=end, source=BusyInterval.Source.RULE, source_id=1)


def test_the_microseconds_are_the_moments_busy_by_user_reads():
    people = [UserFactory() for _ in range(3)]
    rnd = random.Random(7)
    for user in people[:2]:
        # Whole seconds, half seconds, a microsecond either side of one, and random microseconds over a year.
        stretch(user, BASE, BASE + dt.timedelta(hours=2))
        stretch(user, BASE + dt.timedelta(microseconds=1), BASE + dt.timedelta(seconds=1, microseconds=999_999))
        stretch(user, BASE + dt.timedelta(milliseconds=500), BASE + dt.timedelta(days=1, milliseconds=500))
        for _ in range(40):
            start = BASE + dt.timedelta(microseconds=rnd.randrange(365 * 86_400 * 10**6))
            stretch(user, start, start + dt.timedelta(microseconds=rnd.randrange(1, 3 * 86_400 * 10**6)))
    ids = [user.pk for user in people]
    start, end = BASE - dt.timedelta(days=1), BASE + dt.timedelta(days=200)
    as_datetimes = busy_by_user(user_ids=ids, start=start, end=end)
    as_micros = busy_micros_by_user(user_ids=ids, start=start, end=end)
    assert list(as_micros) == ids
    for user_id in ids:
        micros = as_micros[user_id]
        assert micros.dtype == np.int64 and micros.shape == (len(as_datetimes[user_id]), 2)
        assert not micros.flags.writeable
        # In start order, as busy_by_user, and the same moments to the microsecond.
        assert micros.tolist() == busy_micros(as_datetimes[user_id]).tolist()
    assert as_micros[people[2].pk].shape == (0, 2)
    # Only what overlaps the range: about half the year's random stretches.
    assert 20 < len(as_micros[people[0].pk]) < 43


def test_nobody_asked_reads_nothing():
    assert busy_micros_by_user(user_ids=[], start=BASE, end=BASE + dt.timedelta(days=1)) == {}
