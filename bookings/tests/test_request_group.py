"""One request sent to up to five bands (a RequestGroup), against the real database: sending it (all or
nothing), the refusals, booking one band – directly or through its quote – withdrawing the others with
a note and a notice to their bands, the sweep that catches up, and the API."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notification
from accounts.people import people_draw
from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking, BookingEvent, Quote, RequestGroup
from bookings.selectors.detail import booking_event_rows
from bookings.selectors.requests import request_group_rows
from bookings.services import answering, asking, ending, losers, quotes, request_groups
from bookings.services.quotes import Terms
from bookings.services.requests import booking_request_many
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import band_with_leader
from bookings.tests.journey import local

pytestmark = pytest.mark.django_db

Status = Booking.Status


@pytest.fixture
def bands():
    """Six approved bands, each with a leader (band.leader)."""
    made = []
    for n, name in enumerate(["Alpha", "Brass Kings", "Cello Club", "Drum Line", "Echo", "Fiddlers"]):
        band, leader = band_with_leader(name=name, slug=f"b{n}-{name.lower().replace(' ', '-')}")
        band.leader = leader
        made.append(band)
    return made


@pytest.fixture
def ana():
    return UserFactory(display_name="Ana Client", time_zone="Europe/Berlin")


def send(bands, client, **changes):
    values = {
        "starts_at": local(30, 18),
        "ends_at": local(30, 23),
        "time_zone": "Europe/Berlin",
        "event_type": "Wedding",
        "location": "Gut Kleinow",
        "guests": 80,
        "message": "First dance at nine.",
    }
    values.update(changes)
    return booking_request_many(bands=bands, client=client, **values)


def group_bookings(group: RequestGroup) -> list[Booking]:
    return list(Booking.objects.filter(request_group=group).select_related("band").order_by("pk"))


def nothing_written():
    return not Booking.objects.exists() and not RequestGroup.objects.exists() and not Notification.objects.exists()


# ---- Sending ----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 5])
def test_one_to_five_bands_each_get_a_pending_request_and_are_told(bands, ana, count):
    group = send(bands[:count], ana)

    made = group_bookings(group)
    assert group.client == ana
    assert [b.band for b in made] == bands[:count]
    assert {(b.kind, b.status, b.client_id, b.event_type, b.location) for b in made} == {
        (Booking.Kind.REQUEST, Status.PENDING, ana.pk, "Wedding", "Gut Kleinow")
    }
    assert len({(b.starts_at, b.ends_at) for b in made}) == 1
    for band in bands[:count]:
        note = Notification.objects.get(recipient=band.leader, kind="booking_created")
        assert "Ana Client asks" in people_draw(note.text) and band.name in note.text
    assert not Notification.objects.filter(recipient__in=[b.leader for b in bands[count:]]).exists()


def test_six_bands_are_refused_and_nothing_is_written(bands, ana):
    with pytest.raises(ValidationError) as caught:
        send(bands, ana)
    assert caught.value.message_dict["bands"] == ["Ask at most 5 bands at once (this list has 6)."]
    assert nothing_written()


def test_no_band_is_refused(ana):
    with pytest.raises(ValidationError) as caught:
        send([], ana)
    assert caught.value.message_dict["bands"] == ["Choose at least one band to ask."]


def test_a_band_twice_is_refused_by_name(bands, ana):
    with pytest.raises(ValidationError) as caught:
        send([bands[0], bands[1], bands[0]], ana)
    assert caught.value.message_dict["bands"] == ["Alpha is on the list twice; ask each band once."]
    assert nothing_written()


def test_a_band_not_approved_refuses_the_whole_send(bands, ana):
    bands[2].status = ApprovalStatus.PENDING
    bands[2].save(update_fields=["status"])
    with pytest.raises(BookingError, match=r"Cello Club is not taking requests on StageSlot right now\."):
        send(bands[:3], ana)
    assert nothing_written()


def test_a_client_who_plays_in_one_band_cannot_send(bands, ana):
    MembershipFactory(band=bands[1], user=ana)
    with pytest.raises(BookingPermissionError, match="You play in Brass Kings"):
        send(bands[:3], ana)
    assert nothing_written()


def test_bands_booked_then_are_named_together_and_nothing_is_sent(bands, ana):
    other = UserFactory()
    for band in (bands[0], bands[2]):
        gig = asking.booking_request(
            band=band, client=other, starts_at=local(30, 20), ends_at=local(30, 22), time_zone="Europe/Berlin"
        )
        answering.booking_accept(booking=gig, by=band.leader)
    before = (Booking.objects.count(), Notification.objects.count())

    with pytest.raises(BookingConflict) as caught:
        send(bands[:4], ana)

    assert str(caught.value) == (
        "Alpha, Cello Club already have a gig then. Leave them out or choose another time. Nothing was sent."
    )
    assert (Booking.objects.count(), Notification.objects.count()) == before
    assert not RequestGroup.objects.exists()


def test_a_band_already_asked_for_those_times_is_refused(bands, ana):
    asking.booking_request(
        band=bands[1], client=ana, starts_at=local(30, 19), ends_at=local(30, 21), time_zone="Europe/Berlin"
    )
    with pytest.raises(BookingConflict, match="You have already asked Brass Kings for an overlapping time"):
        send(bands[:3], ana)
    assert Booking.objects.count() == 1 and not RequestGroup.objects.exists()


def test_sending_the_same_again_gives_the_same_group_and_tells_nobody_twice(bands, ana):
    group = send(bands[:3], ana)
    notes = Notification.objects.count()

    again = send(bands[:3], ana)

    assert again == group
    assert Booking.objects.count() == 3 and Notification.objects.count() == notes


def test_bad_times_are_the_request_services_refusal(bands, ana):
    with pytest.raises(ValidationError) as caught:
        send(bands[:2], ana, starts_at=local(30, 23), ends_at=local(30, 18))
    assert caught.value.message_dict["ends_at"] == ["The end must be after the start."]
    assert nothing_written()


def test_a_budget_for_bands_of_different_currencies_is_refused(bands, ana):
    bands[1].currency = "GBP"
    bands[1].save(update_fields=["currency"])
    with pytest.raises(ValidationError) as caught:
        send(bands[:2], ana, fee=1500)
    assert caught.value.message_dict["fee"] == [
        "These bands quote in different currencies (EUR, GBP): leave the budget empty and compare their quotes."
    ]
    group = send(bands[:2], ana)
    assert [(b.currency, b.fee) for b in group_bookings(group)] == [("EUR", None), ("GBP", None)]


# ---- Booking one withdraws the others ---------------------------------------------------------


def _withdrawn_as_told(group, winner, bands, client, *, by_client=False):
    rest = [b for b in group_bookings(group) if b.pk != winner.pk]
    assert Booking.objects.get(pk=winner.pk).status == Status.BOOKED
    assert {b.status for b in rest} == {Status.WITHDRAWN}
    for rival in rest:
        event = BookingEvent.objects.filter(booking=rival, to_status=Status.WITHDRAWN).first()
        assert (event.from_status, event.actor, event.note) == (
            Status.PENDING,
            None,
            "Withdrawn automatically: the client chose another band.",
        )
        leader = next(band.leader for band in bands if band.pk == rival.band_id)
        note = Notification.objects.get(recipient=leader, kind="booking_withdrawn")
        assert people_draw(note.text).startswith("Ana Client chose another band to play wedding at Gut Kleinow on ")
        assert note.text.endswith(f", so the request to {rival.band.name} is withdrawn.")
        assert note.link == f"/bookings/{rival.uid}/"
    # The client chose: told it is booked (unless they accepted it themselves), never of each withdrawal.
    assert not Notification.objects.filter(recipient=client, kind="booking_withdrawn").exists()
    assert Notification.objects.filter(recipient=client, kind="booking_booked").count() == (0 if by_client else 1)
    return rest


def test_accepting_one_withdraws_the_others_and_tells_their_bands(bands, ana):
    group = send(bands[:3], ana)
    winner = group_bookings(group)[1]

    answering.booking_accept(booking=winner, by=bands[1].leader)

    rest = _withdrawn_as_told(group, winner, bands, ana)
    rows = booking_event_rows(list(BookingEvent.objects.filter(booking=rest[0]).order_by("pk")))
    assert [row.what for row in rows] == [
        "Requested by Ana Client",
        "Withdrawn automatically: the client chose another band.",
    ]


def test_accepting_a_quote_withdraws_the_others_and_lapses_their_open_quotes(bands, ana):
    group = send(bands[:3], ana)
    first, second, third = group_bookings(group)
    for booking, fee in ((first, 90000), (second, 80000), (third, 70000)):
        leader = next(band.leader for band in bands if band.pk == booking.band_id)
        quotes.quote_propose(booking=booking, by=leader, terms=Terms(fee_minor=fee), send_anyway=True)
    chosen = Quote.objects.get(booking=second)

    quotes.quote_accept(quote=chosen, by=ana)

    _withdrawn_as_told(group, second, bands, ana, by_client=True)
    assert Booking.objects.get(pk=second.pk).agreed_quote_id == chosen.pk
    assert set(Quote.objects.filter(booking__in=[first, third]).values_list("status", flat=True)) == {
        Quote.Status.LAPSED
    }
    assert BookingEvent.objects.filter(booking=first, note="Terms lapsed").count() == 1
    # A lapsed quote is no longer anyone's to accept.
    with pytest.raises(BookingConflict):
        quotes.quote_accept(quote=Quote.objects.get(booking=first), by=ana)


def test_a_second_band_cannot_accept_once_one_is_booked(bands, ana, monkeypatch):
    group = send(bands[:2], ana)
    first, second = group_bookings(group)
    # The withdrawals after the accept are lost (a worker died): the second stays pending for a while.
    monkeypatch.setattr(losers, "request_group_rivals_withdraw", lambda **kwargs: [])
    answering.booking_accept(booking=first, by=bands[0].leader)
    assert Booking.objects.get(pk=second.pk).status == Status.PENDING

    with pytest.raises(BookingConflict) as caught:
        answering.booking_accept(booking=second, by=bands[1].leader)

    assert str(caught.value) == (
        "Ana Client has already booked another band for this event, so this request can no longer be accepted."
    )
    assert Booking.objects.get(pk=second.pk).status == Status.PENDING
    assert not Booking.objects.get(pk=second.pk).block_id

    # The periodic sweep catches up.
    assert request_groups.request_groups_sweep() == 1
    assert Booking.objects.get(pk=second.pk).status == Status.WITHDRAWN
    assert request_groups.request_groups_sweep() == 0


def test_the_database_keeps_one_booked_booking_per_group(bands, ana):
    group = send(bands[:2], ana)
    first, second = group_bookings(group)
    Booking.objects.filter(pk=first.pk).update(status=Status.BOOKED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=second.pk).update(status=Status.BOOKED)


def test_a_cancelled_winner_leaves_the_others_as_they_were(bands, ana, monkeypatch):
    group = send(bands[:2], ana)
    first, second = group_bookings(group)
    monkeypatch.setattr(losers, "losers_decline_soon", lambda **kwargs: None)
    answering.booking_accept(booking=first, by=bands[0].leader)
    ending.booking_cancel(booking=first, by=ana, reason="The venue burnt down")

    losers.booking_losers_decline(winner_id=first.pk, by_id=None, now=timezone.now().isoformat())

    assert Booking.objects.get(pk=second.pk).status == Status.PENDING


def test_a_withdrawn_or_declined_request_of_the_group_leaves_the_others_open(bands, ana):
    group = send(bands[:3], ana)
    first, second, third = group_bookings(group)
    answering.booking_decline(booking=first, by=bands[0].leader)
    answering.booking_withdraw(booking=second, by=ana)
    assert Booking.objects.get(pk=third.pk).status == Status.PENDING
    answering.booking_accept(booking=third, by=bands[2].leader)
    assert [b.status for b in group_bookings(group)] == [Status.DECLINED, Status.WITHDRAWN, Status.BOOKED]


def test_the_comparison_reads_each_bands_latest_quote_in_two_queries(bands, ana, django_assert_num_queries):
    group = send(bands[:3], ana)
    first, second, _third = group_bookings(group)
    quotes.quote_propose(booking=first, by=bands[0].leader, terms=Terms(fee_minor=90000), send_anyway=True)
    quotes.quote_propose(booking=first, by=ana, terms=Terms(fee_minor=75000), send_anyway=True)
    quotes.quote_propose(booking=second, by=bands[1].leader, terms=Terms(fee_minor=60000), send_anyway=True)

    with django_assert_num_queries(2):
        rows = request_group_rows(group_id=group.pk, current_id=second.pk)

    assert [(r.booking.band.name, r.deal, r.current) for r in rows] == [
        ("Alpha", "a fee of 750 EUR", False),
        ("Brass Kings", "a fee of 600 EUR", True),
        ("Cello Club", "", False),
    ]


# ---- The API ----------------------------------------------------------------------------------


def body(chosen, **changes):
    start = local(30, 18)
    data = {
        "bands": [band.slug for band in chosen],
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=5)).isoformat(),
        "time_zone": "Europe/Berlin",
        "event_type": "Wedding",
        "location": "Gut Kleinow",
    }
    data.update(changes)
    return data


def test_api_sends_to_several_bands_and_returns_their_bookings(bands, ana):
    api = ApiClient(token_for(ana))

    response = api.post("/api/v1/bookings/request-groups", body(bands[:3]))

    assert response.status_code == 201, response.content
    data = response.json()
    group = RequestGroup.objects.get()
    assert data["uid"] == str(group.uid)
    assert data["url"].endswith(f"/requests/{group.uid}/")
    assert [item["booking"]["band"] for item in data["items"]] == [band.slug for band in bands[:3]]
    assert {item["booking"]["status"] for item in data["items"]} == {"pending"}
    assert [item["latest_quote"] for item in data["items"]] == [None, None, None]


def test_api_reads_the_group_with_latest_quotes_for_its_client_only(bands, ana):
    group = send(bands[:2], ana)
    first = group_bookings(group)[0]
    quotes.quote_propose(booking=first, by=bands[0].leader, terms=Terms(fee_minor=90000), send_anyway=True)
    path = f"/api/v1/bookings/request-groups/{group.uid}"

    data = ApiClient(token_for(ana)).get(path).json()

    assert data["items"][0]["latest_quote"]["fee_minor"] == 90000
    assert data["items"][1]["latest_quote"] is None
    for outsider in (UserFactory(), bands[0].leader):
        response = ApiClient(token_for(outsider)).get(path)
        assert response.status_code == 404
        assert response.json()["detail"] == "No such request."


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        (lambda bands: [b.slug for b in bands], "Ask at most 5 bands at once (this list has 6)."),
        (lambda bands: [bands[0].slug, bands[0].slug], "Alpha is on the list twice; ask each band once."),
        (lambda bands: [bands[0].slug, "no-such-band"], "No band at no-such-band takes requests."),
    ],
)
def test_api_bad_band_lists_are_refused_with_a_clear_message(bands, ana, slugs, message):
    response = ApiClient(token_for(ana)).post("/api/v1/bookings/request-groups", body(bands, bands=slugs(bands)))

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]["bands"] == [message]
    assert not Booking.objects.exists()


def test_api_a_booked_band_is_a_conflict_naming_it(bands, ana):
    gig = asking.booking_request(
        band=bands[1], client=UserFactory(), starts_at=local(30, 20), ends_at=local(30, 22), time_zone="Europe/Berlin"
    )
    answering.booking_accept(booking=gig, by=bands[1].leader)

    response = ApiClient(token_for(ana)).post("/api/v1/bookings/request-groups", body(bands[:3]))

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Brass Kings already has a gig then. Leave it out or choose another time. Nothing was sent."
    )
    assert Booking.objects.count() == 1
