"""The treasurer's year: each person's statement with the band (gigs owed, payouts paid, balance), payouts
to members recorded and reversed by the band's leaders under the band's lock, the band's yearly totals per
currency as a page, CSV and PDF; who may read and change each, bad input, and pinned query counts.

The world: The Night Shift (Europe/Berlin) with Lea the leader, Max and Mia; last year two gigs paid
500.00 EUR each outside StageSlot (split three ways: 166.67, 166.67, 166.66), and 200.00 EUR paid to Max;
this year a gig paid 300.00 EUR through StageSlot (30.00 fee, 40.50 to the band's agency) where Sam stood
in for Max (so Sam has Max's share of it), and a gig paid 200.00 CHF outside."""

import csv
import datetime as dt
import io
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bands.tests.pseudo_pages import words_left_unmarked
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.models import Booking
from bookings.selectors.quotes import money_text
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, venue_with_owner
from documents.pdf import pdf_unavailable
from payments.models import LedgerEntry, MemberPayout, Payment
from payments.selectors import band_year, band_year_totals, member_due, member_statements
from payments.services import ledger
from payments.services.splits import member_split_stand_in
from payments.services.treasury import member_payout_record, member_payout_reverse
from stageslot.tests.once import as_it_is_now, rows_for_the_module
from teams.tests.factories import agency_for

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("treasury")]

BERLIN = ZoneInfo("Europe/Berlin")
THIS = timezone.now().astimezone(BERLIN).year
LAST = THIS - 1


def _gig(w, day: dt.date, *, venue=None, client=None, currency: str = "EUR") -> Booking:
    starts = dt.datetime.combine(day, dt.time(20), tzinfo=BERLIN)
    if client is not None:
        return BookingFactory(
            band=w.band,
            kind=Booking.Kind.REQUEST,
            slot=None,
            venue=None,
            client=client,
            event_type="Wedding",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3),
            status=Booking.Status.COMPLETED,
        )
    slot = SlotFactory(venue=venue or w.venue, starts_at=starts, ends_at=starts + dt.timedelta(hours=3))
    return BookingFactory(band=w.band, slot=slot, status=Booking.Status.COMPLETED, currency=currency)


def paid_outside(booking: Booking, amount: int, currency: str = "EUR") -> None:
    payment = Payment.objects.create(
        booking=booking,
        purpose=Payment.Purpose.FULL,
        status=Payment.Status.SUCCEEDED,
        method=Payment.Method.OUTSIDE,
        amount_minor=amount,
        currency=currency,
        reference="cash at the door",
    )
    ledger.ledger_post_outside(payment=payment, booking=booking)


def paid_through_stageslot(booking: Booking, amount: int, fee: int) -> None:
    payment = Payment.objects.create(
        booking=booking,
        purpose=Payment.Purpose.FULL,
        status=Payment.Status.SUCCEEDED,
        amount_minor=amount,
        platform_fee_minor=fee,
        currency="EUR",
    )
    ledger.ledger_post_payment(payment=payment, booking=booking, first=True)


def treasury_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.band, w.leader = band_with_leader(name="The Night Shift", slug="night-shift", time_zone="Europe/Berlin")
    w.leader.display_name = "Lea Leader"
    w.leader.save()
    w.max = MembershipFactory(band=w.band, role=Membership.Role.MEMBER, user__display_name="Max Member").user
    w.mia = MembershipFactory(band=w.band, role=Membership.Role.MEMBER, user__display_name="Mia Member").user
    w.sam = UserFactory(display_name="Sam Standin")
    w.venue, w.booker = venue_with_owner(name="Kellerbar", slug="kellerbar")
    w.other_band, w.other_leader = band_with_leader(name="Brass Band", slug="brass-band")
    w.stranger = UserFactory(display_name="Stella Stranger")
    w.client_user = UserFactory(display_name="Anna Client")
    w.gig_a = _gig(w, dt.date(LAST, 3, 14))
    w.gig_b = _gig(w, dt.date(LAST, 6, 20), client=w.client_user)
    paid_outside(w.gig_a, 50000)
    paid_outside(w.gig_b, 50000)
    w.max_paid = member_payout_record(
        band=w.band,
        member_id=w.max.pk,
        amount_minor=20000,
        currency="EUR",
        paid_on=dt.date(LAST, 12, 1),
        method=MemberPayout.Method.BANK_TRANSFER,
        reference="SEPA-1",
        by=w.leader,
    )
    w.agency, w.agency_owner, _agent, w.agency_viewer = agency_for(w.band)  # 15 % commission
    w.gig_c = _gig(w, dt.date(THIS, 2, 10))
    # Sam stands in for Max: the equal split written out (33.34 / 33.33 / 33.33 %), Max's part moved to Sam.
    member_split_stand_in(booking=w.gig_c, member_id=w.max.pk, stand_in_user_id=w.sam.pk)
    paid_through_stageslot(w.gig_c, 30000, 3000)  # 270.00 less 40.50 commission: 229.50 = 76.52 + 0 + 76.49 + 76.49
    w.gig_d = _gig(w, dt.date(THIS, 1, 5), currency="CHF")
    paid_outside(w.gig_d, 20000, "CHF")
    return w


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with rows_for_the_module(django_db_blocker):
        yield treasury_world()


