import datetime as dt
import re
import zoneinfo
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.services import rule_create
from bands.models import ApprovalStatus
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.selectors.public import parse_month, shift_month
from bookings.services import answering, asking, ending
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, venue_with_owner
from stageslot.tests.words import words
from venues.models import Slot
from venues.tests.factories import VenueStaffFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
HTMX = {"HTTP_HX_REQUEST": "true"}


def this_month() -> dt.date:
    return timezone.now().astimezone(BERLIN).date().replace(day=1)


def next_month() -> dt.date:
    return shift_month(this_month(), 1)


def evening(day: dt.date, hour: int = 20) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)


def calendar(client, band, month: dt.date | str | None = None, **extra):
    url = reverse("bookings:band_calendar", args=[band.slug])
    if month is not None:
        url += f"?month={month if isinstance(month, str) else f'{month:%Y-%m}'}"
    return client.get(url, **extra)


def day_cell(html: str, day: dt.date) -> str:
    """The <td> of `day` in the month grid (found by its screen-reader date)."""
    label = f"{day:%A} {day.day} {day:%B}"
    cells = re.findall(r"<td class=\"live-day[^\"]*\"[^>]*>.*?</td>", html, flags=re.S)
    found = [c for c in cells if f">{label}" in c or f"{label}:" in c]
    assert len(found) == 1, label
    return found[0]


def state_of(html: str, day: dt.date) -> str:
    return re.search(r'class="live-day live-day--(\w+)', day_cell(html, day))[1]


@pytest.fixture
def world():
    band, leader = band_with_leader(name="The Night Owls", slug="night-owls", min_gig_minutes=180)
    drummer = MembershipFactory(band=band, instrument="Drums").user
    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar")
    return SimpleNamespace(band=band, leader=leader, drummer=drummer, venue=venue, owner=owner)


def slot_on(venue, day: dt.date, **kwargs) -> Slot:
    start = evening(day)
    return SlotFactory(venue=venue, starts_at=start, ends_at=start + dt.timedelta(hours=3), **kwargs)


# ---- The band's month -------------------------------------------------------------------------------


def test_days_are_available_pending_or_booked_with_booked_first(client, world):
    band, leader, drummer, venue = world.band, world.leader, world.drummer, world.venue
    month = next_month()
    booked_day, pending_day, both_day, busy_day, free_day = (month.replace(day=d) for d in (3, 5, 7, 9, 11))
    BookingFactory(band=band, slot=slot_on(venue, booked_day), status=Booking.Status.BOOKED)
    BookingFactory(band=band, slot=slot_on(venue, pending_day))
    BookingFactory(band=band, slot=slot_on(venue, both_day), status=Booking.Status.BOOKED)
    # The same evening on the venue's other stage (one stage has one show at a time).
    side_room = venue.stages.create(name="Side room")
    BookingFactory(
        band=band, slot=slot_on(venue, both_day, title="Late show", stage=side_room), role=Booking.Role.SUPPORT
    )
    rule_create(user=drummer, title="Dentist, then grandma", all_day=True, start_date=busy_day, end_date=busy_day)

    response = calendar(client, band, month)
    html = response.content.decode()

    assert response.status_code == 200
    assert state_of(html, booked_day) == "booked"
    assert "Booked" in day_cell(html, booked_day)
    assert state_of(html, pending_day) == "pending"
    assert "Pending" in day_cell(html, pending_day)
    assert state_of(html, both_day) == "booked"
    assert state_of(html, busy_day) == "none"
    assert "Not available" in day_cell(html, busy_day)
    assert state_of(html, free_day) == "available"
    assert "Available" in day_cell(html, free_day)
    # The public sees the venue of a public slot, never who is busy or why.
    assert "20:00 Kellerbar" in day_cell(html, booked_day)
    assert "Dentist" not in html and drummer.name not in html and leader.name not in html
    assert "Europe/Berlin" in html


