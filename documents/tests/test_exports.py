"""The CSV exports: what each role gets, with the page's filters, streamed; who may not; bad filters."""

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bands.models import Membership
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, SlotFactory, in_days
from bookings.tests.test_detail_views import make_world
from documents.exports import BOM, export_filename, major, safe_text
from payments.models import LedgerEntry, Payment
from reviews.tests.factories import completed_gig, completed_private_gig, review_of

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list[str]]:
    """The CSV a streamed response sends, BOM checked and taken off, as rows."""
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body.removeprefix(BOM))))


def get(client, user, url: str, **params):
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    return client.get(url, params)


@pytest.fixture
def world():
    w = make_world()
    # A booked gig of the band (its gig list and money), at the venue.
    slot = SlotFactory(venue=w.venue, starts_at=in_days(40), ends_at=in_days(40) + timedelta(hours=3))
    w.gig = BookingFactory(band=w.band, slot=slot, status=Booking.Status.BOOKED, fee=800, requested_by=w.leader)
    w.payment = Payment.objects.create(
        booking=w.gig,
        purpose=Payment.Purpose.DEPOSIT,
        status=Payment.Status.SUCCEEDED,
        amount_minor=24050,
        currency="EUR",
        payer=w.owner,
        reference="=HYPERLINK(evil)",
        paid_at=timezone.now(),
    )
    LedgerEntry.objects.create(
        kind=LedgerEntry.Kind.BAND_SHARE, amount_minor=-1205, currency="EUR", booking=w.gig, band=w.band, memo="x"
    )
    return w


# ---- The pieces ---------------------------------------------------------------------------------


def test_money_is_written_in_major_units_with_two_decimals():
    assert [major(v) for v in (0, 5, 1250, 125000, -1205, None)] == ["0.00", "0.05", "12.50", "1250.00", "-12.05", ""]


def test_a_cell_that_would_run_as_a_formula_is_made_inert():
    assert [safe_text(v) for v in ("=1+1", "+49 30", "-x", "@SUM", "Kellerbar", "")] == [
        "'=1+1",
        "'+49 30",
        "'-x",
        "'@SUM",
        "Kellerbar",
        "",
    ]


def test_the_file_is_named_after_the_export_and_the_day():
    assert export_filename("bookings", today=timezone.now().date().replace(2026, 11, 24)) == (
        "stageslot-bookings-2026-11-24.csv"
    )


# ---- Bookings -----------------------------------------------------------------------------------


def test_a_band_leader_exports_the_inbox_with_times_in_their_zone(client, world):
    world.leader.time_zone = "America/New_York"
    world.leader.save(update_fields=["time_zone"])
    response = get(client, world.leader, reverse("documents:export_bookings"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="stageslot-bookings-')
    header, *rows = rows_of(response)
    assert header[:4] == ["Booking", "Kind", "Role", "Status"]
    by_uid = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert set(by_uid) == {str(world.application.uid), str(world.request.uid), str(world.gig.uid)}
    request = by_uid[str(world.request.uid)]
    assert request["Client"] == "Anna Client"
    assert request["Venue or place"] == "Gut Kleinow, Brandenburg"
    assert request["Fee"] == "1500.00" and request["Currency"] == "EUR"
    assert request["Time zone"] == "America/New_York"
    local = world.request.starts_at.astimezone(ZoneInfo("America/New_York"))
    assert request["Starts"] == local.isoformat(timespec="seconds")
    assert request["Starts"].endswith(("-05:00", "-04:00"))
    assert by_uid[str(world.application.uid)]["Venue or place"] == "Kellerbar"


def test_the_export_takes_the_pages_filters(client, world):
    url = reverse("documents:export_bookings")
    upcoming = rows_of(get(client, world.leader, url, tab="upcoming"))[1:]
    assert [r[0] for r in upcoming] == [str(world.gig.uid)]
    as_client = rows_of(get(client, world.leader, url, show=f"band:{world.band.pk}", status="pending"))[1:]
    assert {r[0] for r in as_client} == {str(world.application.uid), str(world.request.uid)}
    later = (timezone.localdate() + timedelta(days=35)).isoformat()
    assert [r[0] for r in rows_of(get(client, world.leader, url, since=later))[1:]] == [str(world.gig.uid)]
    # The page's own page number is carried by its link and ignored.
    assert len(rows_of(get(client, world.leader, url, page="3"))) == 4


def test_each_party_sees_only_its_own_bookings(client, world):
    url = reverse("documents:export_bookings")
    assert {r[0] for r in rows_of(get(client, world.client, url))[1:]} == {str(world.request.uid)}
    venue_rows = {r[0] for r in rows_of(get(client, world.owner, url))[1:]}
    assert venue_rows == {str(world.application.uid), str(world.gig.uid)}
    for outsider in (world.other_leader, world.other_owner, world.other_client):
        assert rows_of(get(client, outsider, url))[1:] == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "lost"}, "is not a booking status"),
        ({"tab": "everything"}, "There is no tab"),
        ({"since": "2026-02-30"}, "must be a date"),
        ({"until": "tomorrow"}, "must be a date"),
        ({"since": "2026-12-01", "until": "2026-11-01"}, "swap them"),
        ({"show": "band:999999"}, "is not one of your bands"),
    ],
)
def test_a_bad_filter_is_refused_with_a_message_and_no_file(client, world, params, message):
    response = get(client, world.leader, reverse("documents:export_bookings"), **params)
    assert response.status_code == 400
    assert not response.streaming
    assert "Content-Disposition" not in response
    assert message in response.content.decode()


