import datetime as dt
import re
import zoneinfo
from types import SimpleNamespace

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.services import rule_create
from bands.models import ApprovalStatus, Membership
from bands.tests.factories import GenreFactory, MembershipFactory
from bookings.errors import BookingError, BookingPermissionError
from bookings.models import Booking, ShareLink
from bookings.selectors.public import shift_month
from bookings.selectors.share import AVAILABLE_DAYS, MONTHS_AHEAD, band_availability_events, share_link_live
from bookings.services.share import LIVE_LINKS_MAX, share_link_create, share_link_revoke
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, venue_with_owner

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
HTMX = {"HTTP_HX_REQUEST": "true"}
SITE = "https://stageslot.example"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = f"{SITE}/"


def next_month() -> dt.date:
    return shift_month(timezone.now().astimezone(BERLIN).date().replace(day=1), 1)


def evening(day: dt.date, hour: int = 20) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)


def slot_on(venue, day: dt.date, **kwargs):
    start = evening(day)
    return SlotFactory(venue=venue, starts_at=start, ends_at=start + dt.timedelta(hours=3), **kwargs)


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
    band, leader = band_with_leader(name="The Night Owls", slug="night-owls", city="Leipzig", min_gig_minutes=180)
    band.genres.add(GenreFactory(name="Surf Rock"))
    drummer = MembershipFactory(band=band, instrument="Drums").user
    venue, owner = venue_with_owner(name="Kellerbar Obskur", slug="kellerbar")
    link = share_link_create(band=band, by=leader, label="Rockpalast promoters")
    return SimpleNamespace(band=band, leader=leader, drummer=drummer, venue=venue, owner=owner, link=link)


def share_url(link: ShareLink, month: dt.date | str | None = None) -> str:
    url = reverse("bookings:share", args=[link.token])
    if month is not None:
        url += f"?month={month if isinstance(month, str) else f'{month:%Y-%m}'}"
    return url


def ics_url(link: ShareLink) -> str:
    return reverse("bookings:share_ics", args=[link.token])


# ---- Services -------------------------------------------------------------------------------------


def test_leaders_and_admins_create_links_and_no_one_else(world):
    band, leader, drummer = world.band, world.leader, world.drummer
    admin = MembershipFactory(band=band, role=Membership.Role.ADMIN).user
    other_leader = band_with_leader()[1]

    link = share_link_create(band=band, by=admin, label="  Festival team  ")

    assert link.label == "Festival team"
    assert link.created_by == admin
    assert link.revoked_at is None
    assert len(link.token) >= 43
    assert share_link_create(band=band, by=leader).token != link.token
    for outsider in (drummer, other_leader):
        with pytest.raises(BookingPermissionError, match="leaders and admins"):
            share_link_create(band=band, by=outsider)
    assert ShareLink.objects.filter(band=band).count() == 3


def test_a_too_long_label_is_refused_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as refused:
        share_link_create(band=world.band, by=world.leader, label="x" * 81)
    assert "80 characters" in refused.value.message_dict["label"][0]
    assert ShareLink.objects.filter(band=world.band).count() == 1


def test_a_band_has_at_most_so_many_live_links(world):
    band, leader = world.band, world.leader
    for _ in range(LIVE_LINKS_MAX - 1):
        share_link_create(band=band, by=leader)
    with pytest.raises(BookingError, match=f"already has {LIVE_LINKS_MAX} share links"):
        share_link_create(band=band, by=leader)
    share_link_revoke(link=world.link, by=leader)
    share_link_create(band=band, by=leader, label="After a revoke")
    assert ShareLink.objects.filter(band=band, revoked_at__isnull=True).count() == LIVE_LINKS_MAX


def test_a_suspended_band_cannot_share(world):
    world.band.status = ApprovalStatus.SUSPENDED
    world.band.save()
    with pytest.raises(BookingError, match="suspended"):
        share_link_create(band=world.band, by=world.leader)


def test_revoking_is_for_leaders_and_happens_once(world):
    link, leader = world.link, world.leader
    with pytest.raises(BookingPermissionError):
        share_link_revoke(link=link, by=world.drummer)
    link.refresh_from_db()
    assert link.revoked_at is None

    first = share_link_revoke(link=link, by=leader).revoked_at
    again = share_link_revoke(link=ShareLink.objects.get(pk=link.pk), by=leader).revoked_at

    assert first is not None
    assert again == first


