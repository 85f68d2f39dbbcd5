"""The bookers' calendar of a venue and of a venue group: every kind of thing on a room's day with its legend,
clashes flagged where they are, a constant number of queries, moving a hold (by form, as dragging sends it, and
by the API), closed days, and who may see and act."""

import datetime as dt
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from bookings.models import Webhook
from bookings.tests.factories import BookingFactory, band_with_leader
from holds import services
from holds.calendar import booker_calendar
from holds.models import ClosedDay, Hold, HoldEvent
from venues.models import Slot
from venues.services import slot_create

from .factories import hold_world

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def w():
    w = hold_world()
    w.day = w.start.astimezone(BERLIN).date()
    w.small = w.venue.stages.create(name="Small room")
    return w


def place(w, band, *, stage=None, start=None, level=None):
    start = start or w.start
    return services.hold_place(
        by=w.owner,
        stage=stage or w.stage,
        band=band,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        expires_at=start - dt.timedelta(days=1),
        level=level,
    )


def url(w, view="month", day=None, group=False):
    name, slug = ("holds:group_calendar", w.group.slug) if group else ("holds:calendar", w.venue.slug)
    return f"{reverse(name, args=[slug])}?view={view}&date={(day or w.day).isoformat()}"


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_every_kind_shows_in_its_room_with_the_legend_and_the_clashes_flagged(client, w):
    first = place(w, w.bands[0])
    place(w, w.bands[1])
    # An open slot on the small room over a hold there: a clash. Two days later a booked show, and an offer.
    place(w, w.bands[2], stage=w.small)
    slot_create(venue=w.venue, by=w.owner, stage=w.small, starts_at=w.start, ends_at=w.end, title="Jazz Brunch")
    later = w.start + dt.timedelta(days=2)
    show = slot_create(venue=w.venue, by=w.owner, stage=w.stage, starts_at=later, ends_at=later + dt.timedelta(hours=2))
    BookingFactory(band=w.bands[3], slot=show, kind="offer", status="booked")
    services.venue_day_close(venue_id=w.venue.pk, by=w.owner, date=w.day + dt.timedelta(days=3), note="Private hire")
    client.force_login(w.owner)

    page = client.get(url(w)).content.decode()
    assert 'aria-current="page">Month' in page
    words = text(page)
    for label in ("Booked show (1)", "Open slot (1)", "Hold, with its level (3)", "Closed (1)", "Clash (1)"):
        assert label in words, label
    assert "1st hold: " in words and "2nd hold: " in words and "Band 1" in words and "Band 4" in words
    assert "Small room already has “Jazz Brunch”" in words  # the clash, named where it is
    assert 'class="bc-cell bc-cell--closed"' in page and "Private hire" not in page  # the month marks it only
    assert f'data-move="/holds/venues/{w.venue.slug}/{first.pk}/move/"' in page

    week = text(client.get(url(w, "week")).content.decode())
    assert "Band 1" in week and "Band 3" in week
    day = client.get(url(w, "day")).content.decode()
    assert "Move Band 1’s hold…" in text(day) and "Confirm and send the offer" in day
    assert "Move Band 3’s hold…" in text(day) and day.count("Confirm and send the offer") == 2  # 1st of each room
    closed_day = text(client.get(url(w, "day", w.day + dt.timedelta(days=3))).content.decode())
    assert "Closed – Private hire" in closed_day and "Open Kellerbar on this day again" in closed_day

    # The htmx swap draws the calendar alone.
    partial = client.get(url(w, "week"), headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="bc"') and "<html" not in partial


def test_the_queries_do_not_grow_with_rooms_holds_and_shows(client, w, django_assert_max_num_queries):
    client.force_login(w.promoter)
    client.get(url(w, group=True))
    with django_assert_max_num_queries(14) as few:
        client.get(url(w, group=True))
    for n in range(6):
        stage = w.venue.stages.create(name=f"Room {n}")
        for band in w.bands[:3]:
            place(w, band, stage=stage, start=w.start + dt.timedelta(days=n))
        slot_create(
            venue=w.venue,
            by=w.owner,
            stage=stage,
            starts_at=w.start + dt.timedelta(days=n, hours=4),
            ends_at=w.start + dt.timedelta(days=n, hours=6),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url(w, group=True)).content.decode()
    assert "Room 5" in page and page.count('class="bc-level"') >= 18


def test_moving_a_hold_keeps_its_time_and_level_and_closes_up_the_ladder(client, w):
    first = place(w, w.bands[0])
    second = place(w, w.bands[1])
    client.force_login(w.booker)
    target = w.day + dt.timedelta(days=5)
    back = url(w).split("?")[0]
    data = {"stage": w.small.pk, "date": target.isoformat(), "view": "week", "on": w.day.isoformat(), "back": back}
    response = client.post(reverse("holds:move", args=[w.venue.slug, first.pk]), data)
    assert response.status_code == 302 and response.url == url(w, "week")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stage, first.date, first.level) == (w.small, target, 1)
    assert first.starts_at.astimezone(BERLIN).time() == w.start.astimezone(BERLIN).time()
    assert first.ends_at - first.starts_at == dt.timedelta(hours=3)
    assert second.level == 1  # the ladder it left closed up
    assert HoldEvent.objects.filter(hold=first, what="moved").exists()
    assert Notification.objects.filter(recipient=w.leaders[0], text__contains="moves Band 1").exists()
    assert Webhook.Event.HOLD_MOVED == "hold.moved"
    page = text(client.get(url(w, "week", target)).content.decode())
    assert "Band 1's hold moved to" in page

    # Across a change of clock (DST): the wall-clock time stays.
    far = dt.date(w.day.year + 1, 3, 20)
    services.hold_move(hold=first, by=w.booker, stage=w.small, date=far)
    services.hold_move(hold=first, by=w.booker, stage=w.small, date=far + dt.timedelta(days=14))
    first.refresh_from_db()
    assert first.starts_at.astimezone(BERLIN).time() == w.start.astimezone(BERLIN).time()