def test_another_bands_filter_is_refused(client, world):
    response = get(client, world.other_leader, reverse("documents:export_bookings"), show=f"band:{world.band.pk}")
    assert response.status_code == 400


def test_anonymous_is_sent_to_log_in(client, world):
    for name, args in [
        ("export_bookings", []),
        ("export_paid", []),
        ("export_band_gigs", [world.band.slug]),
        ("export_band_payments", [world.band.slug]),
        ("export_band_ledger", [world.band.slug]),
        ("export_venue_slots", [world.venue.slug]),
    ]:
        response = get(client, None, reverse(f"documents:{name}", args=args))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ---- A band's gigs, payments and ledger ---------------------------------------------------------

BAND_EXPORTS = ("export_band_gigs", "export_band_payments", "export_band_ledger")


@pytest.mark.parametrize("name", BAND_EXPORTS)
def test_only_the_bands_leaders_and_admins_export_its_money(client, world, name):
    url = reverse(f"documents:{name}", args=[world.band.slug])
    assert get(client, world.leader, url).status_code == 200
    for outsider in (world.member, world.other_leader, world.owner, world.client, world.other_client):
        assert get(client, outsider, url).status_code == 403, outsider
    assert get(client, world.leader, reverse(f"documents:{name}", args=["no-such-band"])).status_code == 404


def test_the_gig_list_holds_booked_gigs_with_their_fee(client, world):
    Membership.objects.filter(band=world.band, user=world.member).update(role=Membership.Role.ADMIN)
    header, *rows = rows_of(get(client, world.member, reverse("documents:export_band_gigs", args=[world.band.slug])))
    assert [r[0] for r in rows] == [str(world.gig.uid)]
    gig = dict(zip(header, rows[0], strict=True))
    assert gig["Status"] == "Booked" and gig["Fee"] == "800.00" and gig["Currency"] == "EUR"
    assert gig["Venue or place"] == "Kellerbar"


def test_the_payments_and_the_ledger_in_major_units(client, world):
    url = reverse("documents:export_band_payments", args=[world.band.slug])
    header, row = rows_of(get(client, world.leader, url))
    payment = dict(zip(header, row, strict=True))
    assert payment["Amount"] == "240.50" and payment["Currency"] == "EUR" and payment["Status"] == "Paid"
    assert payment["Reference"] == "'=HYPERLINK(evil)"
    assert payment["Booking"] == str(world.gig.uid)
    header, row = rows_of(get(client, world.leader, reverse("documents:export_band_ledger", args=[world.band.slug])))
    entry = dict(zip(header, row, strict=True))
    assert entry["Amount"] == "-12.05" and entry["Kind"] == "Band's share"
    refused = get(client, world.leader, reverse("documents:export_band_ledger", args=[world.band.slug]), kind="gift")
    assert refused.status_code == 400
    refused = get(client, world.leader, url, status="paid-twice")
    assert refused.status_code == 400


def test_a_payer_exports_what_they_paid(client, world):
    url = reverse("documents:export_paid")
    assert [r[0] for r in rows_of(get(client, world.owner, url))[1:]] == [str(world.payment.uid)]
    for outsider in (world.client, world.other_owner, world.other_client, world.leader):
        assert rows_of(get(client, outsider, url))[1:] == []
    assert get(client, world.owner, url, since="24.11.2026").status_code == 400


# ---- A venue's slots ----------------------------------------------------------------------------


def test_venue_staff_export_the_slot_lists_tab(client, world):
    url = reverse("documents:export_venue_slots", args=[world.venue.slug])
    header, *rows = rows_of(get(client, world.owner, url))
    assert {int(r[0]) for r in rows} == {world.slot.pk, world.gig.slot_id}
    by_pk = {int(r[0]): dict(zip(header, r, strict=True)) for r in rows}
    assert by_pk[world.gig.slot_id]["Status"] in {"Booked", "Need support", "Booking open"}
    assert by_pk[world.slot.pk]["Pending applications"] == "1"
    assert rows_of(get(client, world.owner, url, show="past"))[1:] == []
    assert get(client, world.owner, url, show="someday").status_code == 400
    for outsider in (world.other_owner, world.leader, world.client):
        assert get(client, outsider, url).status_code == 403
    assert get(client, world.owner, reverse("documents:export_venue_slots", args=["nowhere"])).status_code == 404


# ---- Reviews (the reviews app, on documents' streamed CSV) --------------------------------------