@pytest.fixture
def w(module_world):
    return as_it_is_now(module_world)


def url(name: str, w, **query) -> str:
    address = reverse(name, args=[w.band.slug])
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def as_user(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def words(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def csv_of(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def figures(statement, currency):
    c = next(c for c in statement.currencies if c.currency == currency)
    return (
        c.opening_minor,
        [(line.on, line.owed_minor, line.paid_minor, line.balance_minor) for line in c.lines],
        (c.owed_minor, c.paid_minor, c.closing_minor),
    )


# ---- The figures ----------------------------------------------------------------------------------


def test_each_persons_statement_has_exact_figures_per_currency(w):
    last = {s.user.pk: s for s in member_statements(band=w.band, period=band_year(band=w.band, year=LAST))}
    assert list(last) == [w.leader.pk, w.max.pk, w.mia.pk]  # the band, in joining order; Sam played this year
    a, b = dt.date(LAST, 3, 14), dt.date(LAST, 6, 20)
    assert figures(last[w.leader.pk], "EUR") == (0, [(a, 16667, 0, 16667), (b, 16667, 0, 33334)], (33334, 0, 33334))
    assert figures(last[w.max.pk], "EUR") == (
        0,
        [(a, 16667, 0, 16667), (b, 16667, 0, 33334), (dt.date(LAST, 12, 1), 0, 20000, 13334)],
        (33334, 20000, 13334),
    )
    assert figures(last[w.mia.pk], "EUR") == (0, [(a, 16666, 0, 16666), (b, 16666, 0, 33332)], (33332, 0, 33332))

    this = {s.user.pk: s for s in member_statements(band=w.band, period=band_year(band=w.band, year=THIS))}
    assert list(this) == [w.leader.pk, w.max.pk, w.mia.pk, w.sam.pk]
    assert not this[w.sam.pk].member and this[w.leader.pk].member
    c = dt.date(THIS, 2, 10)
    assert figures(this[w.leader.pk], "EUR") == (33334, [(c, 7652, 0, 40986)], (7652, 0, 40986))
    assert figures(this[w.sam.pk], "EUR") == (0, [(c, 7649, 0, 7649)], (7649, 0, 7649))
    assert figures(this[w.max.pk], "EUR") == (13334, [(c, 0, 0, 13334)], (0, 0, 13334))  # stood in for
    assert figures(this[w.mia.pk], "EUR") == (33332, [(c, 7649, 0, 40981)], (7649, 0, 40981))
    assert [cs.currency for cs in this[w.mia.pk].currencies] == ["CHF", "EUR"]
    assert figures(this[w.mia.pk], "CHF") == (0, [(dt.date(THIS, 1, 5), 6666, 0, 6666)], (6666, 0, 6666))
    # A member's own statement alone; the one place "due" is worked out agrees with the statements.
    (own,) = member_statements(band=w.band, period=band_year(band=w.band, year=THIS), member_id=w.max.pk)
    assert own.user == w.max
    assert member_due(band_id=w.band.pk, member_id=w.max.pk, currency="EUR") == 13334
    assert member_due(band_id=w.band.pk, member_id=w.leader.pk, currency="EUR") == 40986


def test_the_yearly_totals_per_currency(w):
    (last,) = band_year_totals(band=w.band, period=band_year(band=w.band, year=LAST))
    assert (last.currency, last.gigs, last.gross_minor, last.platform_fee_minor, last.commission_minor) == (
        "EUR",
        2,
        100000,
        0,
        0,
    )
    assert (last.band_share_minor, last.paid_to_members_minor, last.owed_to_members_minor) == (100000, 20000, 80000)
    chf, eur = band_year_totals(band=w.band, period=band_year(band=w.band, year=THIS))
    assert (chf.currency, chf.gigs, chf.gross_minor, chf.band_share_minor, chf.owed_to_members_minor) == (
        "CHF",
        1,
        20000,
        20000,
        20000,
    )
    assert (eur.gigs, eur.gross_minor, eur.platform_fee_minor, eur.commission_minor, eur.band_share_minor) == (
        1,
        30000,
        3000,
        4050,
        22950,
    )
    assert eur.gross_minor == eur.platform_fee_minor + eur.commission_minor + eur.band_share_minor
    assert (eur.paid_to_members_minor, eur.owed_to_members_minor, eur.advanced_minor) == (0, 80000 + 22950, 0)
    assert band_year_totals(band=w.band, period=band_year(band=w.band, year=2001)) == []


# ---- Payouts to members -----------------------------------------------------------------------------


def test_a_payout_is_capped_by_what_is_owed_unless_an_advance_and_reversed_not_edited(w):
    today = timezone.now().astimezone(BERLIN).date()
    pay = {
        "band": w.band,
        "member_id": w.max.pk,
        "currency": "EUR",
        "paid_on": today,
        "method": "cash",
        "by": w.leader,
    }
    with pytest.raises(ValidationError, match=r"owes Max Member 133\.34 EUR"):
        member_payout_record(amount_minor=13335, **pay)
    exact = member_payout_record(amount_minor=13334, **pay)
    assert not exact.advance and member_due(band_id=w.band.pk, member_id=w.max.pk, currency="EUR") == 0
    entry = LedgerEntry.objects.get(member_payout=exact)
    assert (entry.kind, entry.amount_minor, entry.member_id, entry.band_id) == (
        "member_payout",
        -13334,
        w.max.pk,
        w.band.pk,
    )
    assert Notification.objects.filter(recipient=w.max, dedupe_key__contains=f"member_payout:{exact.pk}").exists()
    ahead = member_payout_record(amount_minor=5000, advance=True, **pay)
    assert ahead.advance and member_due(band_id=w.band.pk, member_id=w.max.pk, currency="EUR") == -5000
    (eur,) = [t for t in band_year_totals(band=w.band, period=band_year(band=w.band, year=THIS)) if t.currency == "EUR"]
    assert (eur.paid_to_members_minor, eur.advanced_minor) == (18334, 5000)

    back = member_payout_reverse(payout=ahead, by=w.leader)
    assert (back.reverses, back.amount_minor, back.signed_minor) == (ahead, 5000, -5000)
    assert LedgerEntry.objects.get(member_payout=back).amount_minor == 5000
    assert member_due(band_id=w.band.pk, member_id=w.max.pk, currency="EUR") == 0
    ahead.refresh_from_db()
    assert ahead.amount_minor == 5000  # the payout stays as recorded
    with pytest.raises(BookingConflict, match="reversed already"):
        member_payout_reverse(payout=ahead, by=w.leader)
    with pytest.raises(BookingConflict, match="cannot be reversed"):
        member_payout_reverse(payout=back, by=w.leader)
    for who in (w.max, w.agency_owner, w.other_leader, w.stranger):
        with pytest.raises(BookingPermissionError):
            member_payout_reverse(payout=exact, by=who)
        with pytest.raises(BookingPermissionError):
            member_payout_record(amount_minor=100, **(pay | {"by": who}))
    with pytest.raises(ValidationError, match="someone in the band"):
        member_payout_record(amount_minor=100, **(pay | {"member_id": w.other_leader.pk}))
    with pytest.raises(ValidationError, match="someone in the band"):
        member_payout_record(amount_minor=100, **(pay | {"member_id": 2**40}))
    assert MemberPayout.objects.filter(band=w.band).count() == 4
    # The stand-in is paid too; the ledger's invariants per booking still hold.
    member_payout_record(amount_minor=7649, **(pay | {"member_id": w.sam.pk}))
    assert member_due(band_id=w.band.pk, member_id=w.sam.pk, currency="EUR") == 0
    from payments.services.reconcile import ledger_invariants

    assert ledger_invariants() == []


def test_two_payouts_one_after_the_other_never_pay_more_than_owed(w):
    """The second payout reads what the first took off (under the band's row lock: test_treasury_race
    runs two at the same moment on PostgreSQL)."""
    today = timezone.now().astimezone(BERLIN).date()
    pay = {"band": w.band, "member_id": w.mia.pk, "currency": "EUR", "paid_on": today, "method": "bank", "by": w.leader}
    member_payout_record(amount_minor=30000, **pay)  # of 409.81
    with pytest.raises(ValidationError, match=r"owes Mia Member 109\.81 EUR"):
        member_payout_record(amount_minor=20000, **pay)
    assert member_due(band_id=w.band.pk, member_id=w.mia.pk, currency="EUR") == 10981


# ---- The pages: who may see what ---------------------------------------------------------------------


def test_who_reads_which_statement(client, w):
    page = url("payments:band_statements", w, year=THIS)
    everyone = ["Lea Leader", "Max Member", "Mia Member", "Sam Standin"]
    seen = {}
    for name, user in [("leader", w.leader), ("max", w.max), ("sam", w.sam)]:
        response = as_user(client, user).get(page)
        assert response.status_code == 200, name
        seen[name] = [n for n in everyone if n in words(response)]
    assert seen == {"leader": everyone, "max": ["Max Member"], "sam": ["Sam Standin"]}
    assert "Record a payout" in words(as_user(client, w.leader).get(page))
    assert "Record a payout" not in words(as_user(client, w.max).get(page))
    for user in (w.agency_owner, w.agency_viewer, w.other_leader, w.booker, w.stranger, w.client_user):
        assert as_user(client, user).get(page).status_code == 403
        assert as_user(client, user).get(url("documents:export_band_statements", w)).status_code == 403
    anonymous = as_user(client, None).get(page)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert as_user(client, w.max).get(reverse("payments:band_statements", args=["no-such"])).status_code == 404


def test_who_reads_the_yearly_totals_and_records_payouts(client, w):
    year = url("payments:band_year", w, year=LAST)
    pages = [year, url("documents:export_band_year", w, year=LAST)]
    for user in (w.leader, w.agency_owner, w.agency_viewer):
        for page in pages:
            assert as_user(client, user).get(page).status_code == 200, (user, page)
    assert "1,000 EUR" in words(as_user(client, w.agency_viewer).get(year))
    new = url("payments:member_payout_new", w)
    reverse_url = reverse("payments:member_payout_reverse", args=[w.band.slug, w.max_paid.pk])
    assert as_user(client, w.leader).get(new).status_code == 200
    for user in (w.max, w.mia, w.sam, w.other_leader, w.booker, w.stranger, w.client_user):
        for page in pages:
            assert as_user(client, user).get(page).status_code == 403, (user, page)
    for user in (w.max, w.sam, w.other_leader, w.booker, w.stranger, w.agency_owner):
        assert as_user(client, user).get(new).status_code == 403
        assert as_user(client, user).post(reverse_url).status_code == 403
    for page in [*pages, new]:
        assert as_user(client, None).get(page).status_code == 302
    assert as_user(client, None).post(reverse_url).status_code == 302
    as_user(client, w.leader)
    for pk in (w.max_paid.pk + 1000, 2**70):
        assert client.post(reverse("payments:member_payout_reverse", args=[w.band.slug, pk])).status_code == 404
    other = reverse("payments:member_payout_reverse", args=[w.other_band.slug, w.max_paid.pk])
    assert as_user(client, w.other_leader).post(other).status_code == 404  # not a payout of their band
    assert not MemberPayout.objects.filter(reverses__isnull=False).exists()


def test_a_leader_records_and_reverses_a_payout_through_the_pages(client, w):
    as_user(client, w.leader)
    form = client.get(url("payments:member_payout_new", w, member=w.max.pk, currency="EUR"))
    assert "133.34 EUR" in words(form)
    assert client.get(url("payments:member_payout_new", w, member="abc", currency="ZZZ")).status_code == 200
    today = timezone.now().astimezone(BERLIN).date()
    response = client.post(
        url("payments:member_payout_new", w),
        {
            "member": w.max.pk,
            "amount": "100.00",
            "currency": "EUR",
            "paid_on": today.isoformat(),
            "method": "bank",
            "reference": '=HYPERLINK("x")',
        },
    )
    assert response.status_code == 302
    payout = MemberPayout.objects.get(band=w.band, amount_minor=10000)
    assert (payout.member, payout.recorded_by, payout.paid_on) == (w.max, w.leader, today)
    csv_rows = csv_of(as_user(client, w.max).get(url("documents:export_band_statements", w, year=THIS)))
    assert csv_rows[0][:3] == ["Person", "Member of the band", "Currency"]
    assert {r[0] for r in csv_rows[1:]} == {"Max Member"}
    payout_line = [today.isoformat(), "Payout", "", "", "Bank transfer", '\'=HYPERLINK("x")', "", "100.00", "33.34"]
    assert ["Max Member", "yes", "EUR", *payout_line] in csv_rows  # the reference made inert for spreadsheets
    assert csv_rows[-1][4:] == ["Totals", "", "", "", "", "0.00", "100.00", "33.34"]
    as_user(client, w.leader)
    done = client.post(reverse("payments:member_payout_reverse", args=[w.band.slug, payout.pk]))
    assert done.status_code == 302
    assert member_due(band_id=w.band.pk, member_id=w.max.pk, currency="EUR") == 13334
    again = client.post(reverse("payments:member_payout_reverse", args=[w.band.slug, payout.pk]), follow=True)
    assert "reversed already" in words(again)
    assert client.get(reverse("payments:member_payout_reverse", args=[w.band.slug, payout.pk])).status_code == 405


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": "0"}, "greater than or equal to 0.01"),
        ({"amount": "-5"}, "greater than or equal to 0.01"),
        ({"amount": "1.234"}, "no more than 2 decimal places"),
        ({"amount": "99999999999"}, "no more than 10 digits before"),
        ({"amount": "9000000.00", "advance": "on"}, "One payout is at most"),
        ({"amount": "lots"}, "Enter a number"),
        ({"member": "other"}, "Select a valid choice"),
        ({"paid_on": "in 2 days"}, "at most tomorrow"),
        ({"paid_on": "1999-12-31"}, "from the year 2000"),
        ({"currency": "USD"}, "no share of a gig in USD"),
        ({"amount": "133.35"}, "a payout cannot be more"),
    ],
)
def test_a_bad_payout_is_refused_with_a_message_and_nothing_changes(client, w, change, message):
    today = timezone.now().astimezone(BERLIN).date()
    data = {"member": w.max.pk, "amount": "10.00", "currency": "EUR", "paid_on": today.isoformat(), "method": "bank"}
    data |= change
    if data["member"] == "other":
        data["member"] = w.other_leader.pk
    if data["paid_on"] == "in 2 days":
        data["paid_on"] = (today + dt.timedelta(days=2)).isoformat()
    before = (MemberPayout.objects.count(), LedgerEntry.objects.count())
    response = as_user(client, w.leader).post(url("payments:member_payout_new", w), data)
    assert response.status_code == 400
    assert message in words(response).replace("&#x27;", "'")
    assert (MemberPayout.objects.count(), LedgerEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "0"}, "greater than or equal to 2000"),
        ({"year": "99999"}, "less than or equal to 2100"),
        ({"year": "text"}, "Give the year as a number"),
        ({"year": "99999999999999999999"}, "less than or equal to 2100"),
        ({"start": "2026-02-30", "end": "2026-03-01"}, "Enter a valid date"),
        ({"start": f"{THIS}-05-01", "end": f"{THIS}-04-01"}, "comes after its last"),
        ({"start": f"{THIS}-05-01"}, "Give both days"),
        ({"start": "2001-01-01", "end": f"{THIS}-01-01"}, "at most five years"),
    ],
)
def test_a_bad_period_is_refused_with_a_message_on_every_door(client, w, query, message):
    as_user(client, w.leader)
    for name in (
        "payments:band_statements",
        "payments:band_year",
        "documents:export_band_statements",
        "documents:export_band_year",
        "documents:band_year_pdf",
    ):
        response = client.get(url(name, w, **query))
        assert response.status_code == 400, name
        assert message in words(response), name


