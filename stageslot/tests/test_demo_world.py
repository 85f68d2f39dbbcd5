"""The demo world as `make run` seeds it, read by many tests: its bookings, money, contracts, invoices and tour.
It is seeded once for this module (`seeded`), each test in a savepoint of its own inside it. The tests that seed
under other dates, or run the seed again over this world, are in test_seed_demo.py."""

import datetime as dt
import zoneinfo
from collections.abc import Iterator

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import models
from django.db.models import Sum
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, User
from availability.models import BusyInterval
from bands.models import Band, BandBlock, Membership
from bands.services import gig_sitting_out
from bookings.models import Booking, OfferInvite
from bookings.selectors.bookings import band_free_between
from bookings.selectors.tours import tour_plan
from bookings.services.venue_slots import offer_invite_state
from documents import seal
from documents.models import Contract, ContractSignature, Invoice, LegalDetails
from documents.services.invoices import invoice_pdf
from payments.models import LedgerEntry, MemberSplit, Payment, Payout, Refund
from payments.selectors import band_money, schedule_of
from payments.services.reconcile import ledger_invariants
from places.tests.factories import CityFactory
from reviews.models import Review, ReviewReport
from stageslot.demo.bookings import DEMO_VENUES
from stageslot.demo.contracts import seed_contracts
from stageslot.demo.invoices import seed_invoices
from stageslot.demo.tours import ROUTE
from stageslot.management.commands.seed_demo import DEMO_PASSWORD
from stageslot.tests import demo_once
from stageslot.tests.demo_once import tiny_picture
from stageslot.tests.once import rows_for_the_module
from stageslot.tests.test_seed_demo import overlapping_pairs
from venues.models import Slot

# One process runs this module's tests one after another (pytest-xdist's loadgroup): the world is seeded once.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_world")]

Status = Booking.Status
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, pytestconfig) -> Iterator[None]:
    """The demo world (without its photos), seeded once for the module's tests (or copied from the run's first
    seed of it) and rolled back after the last."""
    with override_settings(DEBUG=True), rows_for_the_module(django_db_blocker):
        demo_once.seed(pytestconfig, pictures=False)
        yield


def test_demo_logins_work(seeded, client):
    response = client.post("/accounts/login/", {"login": "mara@demo.stageslot.test", "password": "stageslot-demo"})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_demo_venues_post_slots_in_every_status_over_three_months(seeded):
    now = timezone.now()
    upcoming = Slot.objects.filter(starts_at__gt=now)
    for status in Slot.Status:
        assert upcoming.filter(Slot.status_q(status)).exists(), status
    for slug in DEMO_VENUES:
        last = upcoming.filter(venue__slug=slug).order_by("-starts_at").first()
        assert last is not None and dt.timedelta(days=80) < last.starts_at - now < dt.timedelta(days=100), slug
    assert upcoming.filter(visibility=Slot.Visibility.INVITE).count() >= 3
    assert upcoming.filter(fee__isnull=True).exists() and upcoming.filter(fee__gt=0).exists()
    assert upcoming.filter(support_places=2).exists() and upcoming.filter(support_places=1).exists()
    assert upcoming.exclude(series=None).values("series").distinct().count() >= 8
    cancelled = Slot.objects.get(cancelled_at__isnull=False)
    assert cancelled.cancel_reason
    # The cancellation reached the bands: the booked act cancelled, the waiting one declined, with the reason.
    assert set(cancelled.bookings.values_list("status", flat=True)) == {Status.CANCELLED, Status.DECLINED}
    assert all(cancelled.cancel_reason in b.status_note for b in cancelled.bookings.all())
    # Evening slots in the venue's own time: a Friday late show starts at 21:00 in Berlin.
    late_show = Slot.objects.filter(title="Friday Late Show", starts_at__gt=now).first()
    berlin = timezone.localtime(late_show.starts_at, zoneinfo.ZoneInfo("Europe/Berlin"))
    assert (berlin.weekday(), berlin.hour) == (4, 21)


