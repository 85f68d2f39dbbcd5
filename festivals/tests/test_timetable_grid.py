"""The timetable as a grid (issue 84): stages are columns on one time axis for the day, a row every GRID_MINUTES,
each set placed on the rows of its own minutes, each full hour labelled – so sets at one time read across, on the
public page and the organiser's builder alike; on a phone (or without scripts) each stage's acts stay a list."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from festivals import selectors
from festivals.models import Placement
from festivals.selectors import GRID_MINUTES
from festivals.services import timetable
from festivals.services.releases import release_publish

from .factories import festival_world, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = festival_world(tag="-grid")
    # Main opens at 14:00, the Tent at 16:00: a set on each at 20:00 must sit on the same row.
    for fstage, band in ((world.main, world.kite), (world.tent, world.owl)):
        placed = timetable.placement_offer(
            fstage=fstage, band=band, starts_at=local(world.first_day, 20), set_minutes=45, by=world.owner,
            now=timezone.now(),
        )  # fmt: skip
        timetable.placement_accept(placement=placed, by=world.leaders[band.pk], now=timezone.now())
    return world


def test_sets_at_one_time_share_a_row_and_each_hour_is_labelled(w):
    day = selectors.timetable(festival=w.festival, booked_only=True)[0]
    main, tent = day.columns
    assert [c.row for c in main.cells] == [c.row for c in tent.cells] == [(20 - 14) * 60 // GRID_MINUTES + 1]
    assert [c.span for c in main.cells] == [45 // GRID_MINUTES]
    # The axis runs from the first stage's opening (14:00) to the last closing (01:00 next day).
    assert day.rows == 11 * 60 // GRID_MINUTES
    assert day.hours[0] == ("14:00", 1) and day.hours[-1] == ("00:00", 10 * 60 // GRID_MINUTES + 1)
    assert (main.open_row, tent.open_row, tent.close_row) == (1, 2 * 60 // GRID_MINUTES + 1, 9 * 60 // 5 + 1)


def test_the_public_page_and_the_builder_draw_the_grid(w, client):
    release_publish(festival=w.festival, by=w.owner, now=timezone.now())
    page = client.get(reverse("festivals:festival", args=[w.festival.slug])).content.decode()
    assert re.search(r'class="timetable timetable--grid" data-style="--rows: \d+; --stages: 2"', page)
    assert page.count('class="timetable__set"') == 2
    assert '<li data-style="--row: 1">14:00</li>' in page
    client.force_login(w.owner)
    builder = client.get(reverse("festivals:builder", args=[w.festival.slug])).content.decode()
    assert builder.count("timetable__set") >= 2 and "timetable--grid" in builder


def test_an_hour_across_a_change_of_the_clocks_is_an_hour(w):
    """On the night Europe turns its clocks back, the axis labels 02:00 twice and no row is lost or doubled."""
    tz = zoneinfo.ZoneInfo("Europe/Berlin")
    day = selectors.TimetableDay(day=dt.date(2026, 10, 24), columns=[])
    opens = dt.datetime(2026, 10, 24, 22, tzinfo=tz)
    closes = dt.datetime(2026, 10, 25, 4, tzinfo=tz)  # 7 real hours: the clock goes back at 03:00
    day.columns = [selectors.StageColumn(fstage=w.main, opens=opens, closes=closes)]
    day.grid(tz)
    assert day.rows == 7 * 60 // GRID_MINUTES
    assert [label for label, _row in day.hours] == ["22:00", "23:00", "00:00", "01:00", "02:00", "02:00", "03:00"]


def test_a_refused_time_offers_the_nearest_that_work_and_one_click_offers_there(w, client):
    """The Tent has the Owl at 20:00–20:45, and the Moth shares a player with the Kite, who plays the Main stage
    then. Checking the Moth on the Tent at 20:15 is refused, with the nearest starts that work beside the refusal
    (each one the builder's own check lets through, nearest first); its button offers the set at that time."""
    client.force_login(w.owner)
    url = reverse("festivals:place", args=[w.festival.slug])
    form = {
        "band": "", "invite": w.moth.slug, "stage": str(w.tent.pk), "day": w.first_day.isoformat(),
        "time": "20:15", "minutes": "45",
    }  # fmt: skip
    checked = client.post(url, {**form, "check_only": "on"}, headers={"HX-Request": "true"})
    html = checked.content.decode()
    offered = re.findall(r'<button type="submit" name="time" value="(\d\d:\d\d)"', html)
    assert 1 <= len(offered) <= timetable.NEAREST_COUNT, html
    asked = local(w.first_day, 20, 15)
    starts = [local(w.first_day, int(t[:2]), int(t[3:])) for t in offered]
    assert [abs(s - asked) for s in starts] == sorted(abs(s - asked) for s in starts)
    for start in starts:
        verdict = timetable.placement_try(
            fstage=w.tent, band=w.moth, starts_at=start, set_minutes=45, now=timezone.now()
        )
        assert verdict.refusals == [], (start, verdict.refusals)
    assert f"Offer at {offered[0]}" in html
    # One click: the form again, the button's time after the field's.
    answer = client.post(url, {**form, "time": ["20:15", offered[0]]}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert Placement.objects.get(band=w.moth).starts_at == starts[0]