def test_reviews_received_are_the_published_ones_and_given_are_the_sides_own(client):
    gig = completed_gig()
    private = completed_private_gig(band=gig["band"])
    review_of(gig["booking"], gig["owner"], "band", overall=4)  # waiting for the band's: not published yet
    review_of(
        private["booking"], private["leader"], "client", overall=5, text="=cmd|' /C calc'!A0 and a long enough review"
    )
    url = reverse("reviews:export_band", args=[gig["band"].slug])
    assert rows_of(get(client, gig["leader"], url))[1:] == []
    header, given = rows_of(get(client, gig["leader"], url, direction="given"))
    given = dict(zip(header, given, strict=True))
    assert given["About"] == "Ana Client" and given["Overall"] == "5"
    assert given["Review"].startswith("'=")
    assert get(client, gig["member"], url).status_code == 403
    assert get(client, gig["leader"], url, direction="sideways").status_code == 400
    venue_url = reverse("reviews:export_venue", args=[gig["venue"].slug])
    assert len(rows_of(get(client, gig["owner"], venue_url, direction="given"))) == 2
    assert get(client, gig["leader"], venue_url).status_code == 403
    mine = rows_of(get(client, private["client"], reverse("reviews:export_mine")))
    assert mine[1:] == []  # the band's review of her waits for hers (double blind)
    assert get(client, None, reverse("reviews:export_mine")).status_code == 302


# ---- Streaming, and queries that do not grow with the rows --------------------------------------


def _export_queries(client, user, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        rows = rows_of(client.get(url))
    return len(rows) - 1, len(queries)


# A server-side cursor on PostgreSQL, fetchmany on SQLite: both stages run it.
@pytest.mark.slow
@pytest.mark.db_specific
def test_five_thousand_bookings_stream_in_a_constant_number_of_queries(client, world):
    client.force_login(world.leader)
    url = reverse("documents:export_bookings")
    few, few_queries = _export_queries(client, world.leader, url)
    band, slot = world.band, world.slot
    start = timezone.now() - timedelta(days=4000)
    Booking.objects.bulk_create(
        Booking(
            kind=Booking.Kind.APPLICATION,
            band=band,
            slot=slot,
            venue=world.venue,
            status=Booking.Status.DECLINED,
            starts_at=start + timedelta(hours=6 * i),
            ends_at=start + timedelta(hours=6 * i + 3),
            fee=100 + i % 50,
            requested_by=world.leader,
        )
        for i in range(5000)
    )
    many, many_queries = _export_queries(client, world.leader, url)
    assert many == few + 5000
    assert many_queries == few_queries <= 6  # session, user, roles (2), the rows: none per row


@pytest.mark.db_specific
def test_the_response_streams_and_reads_nothing_until_asked(client, world):
    client.force_login(world.leader)
    response = client.get(reverse("documents:export_bookings"))
    assert response.streaming
    with CaptureQueriesContext(connection) as queries:
        pieces = iter(response.streaming_content)
        first = next(pieces)
    assert first.startswith(BOM.encode()) and b"Booking" in first
    assert len(queries) == 0  # the header first; the rows' query runs when the next piece is asked for


@pytest.mark.parametrize(
    ("name", "who", "arg", "most"),
    [
        ("export_band_gigs", "leader", "band", 5),
        ("export_band_payments", "leader", "band", 5),
        ("export_band_ledger", "leader", "band", 5),
        ("export_paid", "owner", None, 4),
        ("export_venue_slots", "owner", "venue", 4),
    ],
)
def test_each_export_reads_its_rows_in_one_query(client, world, django_assert_max_num_queries, name, who, arg, most):
    # Session, user, the viewer's band or venue (and membership), then the rows, whatever their number.
    client.force_login(getattr(world, who))
    url = reverse(f"documents:{name}", args=[getattr(world, arg).slug] if arg else [])
    with django_assert_max_num_queries(most):
        assert len(rows_of(client.get(url))) >= 2


def test_the_pages_link_to_their_exports_with_their_filters(client, world):
    client.force_login(world.leader)
    html = client.get(reverse("bookings:inbox"), {"tab": "upcoming", "page": "1"}).content.decode()
    assert f"{reverse('documents:export_bookings')}?tab=upcoming&amp;show=" in html
    html = client.get(reverse("payments:band_money", args=[world.band.slug])).content.decode()
    for name in BAND_EXPORTS:
        assert reverse(f"documents:{name}", args=[world.band.slug]) in html
    html = client.get(reverse("bookings:band_share", args=[world.band.slug])).content.decode()
    assert reverse("documents:band_availability_pdf", args=[world.band.slug]) in html
    client.force_login(world.owner)
    html = client.get(reverse("bookings:venue_slots", args=[world.venue.slug]), {"show": "open"}).content.decode()
    assert f"{reverse('documents:export_venue_slots', args=[world.venue.slug])}?show=open" in html
    assert reverse("documents:export_paid") in client.get(reverse("payments:paid")).content.decode()


def test_members_and_clients_find_their_exports(client, world):
    client.force_login(world.member)
    html = client.get(reverse("bands:calendar", args=[world.band.slug])).content.decode()
    assert reverse("documents:band_availability_pdf", args=[world.band.slug]) in html
    client.force_login(world.client)
    html = client.get(reverse("bookings:inbox"), {"show": "client"}).content.decode()
    assert reverse("reviews:export_mine") in html