def test_a_move_refused_says_why_and_changes_nothing(client, w):
    first = place(w, w.bands[0])
    place(w, w.bands[1])
    place(w, w.bands[2], stage=w.small, start=w.start + dt.timedelta(days=1))
    services.venue_day_close(venue_id=w.venue.pk, by=w.owner, date=w.day + dt.timedelta(days=2))
    other_stage = w.other_venue.stages.first()
    client.force_login(w.owner)
    before = Hold.objects.values_list("pk", "stage_id", "date", "level").order_by("pk")
    move = reverse("holds:move", args=[w.venue.slug, first.pk])
    cases = [
        ({"stage": w.small.pk, "date": (w.day + dt.timedelta(days=1)).isoformat()}, "The 1st hold on"),
        ({"stage": w.stage.pk, "date": (w.day + dt.timedelta(days=2)).isoformat()}, "The venue is closed on"),
        ({"stage": w.stage.pk, "date": "2001-01-01"}, "That day has passed: pick a date from"),
        ({"stage": w.stage.pk, "date": "9999-12-31"}, "StageSlot plans at most three years ahead"),
        ({"stage": w.stage.pk, "date": "31/02/2027"}, "Enter a valid date"),
        ({"stage": w.stage.pk, "date": w.day.isoformat()}, "on this date and stage already"),
        ({"stage": other_stage.pk, "date": w.day.isoformat()}, "Pick one of the rooms you book for"),
        ({"stage": "x", "date": w.day.isoformat()}, "Pick one of the rooms you book for"),
        ({"stage": w.small.pk, "date": (w.day + dt.timedelta(days=1)).isoformat(), "level": "12"}, "Select a valid"),
    ]
    for data, message in cases:
        response = client.post(move, data, follow=True)
        assert response.status_code == 200
        assert message in text(response.content.decode()), message
    assert list(Hold.objects.values_list("pk", "stage_id", "date", "level").order_by("pk")) == list(before)
    # The band held on the target date already; a hold in a challenge.
    place(w, w.bands[0], stage=w.small, start=w.start + dt.timedelta(days=4))
    with pytest.raises(services.HoldError, match="held on this date already"):
        services.hold_move(hold=first, by=w.owner, stage=w.small, date=w.day + dt.timedelta(days=4))
    services.hold_challenge(hold=Hold.objects.get(band=w.bands[1]), by=w.booker)
    with pytest.raises(services.HoldError, match="in a challenge"):
        services.hold_move(hold=first, by=w.owner, stage=w.small, date=w.day + dt.timedelta(days=9))


def test_closing_a_day_is_refused_while_held_and_stops_new_holds(client, w):
    place(w, w.bands[0])
    client.force_login(w.booker)
    close = reverse("holds:day_close", args=[w.venue.slug])
    page = text(
        client.post(
            close, {"date": w.day.isoformat(), "view": "day", "on": w.day.isoformat()}, follow=True
        ).content.decode()
    )
    assert "Band 1 held on this day: move or let go of the holds first." in page
    assert not ClosedDay.objects.exists()
    free = w.day + dt.timedelta(days=1)
    client.post(close, {"date": free.isoformat(), "note": "  Private   hire "})
    assert ClosedDay.objects.get().note == "Private hire"
    with pytest.raises(services.HoldError, match="closed on"):
        place(w, w.bands[1], start=w.start + dt.timedelta(days=1))
    page = text(client.post(close, {"date": free.isoformat()}, follow=True).content.decode())
    assert "closed on this day already" in page
    assert client.post(close, {"date": "nonsense"}, follow=True).status_code == 200
    client.post(close, {"date": free.isoformat(), "open": "1"})
    assert not ClosedDay.objects.exists()
    place(w, w.bands[1], start=w.start + dt.timedelta(days=1))