def test_a_booking_accepted_through_the_services_turns_the_day_booked(
    client, world, django_capture_on_commit_callbacks
):
    band, leader, venue, owner = world.band, world.leader, world.venue, world.owner
    day = next_month().replace(day=14)
    slot = slot_on(venue, day)
    with django_capture_on_commit_callbacks(execute=True):
        booking = asking.booking_apply(slot=slot, band=band, by=leader, role="headliner")
    assert state_of(calendar(client, band, day).content.decode(), day) == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        answering.booking_accept(booking=booking, by=owner)
    assert state_of(calendar(client, band, day).content.decode(), day) == "booked"
    with django_capture_on_commit_callbacks(execute=True):
        ending.booking_cancel(booking=booking, by=owner, reason="Flooded cellar")
    html = calendar(client, band, day).content.decode()
    assert state_of(html, day) == "available"
    assert "Flooded" not in html


def test_private_and_invite_only_gigs_read_booked_without_details(client, world):
    band, venue = world.band, world.venue
    month = next_month()
    private_day, invite_day = month.replace(day=4), month.replace(day=6)
    client_user = UserFactory(display_name="Wedding Client")
    BookingFactory(
        band=band,
        slot=None,
        venue=None,
        kind=Booking.Kind.REQUEST,
        client=client_user,
        starts_at=evening(private_day),
        ends_at=evening(private_day, 23),
        event_type="Wedding",
        location="Schloss Secret",
        status=Booking.Status.BOOKED,
    )
    BookingFactory(
        band=band,
        slot=slot_on(venue, invite_day, visibility=Slot.Visibility.INVITE),
        kind=Booking.Kind.OFFER,
        status=Booking.Status.BOOKED,
    )
    html = calendar(client, band, month).content.decode()
    assert state_of(html, private_day) == "booked"
    assert state_of(html, invite_day) == "booked"
    for secret in ("Wedding", "Schloss", "Kellerbar"):
        assert secret not in html


def test_declined_withdrawn_and_cancelled_bookings_leave_no_mark(client, world):
    band, venue = world.band, world.venue
    month = next_month()
    for d, status in ((3, Booking.Status.DECLINED), (4, Booking.Status.WITHDRAWN), (5, Booking.Status.CANCELLED)):
        BookingFactory(band=band, slot=slot_on(venue, month.replace(day=d)), status=status)
    html = calendar(client, band, month).content.decode()
    for d in (3, 4, 5):
        assert state_of(html, month.replace(day=d)) == "available"


def test_past_days_are_never_available_or_pending(client, world):
    band = world.band
    today = timezone.now().astimezone(BERLIN).date()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    html = calendar(client, band, last_month).content.decode()
    # Last month's grid ends with the first days of this month (drawn outside it): in the first week of a month
    # today and the days after it are among them, and they may well be free. Every day before today is not.
    cells = re.findall(r'<td class="(live-day [^"]*)"', html)
    past = [cell for cell in cells if "live-day--past" in cell]
    assert len(past) >= 28, cells
    assert not [cell for cell in past if "live-day--available" in cell or "live-day--pending" in cell]
    assert not [cell for cell in cells if "live-day--today" in cell and "live-day--outside" not in cell]


def test_month_navigation_links_step_by_month_with_htmx_and_href(client, world):
    band = world.band
    month = shift_month(this_month(), 3)
    response = calendar(client, band, month, **HTMX)
    html = response.content.decode()
    # htmx asks for the section only: no page around it.
    assert "<html" not in html
    assert f"{month:%B %Y}" in html
    base = reverse("bookings:band_calendar", args=[band.slug])
    for other in (shift_month(month, -1), shift_month(month, 1), this_month()):
        url = f"{base}?month={other:%Y-%m}"
        assert f'href="{url}"' in html
        assert f'hx-get="{url}"' in html
    assert "This month" in html


def test_navigation_stops_at_the_edge_of_the_range(client, world):
    band = world.band
    last = shift_month(this_month(), 36)
    html = calendar(client, band, last).content.decode()
    assert f"{last:%B %Y}" in html
    assert 'rel="next"' not in html
    assert 'rel="prev"' in html