def test_a_period_of_days_and_the_default_year(client, w):
    as_user(client, w.leader)
    spring = words(client.get(url("payments:band_statements", w, start=f"{LAST}-03-01", end=f"{LAST}-03-31")))
    assert "Kellerbar" in spring and "Anna Client" not in spring
    default = words(client.get(url("payments:band_statements", w)))
    assert f"· {THIS}" in default and "Sam Standin" in default


@pytest.mark.skipif(bool(pdf_unavailable()), reason="WeasyPrint's libraries are not installed")
def test_the_yearly_totals_as_a_pdf(client, w):
    response = as_user(client, w.agency_owner).get(url("documents:band_year_pdf", w, year=LAST))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert as_user(client, w.max).get(url("documents:band_year_pdf", w, year=LAST)).status_code == 403


def _queries(client, user, page) -> int:
    as_user(client, user).get(page)  # the session's first request does more
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    return len(queries)


def test_the_statement_page_costs_the_same_queries_with_more_gigs(client, w, django_assert_max_num_queries):
    """2 gigs last year, then 12: the same queries (for the leader, everyone's; for Max, his own), within
    the pinned budget."""
    page = url("payments:band_statements", w, year=LAST)
    year = url("payments:band_year", w, year=LAST)
    people = (w.leader, w.max, w.sam)
    before = [_queries(client, user, page) for user in people] + [_queries(client, w.leader, year)]
    for i in range(10):
        paid_outside(_gig(w, dt.date(LAST, 7, 1) + dt.timedelta(days=i)), 30000)
    after = [_queries(client, user, page) for user in people] + [_queries(client, w.leader, year)]
    assert after == before
    assert words(as_user(client, w.max).get(page)).count("Kellerbar") == 11
    for user in (w.leader, w.max):
        as_user(client, user)
        with django_assert_max_num_queries(12):
            assert client.get(page).status_code == 200
    as_user(client, w.agency_owner).get(year)  # the session's first request does more
    with django_assert_max_num_queries(10):
        assert client.get(year).status_code == 200


