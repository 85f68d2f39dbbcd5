"""Shows with places that bands run: hosting a show, support calls in the gig finder, applying,
picking support under the same rules as any booking, handing a venue's support places to its
headliner, tickets."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.models import BandBlock, Membership
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking
from bookings.selectors.bookings import booking_for_action, booking_for_viewer
from bookings.selectors.finder import finder_slots
from bookings.services import answering, asking, ending, shows
from bookings.services.venue_slots import slot_cancel
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner
from venues.models import Slot, Ticket

pytestmark = pytest.mark.django_db

Status = Booking.Status


def host_show(band, leader, *, places=2, days=12, **extra) -> Slot:
    start = in_days(days, 20)
    fields = {
        "band": band,
        "by": leader,
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=4),
        "time_zone": "Europe/Berlin",
        "title": "Release show",
        "place_name": "Zukunft am Ostkreuz",
        "place_address": "Laskerstraße 5",
        "place_city": "Berlin",
        "support_places": places,
        "fee": 150,
    }
    fields.update(extra)
    return shows.show_host(**fields)


@pytest.fixture
def host():
    return band_with_leader(name="The Hosts")


@pytest.fixture
def show(host):
    return host_show(*host)


def apply(slot, band, leader) -> Booking:
    return asking.booking_apply(slot=slot, band=band, by=leader, role=Booking.Role.SUPPORT)


# ---- Hosting -----------------------------------------------------------------------------------


def test_hosting_books_the_host_as_headliner_and_makes_its_members_busy(host):
    band, leader = host
    drummer = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
    slot = host_show(band, leader)
    slot.refresh_from_db()
    assert slot.is_hosted and slot.venue_id is None and slot.stage_id is None
    assert slot.headliner_booked == 1 and slot.support_places == 2 and slot.is_support_call
    own = Booking.objects.get(slot=slot)
    assert (own.kind, own.role, own.status, own.band_id) == ("host", "headliner", "booked", band.pk)
    assert own.location == "Zukunft am Ostkreuz"
    block = BandBlock.objects.get(pk=own.block_id)
    assert block.kind == BandBlock.Kind.GIG
    assert BusyInterval.objects.filter(user=drummer, starts_at__lte=slot.starts_at, ends_at__gte=slot.ends_at).exists()
    # The members hear of it; the leader who made it does not.
    assert Notification.objects.filter(recipient=drummer, kind="booking_booked").exists()
    assert not Notification.objects.filter(recipient=leader).exists()


def test_hosting_writes_the_booking_event_and_sequence_as_an_accept_does(host):
    """The host's own place is booked through the one BOOKED path: one event from no state to BOOKED, and
    sequence 1, so the band's feeds carry the show as any other booked gig (before: sequence 0)."""
    band, leader = host
    slot = host_show(band, leader)
    own = Booking.objects.get(slot=slot)
    assert own.sequence == 1
    assert own.status_changed_at is not None
    event = own.events.get()
    assert (event.from_status, event.to_status, event.actor_id) == ("", Status.BOOKED, leader.pk)


def test_hosting_declines_the_bands_pending_bookings_it_makes_impossible(host):
    """A band hosting a show at the times of its own pending application or a client's request declines
    them at once, as accepting a gig does (before: they waited for the periodic sweep)."""
    band, leader = host
    venue, _owner = venue_with_owner()
    start = in_days(12, 20)
    elsewhere = SlotFactory(venue=venue, starts_at=start + dt.timedelta(hours=1), ends_at=start + dt.timedelta(hours=3))
    application = asking.booking_apply(slot=elsewhere, band=band, by=leader, role=Booking.Role.HEADLINER)
    request = asking.booking_request(
        band=band,
        client=UserFactory(),
        starts_at=start + dt.timedelta(hours=2),
        ends_at=start + dt.timedelta(hours=5),
        time_zone="Europe/Berlin",
    )
    later = asking.booking_request(
        band=band,
        client=UserFactory(),
        starts_at=start + dt.timedelta(days=1),
        ends_at=start + dt.timedelta(days=1, hours=2),
        time_zone="Europe/Berlin",
    )
    host_show(band, leader)
    for booking in (application, request, later):
        booking.refresh_from_db()
    assert (application.status, request.status) == (Status.DECLINED, Status.DECLINED)
    assert application.status_note.startswith(f"Declined automatically: {band.name} is now booked")
    assert later.status == Status.PENDING