def test_a_live_link_is_found_and_a_revoked_unknown_or_suspended_one_is_not(world):
    band, link = world.band, world.link
    assert share_link_live(token=link.token) == link
    # A band awaiting approval may share its availability with the promoters it picks.
    band.status = ApprovalStatus.PENDING
    band.save()
    assert share_link_live(token=link.token) == link
    band.status = ApprovalStatus.SUSPENDED
    band.save()
    with pytest.raises(Http404):
        share_link_live(token=link.token)
    band.status = ApprovalStatus.APPROVED
    band.save()
    share_link_revoke(link=link, by=world.leader)
    for token in (link.token, "no-such-token"):
        with pytest.raises(Http404):
            share_link_live(token=token)


# ---- The events -----------------------------------------------------------------------------------


def test_events_are_available_windows_and_opaque_booked_gigs(world, django_assert_num_queries):
    band, drummer, venue = world.band, world.drummer, world.venue
    now = timezone.now()
    today = now.astimezone(BERLIN).date()
    busy_day, booked_day = today + dt.timedelta(days=5), today + dt.timedelta(days=8)
    rule_create(user=drummer, title="Dentist", all_day=True, start_date=busy_day, end_date=busy_day)
    gig = BookingFactory(band=band, slot=slot_on(venue, booked_day), status=Booking.Status.BOOKED, sequence=3)
    BookingFactory(band=band, slot=slot_on(venue, today + dt.timedelta(days=9)))  # pending: not shown
    far = today + dt.timedelta(days=AVAILABLE_DAYS + 3)
    BookingFactory(band=band, slot=slot_on(venue, far), status=Booking.Status.BOOKED)

    with django_assert_num_queries(4):  # members, busy time, the band's gigs, bookings
        events = band_availability_events(band=band, now=now)

    available = [e for e in events if e.summary == "The Night Owls available"]
    booked = [e for e in events if e.summary == "The Night Owls booked"]
    assert len(available) + len(booked) == len(events)
    assert [e.uid for e in booked] == [f"busy-{gig.uid}@stageslot"]
    assert booked[0].sequence == 3
    assert booked[0].starts_at == gig.starts_at
    assert booked[0].transparent is False
    assert booked[0].modified_at == gig.updated_at
    assert (booked[0].location, booked[0].description, booked[0].url) == ("", "", "")
    # Free all along: one window a day from today, none on the day the drummer is busy nor on the day
    # of the gig (the band takes one gig a day).
    days = {e.starts_at.astimezone(BERLIN).date() for e in available}
    assert today in days
    assert busy_day not in days
    assert booked_day not in days
    assert len(days) == AVAILABLE_DAYS - 2
    stamp = dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time(0), tzinfo=dt.UTC)
    for event in available:
        assert event.transparent and event.status == "CONFIRMED" and event.sequence == 0
        assert event.modified_at == stamp
        assert event.uid == f"avail-{band.pk}-{event.starts_at:%Y%m%dT%H%M}@stageslot"
    assert events == sorted(events, key=lambda e: (e.starts_at, e.uid))
    # The same state later the same day gives the same events.
    assert band_availability_events(band=band, now=now + dt.timedelta(seconds=1)) == events
    assert band_availability_events(band=band, now=now, booked=False) == available


def test_no_needed_member_means_no_available_window(world):
    Membership.objects.filter(band=world.band).update(required=False)
    gig = BookingFactory(
        band=world.band, status=Booking.Status.BOOKED, kind=Booking.Kind.REQUEST, slot=None, client=UserFactory()
    )
    events = band_availability_events(band=world.band, now=timezone.now())
    assert [e.uid for e in events] == [f"busy-{gig.uid}@stageslot"]


# ---- The public page ------------------------------------------------------------------------------


@pytest.fixture
def month_with_secrets(world):
    """Next month with a booked gig, a pending one, a private request and a busy drummer."""
    band, venue, drummer = world.band, world.venue, world.drummer
    month = next_month()
    days = SimpleNamespace(**{name: month.replace(day=d) for name, d in [("booked", 3), ("pending", 5), ("busy", 9)]})
    days.request, days.free = month.replace(day=7), month.replace(day=11)
    BookingFactory(band=band, slot=slot_on(venue, days.booked), status=Booking.Status.BOOKED, fee=4321)
    other_venue = venue_with_owner(name="Zum Geheimen Hirsch")[0]
    BookingFactory(band=band, slot=slot_on(other_venue, days.pending), fee=1234, message="Secret handshake")
    BookingFactory(
        band=band,
        kind=Booking.Kind.REQUEST,
        slot=None,
        client=UserFactory(display_name="Clara Client"),
        location="Villa Sonnenschein",
        event_type="Wedding",
        starts_at=evening(days.request),
        status=Booking.Status.BOOKED,
        fee=2222,
    )
    rule_create(user=drummer, title="Dentist, then grandma", all_day=True, start_date=days.busy, end_date=days.busy)
    return month, days