def test_demo_bookings_wait_for_answers_and_keep_their_history(seeded):
    now = timezone.now()
    waiting = Booking.objects.filter(status=Status.PENDING, starts_at__gt=now)
    kellerbar = waiting.filter(kind=Booking.Kind.APPLICATION, venue__slug="kellerbar")
    assert kellerbar.count() >= 3 and kellerbar.filter(shortlisted=True).exists()
    assert waiting.filter(kind=Booking.Kind.OFFER).count() >= 3
    assert waiting.filter(kind=Booking.Kind.OFFER, slot__visibility=Slot.Visibility.INVITE).exists()
    invite = OfferInvite.objects.get()
    assert offer_invite_state(invite) == "open" and invite.booking is None
    client = User.objects.get(email="client@demo.stageslot.test")
    assert set(client.client_bookings.values_list("status", flat=True)) >= {
        Status.PENDING, Status.BOOKED, Status.DECLINED, Status.WITHDRAWN, Status.COMPLETED,
    }  # fmt: skip
    for kind in (Booking.Kind.APPLICATION, Booking.Kind.OFFER):
        assert Booking.objects.filter(kind=kind, status=Status.DECLINED).exists()
        assert Booking.objects.filter(kind=kind, status=Status.WITHDRAWN).exists()
    assert Booking.objects.filter(status=Status.DECLINED, status_note__startswith="Declined automatically").exists()
    # Past gigs were played: completed after their end, asked for and accepted weeks before.
    played = Booking.objects.filter(status=Status.COMPLETED)
    assert played.count() >= 5
    for gig in played:
        events = list(gig.events.order_by("created_at", "pk"))
        assert [e.to_status for e in events] == [Status.PENDING, Status.BOOKED, Status.COMPLETED]
        assert events[0].created_at < events[1].created_at < gig.starts_at < gig.ends_at <= events[2].created_at < now
        assert gig.created_at == events[0].created_at
    # Every history reads in order, and nothing happened in the future.
    for booking in Booking.objects.prefetch_related("events"):
        times = [e.created_at for e in booking.events.all()]
        assert times == sorted(times) and times[-1] <= now and booking.created_at <= times[0]
    # The demo people read their notifications in the app; nothing is mailed to their made-up addresses.
    assert Notification.objects.filter(kind__startswith="booking_").count() > 50
    assert not Notification.objects.filter(email_state=Notification.Email.PENDING).exists()


def test_no_band_is_booked_twice_and_booked_gigs_make_members_busy(seeded):
    now = timezone.now()
    played_or_booked = list(Booking.objects.filter(status__in=(Status.BOOKED, Status.COMPLETED)))
    assert len(played_or_booked) >= 15
    assert overlapping_pairs(played_or_booked) == []
    for booking in Booking.objects.filter(status=Status.BOOKED).select_related("band"):
        members = Membership.objects.filter(band=booking.band).values_list("user_id", flat=True)
        # From the band's load-in before the gig to its pack-down after; on a bill with set times, from
        # the act's load-in to the end of its set.
        if booking.set_starts_at:
            window = {"starts_at": booking.load_in_at, "ends_at": booking.set_ends_at}
        else:
            window = {
                "starts_at": booking.starts_at - dt.timedelta(minutes=booking.band.load_in_minutes),
                "ends_at": booking.ends_at + dt.timedelta(minutes=booking.band.pack_down_minutes),
            }
        busy = BusyInterval.objects.filter(source="gig", source_id=booking.block_id, **window)
        # Everyone who plays it: its members and stand-ins, not those who sit it out (they can't, a stand-in
        # plays for them, or they play another gig then: decision 0122).
        block = BandBlock.objects.get(pk=booking.block_id)
        plays = ({*members} | set(block.guests)) - gig_sitting_out(block)
        assert set(busy.values_list("user_id", flat=True)) == plays, booking
        if booking.band.slug == "brass-and-bones" and booking.venue and booking.venue.slug == "blue-room":
            continue  # The New York tour, already in Ayla's own calendar.
        # Booked where the band's green zone was: nothing but the gig itself makes it busy.
        assert band_free_between(
            band_id=booking.band_id, start=booking.starts_at, end=booking.ends_at, exclude_block_id=booking.block_id
        ), booking
    # Slot places match the bookings on them.
    for slot in Slot.objects.filter(cancelled_at=None, starts_at__gt=now):
        booked = slot.bookings.filter(status=Status.BOOKED)
        assert slot.headliner_booked == booked.filter(role=Booking.Role.HEADLINER).count()
        assert slot.supports_booked == booked.filter(role=Booking.Role.SUPPORT).count()