def test_hosting_refuses_bad_input_and_changes_nothing(host):
    band, leader = host
    start = in_days(12, 20)
    cases = [
        ({"ends_at": start - dt.timedelta(hours=1)}, "ends_at"),
        ({"support_places": 9}, "support_places"),
        ({"place_name": ""}, "place_name"),
        ({"title": "  "}, "title"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"starts_at": timezone.now() - dt.timedelta(days=1)}, "starts_at"),
        ({"fee": -5}, "fee"),
    ]
    for extra, field in cases:
        with pytest.raises(ValidationError) as exc:
            host_show(band, leader, **extra)
        assert field in exc.value.message_dict, extra
    assert not Slot.objects.exists() and not Booking.objects.exists()


def test_only_leaders_and_admins_host(host):
    band, _ = host
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
    with pytest.raises(BookingPermissionError):
        host_show(band, member)
    with pytest.raises(BookingPermissionError):
        host_show(band, UserFactory())
    assert not Slot.objects.exists()


def test_a_band_booked_elsewhere_cannot_host_at_the_same_time(host):
    band, leader = host
    host_show(band, leader)
    with pytest.raises(BookingConflict, match="already booked"):
        host_show(band, leader, title="Second show")
    assert Slot.objects.count() == 1


def test_a_show_is_a_venue_slot_or_a_hosted_show_never_both(host):
    band, _ = host
    venue, _ = venue_with_owner()
    slot = SlotFactory(venue=venue)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(host_band=band)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(starts_at=in_days(3), ends_at=in_days(3) + dt.timedelta(hours=2), support_places=1)


# ---- Support calls in the finder ----------------------------------------------------------------


def test_support_calls_show_in_the_finder_with_the_band_free_or_not(show):
    free_band, _ = band_with_leader(name="Free")
    busy_band, busy_leader = band_with_leader(name="Busy")
    BusyInterval.objects.create(
        user=busy_leader,
        starts_at=show.starts_at - dt.timedelta(hours=1),
        ends_at=show.starts_at + dt.timedelta(hours=1),
        source=BusyInterval.Source.RULE,
        source_id=1,
    )
    venue, _ = venue_with_owner()
    plain = SlotFactory(venue=venue)
    now = timezone.now()
    calls = list(finder_slots(now=now, role="support_call"))
    assert calls == [show]
    assert set(finder_slots(now=now)) == {show, plain}
    assert [s.band_free for s in finder_slots(now=now, role="support_call", band_id=free_band.pk)] == [True]
    assert [s.band_free for s in finder_slots(now=now, role="support_call", band_id=busy_band.pk)] == [False]
    assert list(finder_slots(now=now, role="support_call", band_id=busy_band.pk, playable=True)) == []
    # The place typed in is where the finder looks by city.
    assert list(finder_slots(now=now, city="berl", role="support_call")) == [show]
    assert list(finder_slots(now=now, city="Hamburg", role="support_call")) == []


def test_a_full_show_is_no_support_call(show):
    for name in ("A", "B"):
        band, leader = band_with_leader(name=name)
        answering.booking_accept(booking=apply(show, band, leader), by=show.host_band.memberships.first().user)
    show.refresh_from_db()
    assert show.supports_booked == 2 and not show.is_support_call
    assert list(finder_slots(now=timezone.now(), role="support_call")) == []


# ---- Applying and picking ----------------------------------------------------------------------


def test_applying_goes_to_the_host_who_accepts_under_the_usual_rules(host, show):
    _, host_leader = host
    band, leader = band_with_leader(name="Openers")
    booking = apply(show, band, leader)
    assert booking.picker_band_id == show.host_band_id and booking.venue_id is None
    assert booking.answering_side == "headliner"
    assert Notification.objects.filter(recipient=host_leader, kind="booking_created").exists()
    # The applicant cannot accept its own application, nor can a stranger.
    with pytest.raises(BookingPermissionError):
        answering.booking_accept(booking=booking, by=leader)
    with pytest.raises(BookingPermissionError):
        answering.booking_accept(booking=booking, by=UserFactory())
    answering.booking_accept(booking=booking, by=host_leader)
    booking.refresh_from_db()
    show.refresh_from_db()
    assert booking.status == Status.BOOKED and booking.block_id
    assert show.supports_booked == 1
    assert Notification.objects.filter(recipient=leader, kind="booking_booked").exists()