@pytest.mark.parametrize(
    "value", ["garbage", "2027-13", "2027-00", "0000-01", "9999-12", "-1", "2027-1-1", "２０２７-０１", ""]
)
def test_a_bad_month_shows_this_month(client, world, value):
    band = world.band
    response = calendar(client, band, value)
    today = timezone.now().astimezone(BERLIN).date()
    assert response.status_code == 200
    assert f"{today:%B %Y}" in response.content.decode()


def test_parse_month_keeps_to_a_sensible_range():
    today = dt.date(2030, 6, 15)
    assert parse_month("2030-09", today=today) == dt.date(2030, 9, 1)
    assert parse_month("2030-9", today=today) == dt.date(2030, 9, 1)
    assert parse_month(None, today=today) == dt.date(2030, 6, 1)
    assert parse_month("2040-01", today=today) == dt.date(2030, 6, 1)
    assert parse_month("2010-01", today=today) == dt.date(2030, 6, 1)


def test_the_section_polls_itself_for_the_month_it_shows(client, world):
    band = world.band
    month = shift_month(this_month(), 2)
    html = calendar(client, band, month, **HTMX).content.decode()
    section = re.search(r'<section id="band-availability"[^>]*>', html)[0]
    assert 'hx-trigger="every 20s"' in section
    assert f'hx-get="{reverse("bookings:band_calendar", args=[band.slug])}?month={month:%Y-%m}"' in section
    assert 'hx-swap="outerHTML"' in section


def test_the_page_without_javascript_has_the_legend_and_a_way_back(client, world):
    band = world.band
    response = calendar(client, band)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "When The Night Owls can play" in html
    assert f'href="{reverse("bands:detail", args=[band.slug])}"' in html
    legend = re.search(r'<ul class="live-legend".*?</ul>', html, flags=re.S)[0]
    for word in ("Booked", "Pending", "Available", "Not available"):
        assert word in legend
    assert response["Cache-Control"].startswith("max-age=0")
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("status", [ApprovalStatus.PENDING, ApprovalStatus.SUSPENDED])
def test_an_unlisted_band_calendar_is_a_404_except_for_its_members_and_staff(client, world, status):
    band, leader = world.band, world.leader
    band.status = status
    band.save()
    assert calendar(client, band).status_code == 404
    client.force_login(UserFactory())
    assert calendar(client, band).status_code == 404
    client.force_login(leader)
    assert calendar(client, band).status_code == 200
    client.force_login(UserFactory(is_staff=True))
    assert calendar(client, band).status_code == 200


def test_an_unknown_band_is_a_404(client):
    assert client.get(reverse("bookings:band_calendar", args=["nobody"])).status_code == 404