def test_the_night_owls_show_a_mix_of_gigs_requests_and_free_evenings(seeded):
    now = timezone.now()
    owls = Band.objects.get(slug="the-night-owls")
    mine = owls.bookings.all()
    assert mine.filter(status=Status.BOOKED, starts_at__gt=now).count() >= 3
    assert mine.filter(status=Status.COMPLETED, ends_at__lt=now).count() >= 2
    assert mine.filter(status=Status.PENDING, kind=Booking.Kind.APPLICATION).exists()  # waiting on a venue
    assert mine.filter(status=Status.PENDING, kind=Booking.Kind.OFFER).exists()  # waiting on the band
    assert mine.filter(status=Status.PENDING, kind=Booking.Kind.REQUEST).exists()
    assert set(mine.values_list("status", flat=True)) >= {Status.DECLINED, Status.WITHDRAWN, Status.CANCELLED}
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    today = timezone.localdate(now)
    saturdays = [today + dt.timedelta(days=(5 - today.weekday()) % 7 + 7 * week) for week in range(1, 14)]
    free = [
        day
        for day in saturdays
        if band_free_between(
            band_id=owls.pk,
            start=dt.datetime.combine(day, dt.time(21), tzinfo=berlin),
            end=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(1), tzinfo=berlin),
        )
    ]
    assert 3 <= len(free) < len(saturdays)


def test_the_demo_gigs_are_reviewed_in_every_state(seeded, client):
    published = Review.objects.filter(published_at__isnull=False)
    both_ways = published.values("booking").annotate(n=models.Count("pk")).filter(n=2)
    assert both_ways.count() >= 3
    assert published.exclude(reply_at=None).exists()
    assert published.exclude(hidden_at=None).filter(moderation__action="hide").exists()
    assert ReviewReport.objects.filter(resolved_at=None).exists()
    no_show = Review.objects.get(no_show=True)
    assert no_show.no_show_confirmed_at is None and no_show.no_show_dismissed_at is None
    waiting = Review.objects.filter(published_at=None, booking__venue__slug="kellerbar").get()
    assert waiting.booking.ends_at > timezone.now() - dt.timedelta(days=14)
    assert published.filter(subject_side="client", client__email="client@demo.stageslot.test").count() >= 2
    owls = Band.objects.get(slug="the-night-owls")
    assert owls.rating_count >= 1 and owls.rating_score > 1
    # The band whose review waits finds it under "Reviews to write".
    leader = waiting.booking.band.memberships.get(role=Membership.Role.LEADER).user
    client.force_login(leader)
    assert "Reviews to write" in client.get("/dashboard/").content.decode()
    # The Night Owls' leader reads the client's rating on her pending birthday request.
    birthday = Booking.objects.get(band=owls, status=Status.PENDING, event_type="40th birthday party")
    client.force_login(User.objects.get(email="mara@demo.stageslot.test"))
    page = client.get(f"/reviews/{birthday.uid}/client/").content.decode()
    assert "out of 5" in page


def test_seed_tells_the_client_journey(seeded):
    from bands.models import Package
    from bookings.models import BookingFile, RescheduleProposal

    assert Package.objects.count() >= 3 and Package.objects.filter(instant=True).count() >= 2
    client = User.objects.get(email="client@demo.stageslot.test")
    mine = Booking.objects.filter(client=client)
    assert mine.filter(instant=True, status__in=Booking.PLAYED).exists()
    assert mine.filter(status=Status.PENDING, package__isnull=False).exclude(power_notes="").exists()
    assert mine.filter(status=Status.IN_PROGRESS).exists()
    assert mine.filter(status=Status.DISPUTED).exists()
    assert RescheduleProposal.objects.filter(status="open").exists()
    assert BookingFile.objects.values("side").distinct().count() == 2
    files_before = BookingFile.objects.count()
    call_command("seed_demo", "--quiet")
    assert BookingFile.objects.count() == files_before


def test_demo_quotes_are_open_countered_accepted_and_lapsed(seeded):
    from bookings.models import Quote

    statuses = set(Quote.objects.values_list("status", flat=True))
    assert {"open", "countered", "accepted", "lapsed"} <= statuses
    agreed = Booking.objects.filter(agreed_quote__isnull=False)
    assert agreed.filter(status=Status.BOOKED).exists()
    count = Quote.objects.count()
    call_command("seed_demo", "--quiet")
    assert Quote.objects.count() == count