def test_who_sees_and_who_acts(client, w):
    hold = place(w, w.bands[0])
    venue_page, group_page = url(w), url(w, group=True)
    move = reverse("holds:move", args=[w.venue.slug, hold.pk])
    data = {"stage": w.stage.pk, "date": (w.day + dt.timedelta(days=3)).isoformat()}
    for user, venue_status, group_status in (
        (w.owner, 200, 403),
        (w.booker, 200, 403),
        (w.promoter, 200, 200),
        (w.viewer, 403, 200),
        (w.other_owner, 403, 403),
        (w.leaders[0], 403, 403),
        (w.stranger, 403, 403),
    ):
        client.force_login(user)
        assert client.get(venue_page).status_code == venue_status, user
        assert client.get(group_page).status_code == group_status, user
        if venue_status != 200:
            assert client.post(move, data).status_code == 403
            assert (
                client.post(reverse("holds:day_close", args=[w.venue.slug]), {"date": data["date"]}).status_code == 403
            )
    hold.refresh_from_db()
    assert hold.date == w.day and not ClosedDay.objects.exists()
    client.force_login(w.viewer)
    page = client.get(group_page).content.decode()
    assert "Band 1" in page and "data-move" not in page and "data-bc-drag" not in page
    client.logout()
    assert client.get(venue_page).status_code == 302 and client.get(group_page).status_code == 302
    client.force_login(w.owner)
    assert client.get(reverse("holds:calendar", args=["no-such-venue"])).status_code == 404
    assert client.get(reverse("holds:group_calendar", args=["no-such-group"])).status_code == 404
    assert client.get(reverse("holds:calendar", args=[w.venue.slug]) + "?view=year").status_code == 200
    # A date that is none, or out of the horizon, is refused with the reason (decision 0075).
    for query in ("?view=year&date=x", "?date=99999-01-01", "?view=day&date=1999-12-31", "?date=9999-12-31"):
        response = client.get(reverse("holds:calendar", args=[w.venue.slug]) + query)
        assert response.status_code == 400 and "We could not take that date" in response.content.decode()


def test_the_api_reads_the_calendar_and_moves_a_hold(client, w):
    from accounts.api_tokens import api_token_create

    hold = place(w, w.bands[0])
    place(w, w.bands[1])
    _row, token = api_token_create(user=w.promoter, name="desk", scopes=["read", "bookings"], expires_at=None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    data = client.get(f"/api/v1/groups/{w.group.slug}/calendar?view=week&date={w.day}", **auth).json()
    holds = [e for e in data["entries"] if e["kind"] == "hold"]
    assert [(e["band"], e["level"]) for e in holds] == [(w.bands[0].slug, 1), (w.bands[1].slug, 2)]
    assert [r["stage"] for r in data["rooms"]] == ["Main stage", "Small room"]
    assert client.get(f"/api/v1/venues/{w.venue.slug}/calendar?view=year", **auth).status_code == 400
    moved = client.post(
        f"/api/v1/holds/{hold.pk}/move",
        {"stage_id": w.small.pk, "date": (w.day + dt.timedelta(days=1)).isoformat()},
        content_type="application/json",
        **auth,
    )
    assert moved.status_code == 200 and moved.json()["level"] == 1 and moved.json()["stage_id"] == w.small.pk
    taken = place(w, w.bands[2])
    refused = client.post(
        f"/api/v1/holds/{taken.pk}/move",
        {"stage_id": w.small.pk, "date": (w.day + dt.timedelta(days=1)).isoformat(), "level": 1},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 409 and "Band 1" in refused.json()["detail"]
    _row, other = api_token_create(user=w.other_owner, name="x", scopes=["read", "bookings"], expires_at=None)
    assert (
        client.get(f"/api/v1/groups/{w.group.slug}/calendar", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 403
    )
    assert (
        client.get(f"/api/v1/venues/{w.venue.slug}/calendar", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 403
    )


def test_the_selector_reads_days_in_each_venues_zone(w):
    # 23:30 UTC is the next day in Berlin: the hold's day is the venue's.
    start = dt.datetime.combine(w.day + dt.timedelta(days=1), dt.time(23, 30), tzinfo=dt.UTC)
    band, _leader = band_with_leader(name="Late Band", slug="late-band")
    place(w, band, start=start)
    calendar = booker_calendar(venues=[w.venue], view="week", on=w.day + dt.timedelta(days=2), now=timezone.now())
    cells = {cell.date: cell for row in calendar.rows if row.room.stage == w.stage for cell in row.cells}
    assert [e.title for e in cells[w.day + dt.timedelta(days=2)].entries] == ["Late Band"]
    assert Slot.objects.count() == 0


def test_the_calendar_speaks_german(client, w):
    place(w, w.bands[0])
    client.force_login(w.promoter)
    page = text(client.get(url(w, "week", group=True), headers={"Accept-Language": "de"}).content.decode())
    assert "Kalender der Spielstättengruppe" in page and "Anzeigen" in page  # the button, not the noun “Show”
    assert "1. Option:" in page and "Woche" in page