def test_the_host_cannot_apply_to_its_own_show(host, show):
    band, leader = host
    with pytest.raises(BookingError, match="own show"):
        apply(show, band, leader)
    assert Booking.objects.filter(slot=show).count() == 1


def test_the_last_place_declines_the_others_and_a_booked_band_cannot_take_a_place(host, show):
    _, host_leader = host
    applicants = [band_with_leader(name=f"Act {i}") for i in range(3)]
    bookings = [apply(show, band, leader) for band, leader in applicants]
    answering.booking_accept(booking=bookings[0], by=host_leader)
    answering.booking_accept(booking=bookings[1], by=host_leader)
    bookings[2].refresh_from_db()
    assert bookings[2].status == Status.DECLINED
    assert "every support place" in bookings[2].status_note
    with pytest.raises(BookingConflict):
        answering.booking_accept(booking=bookings[2], by=host_leader)
    show.refresh_from_db()
    assert show.supports_booked == 2


def test_accepting_a_band_booked_elsewhere_is_a_conflict(show):
    band, leader = band_with_leader(name="Double")
    booking = apply(show, band, leader)
    venue, owner = venue_with_owner()
    other = SlotFactory(venue=venue, starts_at=show.starts_at, ends_at=show.ends_at)
    elsewhere = asking.booking_apply(slot=other, band=band, by=leader, role=Booking.Role.HEADLINER)
    answering.booking_accept(booking=elsewhere, by=owner)
    booking.refresh_from_db()
    assert booking.status == Status.DECLINED  # declined automatically: the band is booked then
    show.refresh_from_db()
    assert show.supports_booked == 0


def test_cancelling_a_hosted_show_frees_everyone(host, show):
    _, host_leader = host
    band, leader = band_with_leader(name="Openers")
    booking = apply(show, band, leader)
    answering.booking_accept(booking=booking, by=host_leader)
    with pytest.raises(BookingPermissionError):
        slot_cancel(slot=show, by=leader, reason="no")
    slot_cancel(slot=show, by=host_leader, reason="The roof leaks")
    show.refresh_from_db()
    assert show.is_cancelled and show.headliner_booked == 0 and show.supports_booked == 0
    assert set(Booking.objects.filter(slot=show).values_list("status", flat=True)) == {Status.CANCELLED}
    assert not BandBlock.objects.filter(kind=BandBlock.Kind.GIG).exists()


# ---- A venue's slot whose headliner fills the support places -----------------------------------


@pytest.fixture
def venue_slot():
    venue, owner = venue_with_owner()
    slot = SlotFactory(venue=venue, support_places=2)
    band, leader = band_with_leader(name="Headliners")
    answering.booking_accept(
        booking=asking.booking_apply(slot=slot, band=band, by=leader, role=Booking.Role.HEADLINER), by=owner
    )
    slot.refresh_from_db()
    return slot, owner, band, leader


def test_the_headliner_asks_and_the_venue_hands_over_the_support_places(venue_slot):
    slot, owner, band, leader = venue_slot
    opener, opener_leader = band_with_leader(name="Opener")
    waiting = apply(slot, opener, opener_leader)
    assert waiting.answering_side == "venue"
    with pytest.raises(ValidationError, match="allows 2 more"):
        shows.show_support_ask(slot=slot, by=leader, places=3)
    with pytest.raises(BookingPermissionError):
        shows.show_support_ask(slot=slot, by=opener_leader, places=1)
    shows.show_support_ask(slot=slot, by=leader, places=2)
    assert Notification.objects.filter(recipient=owner, kind="show_support_asked").exists()
    assert not finder_slots(now=timezone.now(), role="support_call").exists()
    with pytest.raises(BookingPermissionError):
        shows.show_support_picker_set(slot=slot, by=leader, picker="headliner")
    shows.show_support_picker_set(slot=slot, by=owner, picker="headliner")
    waiting.refresh_from_db()
    assert waiting.picker_band_id == band.pk  # the pending application is the headliner's to answer now
    assert list(finder_slots(now=timezone.now(), role="support_call")) == [slot]
    with pytest.raises(BookingPermissionError):
        answering.booking_accept(booking=waiting, by=owner)
    answering.booking_accept(booking=waiting, by=leader)
    slot.refresh_from_db()
    assert slot.supports_booked == 1
    # The venue keeps it again: new applications are the venue's.
    shows.show_support_picker_set(slot=slot, by=owner, picker="venue")
    later, later_leader = band_with_leader(name="Later")
    assert apply(slot, later, later_leader).answering_side == "venue"