def test_the_demo_agency_acts_for_three_bands_and_the_group_runs_two_venues(seeded, client):
    from teams.models import LinkStatus, Organisation, Representation, Role, VenueLink
    from venues.models import VenueStaff

    agency = Organisation.objects.get(slug="northside")
    assert Representation.objects.filter(organisation=agency, status=LinkStatus.ACTIVE).count() == 3
    assert Representation.objects.filter(organisation=agency, status=LinkStatus.ASKED).count() == 1
    assert agency.members.filter(role=Role.BOOKER).count() == 2
    group = Organisation.objects.get(slug="riverside-rooms")
    assert VenueLink.objects.filter(organisation=group, status=LinkStatus.ACTIVE).count() == 2
    promoter = group.members.get(role=Role.BOOKER).user
    assert VenueStaff.objects.filter(user=promoter, group_id=group.pk).count() == 2
    client.force_login(agency.members.filter(role=Role.BOOKER).first().user)
    assert "through Northside Agency" in client.get("/bookings/", {"tab": "upcoming"}).text
    from holds.models import Hold

    held = list(Hold.objects.filter(venue__slug="kellerbar", status="held").order_by("level"))
    assert [h.level for h in held] == [1, 2, 3] and len({h.date for h in held}) == 1
    assert held[0].challenged_by == held[1] and held[0].challenge_ends_at is not None
    call_command("seed_demo")  # twice: nothing more
    assert Organisation.objects.count() == 2 and Hold.objects.count() == 3


def test_the_demo_ladders_1st_hold_sits_on_no_slot_and_can_be_confirmed(seeded, client):
    from holds import services as hold_services
    from holds.models import Hold
    from venues.selectors import stage_slot_clashes

    first, *lower = Hold.objects.filter(venue__slug="kellerbar", status="held").order_by("level")
    assert first.starts_at.astimezone(zoneinfo.ZoneInfo(first.venue.time_zone)).weekday() == 4  # a Friday
    assert not stage_slot_clashes(stage=first.stage, times=[(first.starts_at, first.ends_at)])
    owner = first.venue.staff_roles.get(role="owner", group_id=None).user
    client.force_login(owner)
    page = client.get(f"/holds/venues/kellerbar/?date={first.date.isoformat()}").text
    assert "cannot be confirmed until" not in page
    booking = hold_services.hold_confirm(hold=first, by=owner)
    assert booking.status == Status.PENDING and booking.band_id == first.band_id
    assert [h.status for h in Hold.objects.filter(pk__in=[h.pk for h in lower])] == ["released"] * len(lower)


def test_the_demo_day_sheets_have_guests_and_a_question_and_kellerbar_a_closed_day(seeded):
    from gigs.models import AdvanceComment, GuestEntry
    from holds.models import ClosedDay

    sides = set(GuestEntry.objects.values_list("side", flat=True))
    assert sides == {"venue", "band"}
    assert AdvanceComment.objects.filter(item="hospitality", text__contains="vegan").exists()
    closed = ClosedDay.objects.get(venue__slug="kellerbar")
    assert closed.note == "Private hire" and closed.date.weekday() == 0  # the Monday after the held Friday


# ---- Money, paper and tours ---------------------------------------------------------------------------------


def test_the_demo_world_has_money_in_every_state(seeded):
    now = timezone.now()
    assert Payment.objects.exists()
    assert not Payment.objects.exclude(intent_id__startswith="pi_demo_").exists()

    # A deposit paid, the balance due next week.
    deposit = Payment.objects.get(purpose="deposit", booking__event_type="Garden party")
    booking = Booking.objects.select_related("agreed_quote").get(pk=deposit.booking_id)
    paid_part, balance = schedule_of(booking)
    assert paid_part.paid and not balance.paid
    assert now + dt.timedelta(days=6) < balance.due_at < now + dt.timedelta(days=8)

    # A cancellation refunded by the agreed terms: half the deposit back.
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.SUCCEEDED and refund.reason == Refund.Reason.CLIENT_CANCELLED
    assert refund.payment.booking.status == Booking.Status.CANCELLED
    assert refund.amount_minor * 2 == refund.payment.amount_minor
    assert LedgerEntry.objects.filter(refund=refund, kind="refund").get().amount_minor == -refund.amount_minor

    # The Night Owls earned, split one gig their own way, and were paid out part of it.
    owls = Band.objects.get(slug="the-night-owls")
    (money,) = band_money(band=owls)
    assert money.earned_minor > 0 and money.paid_out_minor > 0 and money.owed_minor > 0
    split = MemberSplit.objects.get(member__email="mara@demo.stageslot.test")
    assert split.percent == 40 and split.booking.band == owls
    shares = LedgerEntry.objects.filter(booking=split.booking, kind="member_share")
    assert shares.filter(member__email="mara@demo.stageslot.test").aggregate(s=Sum("amount_minor"))["s"] > 0
    assert Payout.objects.get().band == owls

    # An instant booking paid in full at once.
    assert Payment.objects.filter(purpose="full", booking__instant=True, status="succeeded").exists()
    assert ledger_invariants() == []