def test_the_page_shows_available_and_booked_days_and_nothing_private(client, world, month_with_secrets):
    leader, drummer, link = world.leader, world.drummer, world.link
    month, days = month_with_secrets

    response = client.get(share_url(link, month))
    html = response.content.decode()

    assert response.status_code == 200
    assert state_of(html, days.booked) == "booked"
    assert state_of(html, days.request) == "booked"
    # A pending booking is no one else's business: the day reads as it would without it.
    assert state_of(html, days.pending) == "available"
    assert state_of(html, days.busy) == "none"
    assert state_of(html, days.free) == "available"
    assert "Pending" not in html
    for secret in (
        "Kellerbar",  # even a public slot's venue: the link says booked, not where
        "Zum Geheimen Hirsch",
        "Secret handshake",
        "4321",
        "1234",
        "2222",
        "Clara Client",
        "Villa Sonnenschein",
        "Wedding",
        "Dentist",
        drummer.name,
        leader.name,
        drummer.email,
    ):
        assert secret not in html, secret
    # The press-kit basics, the band's zone named, the calendar file, and no indexing or referrer.
    assert "The Night Owls" in html and "Surf Rock" in html and "Leipzig" in html
    assert "Europe/Berlin" in html
    assert f'href="{ics_url(link)}"' in html
    assert f'value="{SITE}{ics_url(link)}"' in html
    assert '<meta name="robots" content="noindex">' in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert "Rockpalast" not in html  # the label is for the band only


def test_the_page_works_for_a_band_awaiting_approval_but_not_a_suspended_one(client, world):
    band, link = world.band, world.link
    band.status = ApprovalStatus.PENDING
    band.save()
    html = client.get(share_url(link)).content.decode()
    assert "The Night Owls" in html
    # Its press kit is not public yet: no link to it.
    assert reverse("bands:detail", args=[band.slug]) not in html
    band.status = ApprovalStatus.SUSPENDED
    band.save()
    assert client.get(share_url(link)).status_code == 404
    assert client.get(ics_url(link)).status_code == 404


def test_the_month_steps_forward_from_this_month_with_htmx_and_links(client, world):
    link = world.link
    this_month = timezone.now().astimezone(BERLIN).date().replace(day=1)
    html = client.get(share_url(link)).content.decode()
    next_url = share_url(link, shift_month(this_month, 1))
    assert f'href="{next_url}"' in html and f'hx-get="{next_url}"' in html
    assert 'rel="prev"' not in html  # nothing before this month

    response = client.get(next_url, **HTMX)
    part = response.content.decode()
    assert response.status_code == 200
    assert part.lstrip().startswith("<section")
    assert f"{shift_month(this_month, 1):%B %Y}" in part
    assert f'href="{share_url(link, this_month)}"' in part
    assert response["Referrer-Policy"] == "no-referrer"

    last = shift_month(this_month, MONTHS_AHEAD)
    assert 'rel="next"' not in client.get(share_url(link, last)).content.decode()
    # Past, too far or nonsense: this month.
    for asked in (shift_month(this_month, -1), shift_month(this_month, MONTHS_AHEAD + 1), "2024-13"):
        assert f"{this_month:%B %Y}" in client.get(share_url(link, asked)).content.decode()