def test_every_word_of_the_treasurers_pages_is_marked(client, w):
    as_user(client, w.leader)
    pages = [
        url("payments:band_statements", w, year=LAST),
        url("payments:band_statements", w, year=THIS),
        url("payments:member_payout_new", w, member=w.max.pk),
        url("payments:band_year", w, year=THIS),
    ]
    assert words_left_unmarked(client, pages, data=["CHF"]) == {}


def test_a_payout_for_a_gig_not_played_yet_is_an_advance_and_the_statement_says_so(client, w):
    """What a member is owed today counts the gigs played up to now (selectors.owed_today_q): a gig paid
    ahead by its payer is not owed to the members until it is played, so paying its share is an advance,
    on the service, the page, and the statement alike."""
    now = timezone.now()
    upcoming = _gig(w, (now + dt.timedelta(days=20)).astimezone(BERLIN).date())
    Booking.objects.filter(pk=upcoming.pk).update(status=Booking.Status.BOOKED)
    paid_outside(upcoming, 30000)
    share = sum(
        LedgerEntry.objects.filter(booking=upcoming, member=w.max, kind="member_share").values_list(
            "amount_minor", flat=True
        )
    )
    assert share > 0
    owed = member_due(band_id=w.band.pk, member_id=w.max.pk, currency="EUR")
    assert owed == 13334  # the gigs played only: the one to come adds nothing yet
    today = now.astimezone(BERLIN).date()
    pay = {"band": w.band, "member_id": w.max.pk, "currency": "EUR", "paid_on": today, "method": "cash", "by": w.leader}
    with pytest.raises(ValidationError, match=r"owes Max Member 133\.34 EUR"):
        member_payout_record(amount_minor=owed + share, **pay)
    # The same through the page: refused without "advance", nothing recorded.
    as_user(client, w.leader)
    data = {"member": w.max.pk, "currency": "EUR", "amount": f"{(owed + share) / 100:.2f}", "paid_on": today}
    response = client.post(url("payments:member_payout_new", w), {**data, "method": "cash"})
    assert response.status_code == 400 and "Advance payment" in words(response)
    assert not MemberPayout.objects.filter(member=w.max, paid_on=today).exists()
    response = client.post(url("payments:member_payout_new", w), {**data, "method": "cash", "advance": "on"})
    assert response.status_code == 302
    payout = MemberPayout.objects.get(member=w.max, paid_on=today)
    assert payout.advance and payout.amount_minor == owed + share
    assert member_due(band_id=w.band.pk, member_id=w.max.pk, currency="EUR") == -share
    # The statement agrees: the payout is marked an advance and Max is paid ahead by the gig's share today.
    (statement,) = member_statements(band=w.band, period=band_year(band=w.band, year=THIS), member_id=w.max.pk)
    (eur,) = [c for c in statement.currencies if c.currency == "EUR"]
    assert (eur.due_today_minor, eur.ahead_today_minor) == (-share, share)
    page = words(client.get(url("payments:band_statements", w, year=THIS)))
    assert "advance" in page
    assert f"Paid ahead today, beyond the gigs played up to now: {money_text(share, 'EUR')}." in page