def test_seeding_twice_adds_no_money(seeded, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr("stageslot.management.commands.seed_demo.demo_picture", tiny_picture)

    def counts():
        return tuple(model.objects.count() for model in (Payment, LedgerEntry, Refund, Payout))

    first = counts()
    call_command("seed_demo", quiet=True)
    assert counts() == first


def test_the_demo_world_has_a_contract_in_every_state(seeded):
    seed_contracts(now=timezone.now(), password=DEMO_PASSWORD)
    sealed = Contract.objects.get(status=Contract.Status.SIGNED)
    assert seal.seal_check(bytes(sealed.final.data)).valid
    assert set(sealed.signatures.values_list("side", flat=True)) == {"band", sealed.other_side}
    waiting = Contract.objects.get(status=Contract.Status.PARTLY)
    assert list(waiting.signatures.values_list("side", flat=True)) == [waiting.other_side]
    assert Contract.objects.get(status=Contract.Status.VOID).void_reason
    counts = (Contract.objects.count(), ContractSignature.objects.count())
    seed_contracts(now=timezone.now(), password=DEMO_PASSWORD)
    assert (Contract.objects.count(), ContractSignature.objects.count()) == counts


def test_the_demo_has_an_invoice_a_receipt_and_a_credit_note(seeded):
    mail.outbox.clear()
    seed_invoices(now=timezone.now())  # seed_demo calls it after seed_payments
    owls = Invoice.objects.filter(kind=Invoice.Kind.INVOICE, band__slug="the-night-owls").first()
    assert (
        owls is not None and owls.vat_rate_bp == 1900 and owls.content["issuer"]["legal_name"] == "The Night Owls GbR"
    )
    credit = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert credit.band.slug == "brass-and-bones" and credit.reverse_charge and credit.corrects is not None
    assert credit.total_minor == -credit.refund.amount_minor
    assert Invoice.objects.filter(kind=Invoice.Kind.RECEIPT, band__isnull=True).exists()
    assert LegalDetails.objects.filter(user__email="client@demo.stageslot.test").exists()
    assert not Invoice.objects.filter(emailed_at__isnull=True).exists() and mail.outbox == []
    assert bytes(invoice_pdf(invoice=credit).data).startswith(b"%PDF")
    count = Invoice.objects.count()
    assert seed_invoices(now=timezone.now()) == {"invoices": 0, "receipts": 0, "credit_notes": 0}
    assert Invoice.objects.count() == count


def test_the_night_owls_get_a_ten_day_route_with_one_day_off(seeded):
    hamburg, munich = CityFactory(name="Hamburg"), CityFactory(name="Munich")
    route_venues = [slug for slug, _fee in ROUTE]
    # The route's open night at its first venue (the booked tour's night there comes months later; the warm-up's,
    # around today, is booked).
    first = Slot.objects.filter(venue__slug=route_venues[0], headliner_booked=False).order_by("starts_at").first()
    first = first.starts_at.astimezone(BERLIN).date()
    band = Band.objects.get(slug="the-night-owls")
    plan = tour_plan(
        band=band, start=hamburg, end=munich, first_day=first, last_day=first + dt.timedelta(days=9),
        drive_km=400, now=timezone.now(),
    )  # fmt: skip
    best = plan.routes[0]
    assert best.nights == 9
    venues = [plan.slots[leg.stop.id].venue.slug for leg in best.legs]
    assert venues[0] == "elbkeller" and venues[-1] == "isarhalle"
    assert len(plan.routes) == 3


def test_every_demo_person_has_read_the_notice_and_says_what_they_came_for(seeded, client):
    from accounts.models import HereFor
    from accounts.policy import policy_to_read, policy_version
    from stageslot.demo.people import DEMO_DOMAIN

    people = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
    assert people.count() > 40
    # Whichever part of the seed made them (the organisations' and the tour's people too): no banner.
    assert [p.email for p in people if policy_to_read(p)] == []
    assert not people.exclude(policy_version=policy_version()).exists()
    here_for = dict(people.values_list("email", "here_for"))
    expected = {
        "mara": HereFor.BAND,
        "kellerbar-owner": HereFor.VENUE,
        "client": HereFor.BOOK,
        "agent": HereFor.BOOK,
        "promoter": HereFor.FESTIVAL,
        "fan": HereFor.FAN,
        "kiez-jule": HereFor.BAND,
    }
    assert {part: here_for[f"{part}@{DEMO_DOMAIN}"] for part in expected} == expected
    client.force_login(people.get(email=f"promoter@{DEMO_DOMAIN}"))
    assert reverse("privacy:policy_read") not in client.get("/dashboard/").content.decode()