@pytest.mark.parametrize("count", [0, 30])
def test_the_month_costs_the_same_queries_with_many_bookings(client, world, django_assert_max_num_queries, count):
    band, drummer, venue = world.band, world.drummer, world.venue
    month = next_month()
    # A second room for the evenings the month comes round to again (one show per stage at a time).
    rooms = [venue.stages.get(), venue.stages.create(name="Side room")]
    for i in range(count):
        day = month.replace(day=1 + i % 28)
        status = Booking.Status.BOOKED if i % 3 == 0 else Booking.Status.PENDING
        slot = slot_on(venue, day, title=f"Night {i}", stage=rooms[i // 28])
        BookingFactory(band=band if i % 2 == 0 else band_with_leader()[0], slot=slot, status=status)
    rule_create(user=drummer, all_day=True, start_date=month.replace(day=20), end_date=month.replace(day=20))
    # band, members, busy time, the band's gigs, bookings
    with django_assert_max_num_queries(5):
        assert calendar(client, band, month).status_code == 200
    client.force_login(UserFactory())
    # and the session and the user
    with django_assert_max_num_queries(7):
        assert calendar(client, band, month, **HTMX).status_code == 200


# ---- The band's page -----------------------------------------------------------------------------------


def band_page(client, band):
    return client.get(reverse("bands:detail", args=[band.slug])).content.decode()


def test_the_band_page_loads_the_live_calendar_with_a_link_without_javascript(client, world):
    band = world.band
    html = band_page(client, band)
    url = reverse("bookings:band_calendar", args=[band.slug])
    section = re.search(r'<section id="band-availability".*?</section>', html, flags=re.S)[0]
    assert f'hx-get="{url}"' in section
    assert 'hx-trigger="load"' in section
    assert f'href="{url}"' in section


def test_the_band_page_asks_visitors_to_request_and_venue_staff_to_offer(client, world, django_assert_max_num_queries):
    band, leader, owner = world.band, world.leader, world.owner
    request_url = reverse("bookings:request", args=[band.slug])
    offer_url = reverse("bookings:offer_band", args=[band.slug])
    html = band_page(client, band)
    assert f'href="{request_url}"' in html
    assert offer_url not in html
    client.force_login(UserFactory())
    assert offer_url not in band_page(client, band)
    client.force_login(owner)
    # The press kit's own queries (see bands/tests/test_public_pages.py), one for the venue role and one for
    # whether a block hides the band from the viewer (decision 0096).
    with django_assert_max_num_queries(9):
        html = band_page(client, band)
    assert f'href="{offer_url}"' in html
    assert f'href="{request_url}"' in html
    # The band's own members are not asked to book themselves.
    client.force_login(leader)
    html = band_page(client, band)
    assert request_url not in html
    assert offer_url not in html


# ---- The venue's slots ------------------------------------------------------------------------------------


def slots(client, venue, **extra):
    return client.get(reverse("bookings:venue_slots_live", args=[venue.slug]), **extra)


def test_venue_slots_show_status_lineup_tickets_and_hide_invite_only(client, world):
    band, venue = world.band, world.venue
    support_band, _ = band_with_leader(name="Paper Lanterns", slug="paper-lanterns")
    day = timezone.now().astimezone(BERLIN).date() + dt.timedelta(days=5)
    open_slot = slot_on(venue, day, title="Open Mic Friday", support_places=1, ticket_url="https://tix.example/1")
    need = slot_on(venue, day + dt.timedelta(days=1), title="Indie Night", support_places=1)
    full = slot_on(venue, day + dt.timedelta(days=2), title="Sold Out Show", support_places=1)
    gone = slot_on(venue, day + dt.timedelta(days=3), title="Called Off", cancelled_at=timezone.now())
    slot_on(venue, day + dt.timedelta(days=4), title="Secret Session", visibility=Slot.Visibility.INVITE)
    slot_on(venue, day - dt.timedelta(days=10), title="Long Ago")
    BookingFactory(band=band, slot=need, status=Booking.Status.BOOKED)
    Slot.objects.filter(pk=need.pk).update(headliner_booked=1)
    BookingFactory(band=band, slot=full, status=Booking.Status.BOOKED)
    BookingFactory(band=support_band, slot=full, role=Booking.Role.SUPPORT, status=Booking.Status.BOOKED)
    BookingFactory(band=band_with_leader(name="Still Waiting")[0], slot=open_slot)
    Slot.objects.filter(pk=full.pk).update(headliner_booked=1, supports_booked=1)

    response = slots(client, venue, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html

    items = re.findall(r'<li class="live-slot .*?</li>\s*(?=<li class="live-slot |</ul>)', html, flags=re.S)

    def item(title: str) -> str:
        (found,) = [i for i in items if title in i]
        return found

    assert "Booking open" in item("Open Mic Friday")
    assert 'href="https://tix.example/1"' in item("Open Mic Friday")
    assert "Need support" in item("Indie Night")
    assert "The Night Owls" in item("Indie Night")
    full_item = item("Sold Out Show")
    assert "Booked" in full_item
    assert f'href="{reverse("bands:detail", args=[band.slug])}"' in full_item
    assert f'href="{reverse("bands:detail", args=[support_band.slug])}"' in full_item
    assert "(support)" in full_item
    assert full_item.index("The Night Owls") < full_item.index("Paper Lanterns")
    assert "Cancelled" in item("Called Off")
    assert f'href="{reverse("bookings:slot_detail", args=[gone.pk])}"' in item("Called Off")
    assert "Secret Session" not in html
    assert "Long Ago" not in html
    # A pending application is nobody's business but the band's and the venue's.
    assert "Still Waiting" not in html
    # Times in the viewer's zone (anonymous: the venue's), named.
    assert f"{day:%a} {day.day} {day:%b %Y}" in item("Open Mic Friday")
    assert "20:00–23:00" in item("Open Mic Friday")
    assert "Europe/Berlin" in html
    assert 'hx-trigger="every 20s"' in html


def test_venue_slots_read_in_the_signed_in_viewers_zone(client, world):
    venue = world.venue
    day = timezone.now().astimezone(BERLIN).date() + dt.timedelta(days=5)
    slot_on(venue, day, title="Late Show")
    client.force_login(UserFactory(time_zone="America/New_York"))
    html = slots(client, venue).content.decode()
    assert "14:00–17:00" in html
    assert "America/New_York" in html


def test_the_venue_page_loads_the_live_slots_with_a_link_without_javascript(client, world):
    venue = world.venue
    html = client.get(reverse("venues:detail", args=[venue.slug])).content.decode()
    url = reverse("bookings:venue_slots_live", args=[venue.slug])
    section = re.search(r'<section id="venue-slots".*?</section>', html, flags=re.S)[0]
    assert f'hx-get="{url}"' in section
    assert 'hx-trigger="load"' in section
    assert f'href="{url}"' in section
    page = slots(client, venue).content.decode()
    assert "<html" in page and "Upcoming at Kellerbar" in page


def test_an_unlisted_venue_slots_are_a_404_except_for_its_staff(client, world):
    venue, owner = world.venue, world.owner
    venue.status = ApprovalStatus.PENDING
    venue.save()
    assert slots(client, venue).status_code == 404
    client.force_login(UserFactory())
    assert slots(client, venue).status_code == 404
    client.force_login(owner)
    assert slots(client, venue).status_code == 200
    booker = VenueStaffFactory(venue=venue).user
    client.force_login(booker)
    assert slots(client, venue).status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_venue_slots_cost_the_same_queries_with_many_slots(client, world, django_assert_max_num_queries, count):
    venue = world.venue
    day = timezone.now().astimezone(BERLIN).date() + dt.timedelta(days=2)
    for i in range(count):
        slot = slot_on(venue, day + dt.timedelta(days=i), title=f"Night {i}", support_places=2)
        BookingFactory(band=band_with_leader()[0], slot=slot, status=Booking.Status.BOOKED)
        BookingFactory(band=band_with_leader()[0], slot=slot, role=Booking.Role.SUPPORT, status=Booking.Status.BOOKED)
    # venue, slots with stages, lineups with bands
    with django_assert_max_num_queries(3):
        html = slots(client, venue, **HTMX).content.decode()
    assert html.count('<li class="live-slot') == min(count, 20)
    client.force_login(UserFactory())
    with django_assert_max_num_queries(5):
        assert slots(client, venue).status_code == 200


# ---- In the browser -----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_band_page_shows_a_new_booking_without_a_reload(live_server, browser, settings, axe_check):
    settings.LIVE_POLL_SECONDS = 1
    band, leader = band_with_leader(name="The Night Owls", slug="night-owls")
    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar")
    day = next_month().replace(day=12)
    booking = asking.booking_apply(slot=slot_on(venue, day), band=band, by=leader, role="headliner")
    cell = f'#band-availability td.live-day:has-text("{day:%A} {day.day} {day:%B}:")'

    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/bands/night-owls/")
    # The section loads after the page; step to the month of the gig.
    page.locator("#band-availability-next").click()
    page.wait_for_selector(f'#band-availability h3:has-text("{day:%B %Y}")')
    assert "live-day--pending" in page.locator(cell).get_attribute("class")
    axe_check(page, what="the band page on the gig's month")
    page.evaluate("window.notReloaded = true")

    answering.booking_accept(booking=booking, by=owner)
    page.wait_for_selector(f"{cell}.live-day--booked")
    assert "Booked" in page.locator(cell).inner_text()
    assert "Kellerbar" in page.locator(cell).inner_text()
    assert page.evaluate("window.notReloaded") is True
    axe_check(page, what="the band page after the calendar polled")
    # Polling keeps the month the visitor chose.
    assert f"{day:%B %Y}" in page.locator("#band-availability h3").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_month_step_while_a_poll_is_on_its_way_is_never_lost(live_server, browser, settings):
    """A slow poll still on its way when the visitor steps to the next month: the step waits for it, the poll's
    answer (which would replace the whole section and the link that asked) is not shown, and the step goes."""
    settings.LIVE_POLL_SECONDS = 1
    band_with_leader(name="The Night Owls", slug="night-owls")
    month = next_month()
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    held = []

    def hold_polls(route):
        # The section's own poll names the section as its trigger; a step names its link.
        if route.request.headers.get("hx-trigger") == "band-availability" and not held:
            held.append(route)  # answered only once the visitor has stepped
        else:
            route.continue_()

    page.goto(f"{live_server.url}/bands/night-owls/")
    title = page.locator("#band-availability h3")
    title.wait_for()
    shown = title.inner_text()
    page.route("**/bands/night-owls/availability/**", hold_polls)
    page.locator("#band-availability.htmx-request").wait_for(state="attached")  # the poll on its way
    page.locator("#band-availability-next").click()
    page.wait_for_timeout(300)
    assert title.inner_text() == shown, "the step waits for the poll on its way"
    held[0].continue_()
    page.wait_for_selector(f'#band-availability h3:has-text("{month:%B %Y}")')
    page.unroute("**/bands/night-owls/availability/**")
    # Later polls keep the month the visitor chose.
    page.wait_for_timeout(2_500)
    assert f"{month:%B %Y}" in title.inner_text()


def test_the_month_reads_in_german(client, world):
    """The grid is a Jinja2 fragment (docs/decisions/0078): its words still come from the German catalogue,
    and its dates in the German format."""
    t = words("de")
    band, venue = world.band, world.venue
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(band.time_zone)).date()
    month = next_month()
    booked_day = month.replace(day=3)
    BookingFactory(band=band, slot=slot_on(venue, booked_day), status=Booking.Status.BOOKED)

    this = calendar(client, band, HTTP_ACCEPT_LANGUAGE="de", **HTMX).content.decode()
    html = calendar(client, band, month, HTTP_ACCEPT_LANGUAGE="de", **HTMX).content.decode()

    assert f"{t.date(today, 'WEEKDAY_MONTH_LONG_FORMAT')} {t('(today)')}:" in this
    assert t("(today)") != "(today)"
    booked = re.search(
        rf"<td[^>]*>(?:(?!</td>).)*>{t.date(booked_day, 'WEEKDAY_MONTH_LONG_FORMAT')}:.*?</td>", html, re.S
    )
    assert booked and t("Booked") in booked[0] and "20:00 Kellerbar" in booked[0]
    assert t("Booked") != "Booked"
    assert f'<abbr title="{t("Monday")}">{t("Mon")}</abbr>' in html


def test_a_busy_month_names_each_venue_once_and_links_every_gig(client, world, monkeypatch):
    """The month's gigs at one venue share its address: reversed once a month, not once a gig."""
    from bookings.selectors import public

    band, venue = world.band, world.venue
    month = next_month()
    for i in range(6):
        BookingFactory(band=band, slot=slot_on(venue, month.replace(day=1 + i), title=f"Night {i}"),
                       status=Booking.Status.BOOKED)  # fmt: skip
    reversed_names = []
    real = public.reverse

    def counting(name, *args, **kwargs):
        reversed_names.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(public, "reverse", counting)
    html = calendar(client, band, month).content.decode()
    assert reversed_names.count("venues:detail") == 1
    assert html.count(f'href="{reverse("venues:detail", args=[venue.slug])}"') == 6
