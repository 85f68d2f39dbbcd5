"""A gig's time in words, in a zone: the same day, the next day, or a later one."""

import datetime as dt
import zoneinfo

from django.utils import translation

from core.fields.timezones import when_text

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, tzinfo=BERLIN).astimezone(dt.UTC)


def test_a_time_reads_its_end_day_only_when_it_ends_on_another_day():
    with translation.override("en-gb"):
        assert when_text(at(4, 20), at(4, 23), BERLIN) == "Fri 4 Dec 2026, 20:00–23:00 (Europe/Berlin)"
        assert when_text(at(4, 22), at(5, 1), BERLIN) == "Fri 4 Dec 2026, 22:00–01:00 next day (Europe/Berlin)"
        assert when_text(at(4, 22), at(7, 1), BERLIN) == "Fri 4 Dec 2026, 22:00–01:00 on 7 Dec (Europe/Berlin)"


def test_a_time_reads_in_the_zone_it_is_given():
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    with translation.override("en-gb"):
        assert when_text(at(4, 20), at(4, 23), tokyo) == "Sat 5 Dec 2026, 04:00–07:00 (Asia/Tokyo)"