def test_the_headliner_leaving_gives_the_picking_back_to_the_venue(venue_slot):
    slot, owner, band, leader = venue_slot
    shows.show_support_picker_set(slot=slot, by=owner, picker="headliner")
    opener, opener_leader = band_with_leader(name="Opener")
    waiting = apply(slot, opener, opener_leader)
    headliner = Booking.objects.get(slot=slot, band=band)
    ending.booking_cancel(booking=headliner, by=leader, reason="Van broke down")
    slot.refresh_from_db()
    waiting.refresh_from_db()
    assert slot.support_picker == "venue" and waiting.picker_band_id is None


def test_no_handing_over_without_a_headliner():
    venue, owner = venue_with_owner()
    slot = SlotFactory(venue=venue)
    with pytest.raises(BookingError, match="no booked headliner"):
        shows.show_support_picker_set(slot=slot, by=owner, picker="headliner")


# ---- Tickets -----------------------------------------------------------------------------------


def test_tickets_are_saved_and_bad_links_refused(host, show):
    _, leader = host
    line = shows.TicketLine(
        label="Early bird", url="tickets.example.com/x", price_min=Decimal("8"), price_max=Decimal("12")
    )
    shows.show_tickets_set(slot=show, by=leader, entry="tickets", sold_out=False, tickets=[line])
    ticket = Ticket.objects.get(slot=show)
    assert ticket.url == "https://tickets.example.com/x" and ticket.price_label == "8–12 EUR"
    for url in ("javascript:alert(1)", "ftp://example.com/t", "data:text/html,hi"):
        with pytest.raises(ValidationError, match="https://"):
            shows.show_tickets_set(
                slot=show, by=leader, entry="tickets", sold_out=False, tickets=[shows.TicketLine("X", url)]
            )
    with pytest.raises(ValidationError, match="above the highest"):
        shows.show_tickets_set(
            slot=show,
            by=leader,
            entry="tickets",
            sold_out=False,
            tickets=[shows.TicketLine("X", "https://t.example", Decimal("9"), Decimal("3"))],
        )
    assert list(Ticket.objects.filter(slot=show).values_list("label", flat=True)) == ["Early bird"]
    with pytest.raises(BookingPermissionError):
        shows.show_tickets_set(slot=show, by=UserFactory(), entry="free", sold_out=False, tickets=[])
    shows.show_tickets_set(slot=show, by=leader, entry="free", sold_out=False, tickets=[])
    show.refresh_from_db()
    assert show.entry == "free" and not Ticket.objects.filter(slot=show).exists()


def test_the_venue_and_the_headliner_edit_a_venue_slots_tickets(venue_slot):
    slot, owner, _, leader = venue_slot
    shows.show_tickets_set(slot=slot, by=owner, entry="door", sold_out=False, tickets=[])
    shows.show_tickets_set(slot=slot, by=leader, entry="door", sold_out=True, tickets=[])
    slot.refresh_from_db()
    assert slot.sold_out
    _, stranger = band_with_leader()
    with pytest.raises(BookingPermissionError):
        shows.show_tickets_set(slot=slot, by=stranger, entry="free", sold_out=False, tickets=[])


def test_a_support_booking_on_a_hosted_show_is_seen_by_the_host_but_not_others(host, show):
    _, host_leader = host
    band, leader = band_with_leader(name="Openers")
    booking = apply(show, band, leader)
    assert booking_for_viewer(uid=booking.uid, user=host_leader) is not None
    assert booking_for_viewer(uid=booking.uid, user=leader) is not None
    assert booking_for_viewer(uid=booking.uid, user=UserFactory()) is None
    # An action reads it in one query (booking_for_action), with the same answer and standing.
    assert booking_for_action(uid=booking.uid, user=host_leader).standing.picks_support
    assert booking_for_action(uid=booking.uid, user=leader).standing.band_role == Membership.Role.LEADER
    assert booking_for_action(uid=booking.uid, user=UserFactory()) is None