def test_a_revoked_or_unknown_link_is_a_404_page_and_file(client, world):
    link = world.link
    share_link_revoke(link=link, by=world.leader)
    for url in (share_url(link), ics_url(link), "/share/no-such-token/", "/share/no-such-token.ics"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("count", [1, 25])
def test_the_page_costs_the_same_queries_with_many_booked_days(client, world, django_assert_max_num_queries, count):
    band, venue = world.band, world.venue
    month = next_month()
    # The pending one on a room of its own: day 20 may have a night already (one show per stage at a time).
    side_room = venue.stages.create(name="Side room")
    for i in range(count):
        day = month.replace(day=1 + i % 28)
        status = Booking.Status.BOOKED if i % 2 == 0 else Booking.Status.PENDING
        BookingFactory(band=band, slot=slot_on(venue, day, title=f"Night {i}"), status=status)
    BookingFactory(band=band, slot=slot_on(venue, month.replace(day=20), title="Pending", stage=side_room))
    # link and band, members, busy time and gigs, bookings, busy time and gigs of the pending days, photo, genres
    with django_assert_max_num_queries(9):
        assert client.get(share_url(world.link, month)).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(share_url(world.link, month), **HTMX).status_code == 200


# ---- The calendar file ----------------------------------------------------------------------------


def test_the_calendar_file_parses_with_available_and_booked_events(client, world, django_assert_max_num_queries):
    band, venue, link = world.band, world.venue, world.link
    today = timezone.now().astimezone(BERLIN).date()
    gig = BookingFactory(
        band=band, slot=slot_on(venue, today + dt.timedelta(days=4)), status=Booking.Status.BOOKED, fee=4321
    )
    BookingFactory(band=band, slot=slot_on(venue, today + dt.timedelta(days=6)), message="Secret handshake")

    # link and band, members, busy time, the band's gigs, bookings; the first answer also notes its body's hash
    with django_assert_max_num_queries(6):
        response = client.get(ics_url(link))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Referrer-Policy"] == "no-referrer"
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    summaries = {str(e["SUMMARY"]) for e in events}
    assert summaries == {"The Night Owls available", "The Night Owls booked"}
    booked = [e for e in events if str(e["SUMMARY"]) == "The Night Owls booked"]
    assert [str(e["UID"]) for e in booked] == [f"busy-{gig.uid}@stageslot"]
    assert "TRANSP" not in booked[0]  # OPAQUE, RFC 5545's default
    assert all(str(e["TRANSP"]) == "TRANSPARENT" for e in events if e not in booked)
    body = response.content.decode()
    for secret in ("Kellerbar", "4321", "Secret handshake", "LOCATION", world.drummer.name):
        assert secret not in body
    # The same state answers the same bytes, and a 304 to a client that has them.
    again = client.get(ics_url(link), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_busier_week_or_a_gig_gone_moves_the_calendar_files_last_modified(client, world):
    """Neither a member's new busy time nor a gig that leaves the calendar changes an event's stamp,
    yet the file changed: a calendar app asking If-Modified-Since gets it in full, then a 304."""
    from email.utils import parsedate_to_datetime

    band, link = world.band, world.link
    today = timezone.now().astimezone(BERLIN).date()
    gig = BookingFactory(band=band, slot=slot_on(world.venue, today + dt.timedelta(days=4)), status="booked")
    first = client.get(ics_url(link))
    assert first.status_code == 200 and "Last-Modified" in first

    rule_create(
        user=world.drummer,
        title="Night shift",
        start_date=today + dt.timedelta(days=1),
        start_time=dt.time(12),
        end_date=today + dt.timedelta(days=2),
        end_time=dt.time(6),
        rrule="FREQ=DAILY;COUNT=14",
    )
    busier = client.get(ics_url(link), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert busier.status_code == 200 and busier.content != first.content
    assert parsedate_to_datetime(busier["Last-Modified"]) > parsedate_to_datetime(first["Last-Modified"])
    assert client.get(ics_url(link), HTTP_IF_MODIFIED_SINCE=busier["Last-Modified"]).status_code == 304

    Booking.objects.filter(pk=gig.pk).delete()
    gone = client.get(ics_url(link), HTTP_IF_MODIFIED_SINCE=busier["Last-Modified"])
    assert gone.status_code == 200 and f"busy-{gig.uid}" not in gone.content.decode()
    assert parsedate_to_datetime(gone["Last-Modified"]) > parsedate_to_datetime(busier["Last-Modified"])


# ---- The band's page of links -----------------------------------------------------------------------


def manage_url(band) -> str:
    return reverse("bookings:band_share", args=[band.slug])


def test_the_page_lists_live_links_to_copy_and_revoked_ones_below(client, world):
    band, leader, link = world.band, world.leader, world.link
    old = share_link_create(band=band, by=leader, label="Old festival")
    share_link_revoke(link=old, by=leader)
    client.force_login(leader)

    response = client.get(manage_url(band))
    html = response.content.decode()

    assert response.status_code == 200
    address = f"{SITE}{share_url(link)}"
    assert f'id="share-link-{link.pk}"' in html
    assert f'value="{address}"' in html
    assert f'data-copy-target="share-link-{link.pk}"' in html
    assert "Rockpalast promoters" in html and leader.name in html
    assert reverse("bookings:band_share_revoke", args=[band.slug, link.pk]) in html
    assert "hx-confirm=" in html
    revoked = html.split('id="revoked-shares"')[1]
    assert "Old festival" in revoked
    assert old.token not in html
    assert "bands/manage/layout.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("count", [1, 10])
def test_the_page_costs_the_same_queries_with_many_links(client, world, django_assert_max_num_queries, count):
    band, leader = world.band, world.leader
    for i in range(count - 1):
        share_link_create(band=band, by=MembershipFactory(band=band, role=Membership.Role.ADMIN).user, label=f"L{i}")
    share_link_revoke(link=world.link, by=leader)
    client.force_login(leader)
    # session, user, band, membership, live links, revoked links
    with django_assert_max_num_queries(6):
        assert client.get(manage_url(band)).status_code == 200


def test_only_the_bands_leaders_and_admins_see_the_page(client, world):
    band = world.band
    url = manage_url(band)
    response = client.get(url)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    client.force_login(world.drummer)
    assert client.get(url).status_code == 403
    other_leader = band_with_leader()[1]
    client.force_login(other_leader)
    response = client.get(url)
    assert response.status_code == 403
    assert world.link.token not in response.content.decode()
    assert client.get(manage_url(SimpleNamespace(slug="no-such-band"))).status_code == 404
    client.force_login(MembershipFactory(band=band, role=Membership.Role.ADMIN).user)
    assert client.get(url).status_code == 200


def test_creating_a_link_from_the_page(client, world):
    band, leader = world.band, world.leader
    client.force_login(leader)
    response = client.post(reverse("bookings:band_share_create", args=[band.slug]), {"label": "Booking agency"})
    link = ShareLink.objects.get(band=band, label="Booking agency")
    assert response.status_code == 302
    assert response["Location"] == f"{manage_url(band)}#share-{link.pk}"
    assert link.created_by == leader


def test_bad_input_answers_400_with_a_message_and_saves_nothing(client, world):
    band, leader = world.band, world.leader
    client.force_login(leader)
    url = reverse("bookings:band_share_create", args=[band.slug])

    response = client.post(url, {"label": "x" * 120})

    assert response.status_code == 400
    assert "Keep the label to 80 characters or fewer" in response.content.decode()
    assert ShareLink.objects.filter(band=band).count() == 1
    for _ in range(LIVE_LINKS_MAX - 1):
        share_link_create(band=band, by=leader)
    response = client.post(url, {"label": "One too many"})
    assert response.status_code == 400
    assert f"already has {LIVE_LINKS_MAX} share links" in response.content.decode()
    assert not ShareLink.objects.filter(label="One too many").exists()


def test_outsiders_cannot_create_or_revoke(client, world):
    band, link = world.band, world.link
    create_url = reverse("bookings:band_share_create", args=[band.slug])
    revoke_url = reverse("bookings:band_share_revoke", args=[band.slug, link.pk])
    assert client.post(create_url, {"label": "Anon"}).status_code == 302
    for person in (world.drummer, band_with_leader()[1]):
        client.force_login(person)
        assert client.post(create_url, {"label": "Sneaky"}).status_code == 403
        assert client.post(revoke_url).status_code == 403
    assert not ShareLink.objects.filter(label__in=["Anon", "Sneaky"]).exists()
    link.refresh_from_db()
    assert link.revoked_at is None
    # A leader of another band cannot reach this band's link through their own band either.
    other_band, other_leader = band_with_leader()
    client.force_login(other_leader)
    assert client.post(reverse("bookings:band_share_revoke", args=[other_band.slug, link.pk])).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_revoking_from_the_page_with_and_without_htmx(client, world):
    band, leader, link = world.band, world.leader, world.link
    second = share_link_create(band=band, by=leader, label="Second")
    client.force_login(leader)

    response = client.post(reverse("bookings:band_share_revoke", args=[band.slug, link.pk]))
    assert response.status_code == 302 and response["Location"] == manage_url(band)
    assert client.get(share_url(link)).status_code == 404

    response = client.post(reverse("bookings:band_share_revoke", args=[band.slug, second.pk]), **HTMX)
    part = response.content.decode()
    assert response.status_code == 200
    assert part.lstrip().startswith('<div id="share-links">')
    assert "“Second” is revoked" in part
    assert "No share link works at the moment" in part
    second.refresh_from_db()
    assert second.revoked_at is not None
    assert client.get(reverse("bookings:band_share_revoke", args=[band.slug, second.pk])).status_code == 405