# ---- The running order -------------------------------------------------------------------------


def bill(show, host_leader):
    """The show with one support act booked: (support booking, host booking)."""
    band, leader = band_with_leader(name="Openers")
    support = apply(show, band, leader)
    answering.booking_accept(booking=support, by=host_leader)
    support.refresh_from_db()
    return support, Booking.objects.get(slot=show, kind="host")


def times(booking, load_in, start, end):
    return shows.ActTimes(booking_id=booking.pk, load_in_at=load_in, set_starts_at=start, set_ends_at=end)


def test_the_running_order_moves_each_acts_busy_time_and_grows_the_sequences(host, show):
    from bookings.selectors.feeds import member_feed_events

    _, host_leader = host
    support, own = bill(show, host_leader)
    member = MembershipFactory(band=support.band, role=Membership.Role.MEMBER).user
    start = show.starts_at
    h = dt.timedelta(hours=1)
    before = (support.sequence, own.sequence, show.sequence)
    shows.show_running_order_set(
        slot=show,
        by=host_leader,
        doors_at=start,
        curfew_at=show.ends_at,
        acts=[
            times(support, start - h, start + h / 2, start + h + h / 4),
            times(own, start - 2 * h, start + 2 * h, start + 3 * h + h / 2),
        ],
    )
    support.refresh_from_db()
    own.refresh_from_db()
    show.refresh_from_db()
    assert (support.sequence, own.sequence, show.sequence) == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert support.set_starts_at == start + h / 2
    # The opener's members are busy from their load-in to the end of their set, not the whole evening.
    spans = list(BusyInterval.objects.filter(user=member).values_list("starts_at", "ends_at"))
    assert spans == [(start - h, start + h + h / 4)]
    # Their calendar feed carries the set, with a grown SEQUENCE.
    (event,) = [e for e in member_feed_events(user=member, now=timezone.now()) if "Openers" in e.summary]
    assert (event.starts_at, event.ends_at, event.sequence) == (start + h / 2, start + h + h / 4, support.sequence)
    assert "Set:" in event.description
    assert Notification.objects.filter(recipient=member, kind="show_bill").exists()
    # The same order again changes nothing.
    shows.show_running_order_set(
        slot=show,
        by=host_leader,
        doors_at=start,
        curfew_at=show.ends_at,
        acts=[
            times(support, start - h, start + h / 2, start + h + h / 4),
            times(own, start - 2 * h, start + 2 * h, start + 3 * h + h / 2),
        ],
    )
    support.refresh_from_db()
    assert support.sequence == before[0] + 1


def test_a_bad_running_order_is_refused_and_changes_nothing(host, show):
    _, host_leader = host
    support, own = bill(show, host_leader)
    sequence = support.sequence
    start, h = show.starts_at, dt.timedelta(hours=1)
    bad = [
        (
            [times(support, start, start + h, start + 2 * h), times(own, start, start + h + h / 2, start + 3 * h)],
            "overlap",
        ),
        ([times(support, start, start - h, start), times(own, start, start + h, start + 2 * h)], "outside the show"),
        ([times(support, start, start + h, start + 5 * h), times(own, start, start, start + h)], "outside the show"),
        ([times(support, start + h, start, start + h / 2), times(own, start, start + h, start + 2 * h)], "load-in"),
        ([times(support, start, start + h, start + h / 2), times(own, start, start + h, start + 2 * h)], "end after"),
        ([times(support, start, start, start + h)], "every act"),
    ]
    for acts, words in bad:
        with pytest.raises(ValidationError, match=words):
            shows.show_running_order_set(slot=show, by=host_leader, acts=acts)
    with pytest.raises(ValidationError, match="before the first set"):
        shows.show_running_order_set(
            slot=show,
            by=host_leader,
            doors_at=start + 2 * h,
            acts=[times(support, start, start, start + h), times(own, start, start + h, start + 2 * h)],
        )
    support.refresh_from_db()
    assert support.set_starts_at is None and support.sequence == sequence
    with pytest.raises(BookingPermissionError):
        shows.show_running_order_set(slot=show, by=support.requested_by, acts=[])
