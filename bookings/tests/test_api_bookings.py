"""Bookings, busy rules, notifications and feeds through the JSON API, on the pages' services."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from availability.models import BusyInterval, Rule
from bookings.models import Booking
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner

pytestmark = pytest.mark.django_db

Status = Booking.Status


def request_body(band, days=20, **extra):
    start = in_days(days, hour=18)
    return {
        "band": band.slug,
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=3)).isoformat(),
        "time_zone": "Europe/Berlin",
        "event_type": "Wedding",
        "location": "Orangerie",
        "message": "Our wedding",
        **extra,
    }


def test_a_client_requests_and_the_band_accepts():
    band, leader = band_with_leader()
    client = UserFactory()
    created = ApiClient(token_for(client)).post("/api/v1/bookings/requests", request_body(band))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "pending" and body["kind"] == "request"
    assert body["starts_at"].endswith("Z") and body["time_zone"] == "Europe/Berlin"
    accepted = ApiClient(token_for(leader)).post(f"/api/v1/bookings/{body['uid']}/accept")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "booked"
    assert Booking.objects.get(uid=body["uid"]).status == Status.BOOKED


def test_the_client_cannot_accept_its_own_request():
    band, _leader = band_with_leader()
    client = UserFactory()
    api = ApiClient(token_for(client))
    uid = api.post("/api/v1/bookings/requests", request_body(band)).json()["uid"]
    refused = api.post(f"/api/v1/bookings/{uid}/accept")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert "cannot accept" in refused.json()["detail"] or "Only" in refused.json()["detail"]


def test_a_conflict_is_a_409_with_the_pages_message():
    band, leader = band_with_leader(name="The Lates")
    client = UserFactory()
    api = ApiClient(token_for(client))
    first = api.post("/api/v1/bookings/requests", request_body(band)).json()["uid"]
    second = api.post("/api/v1/bookings/requests", request_body(band, message="Another")).json()["uid"]
    band_api = ApiClient(token_for(leader))
    assert band_api.post(f"/api/v1/bookings/{first}/accept").status_code == 200
    lost = band_api.post(f"/api/v1/bookings/{second}/accept")
    assert lost.status_code == 409
    # The second was declined automatically by the first accept: the page's own words say so.
    assert lost.json()["detail"] == "This private request is already declined, so nothing was changed."


def test_bad_input_is_a_422_and_nothing_is_made():
    band, _leader = band_with_leader()
    api = ApiClient(token_for(UserFactory()))
    start = in_days(20)
    body = request_body(band, ends_at=(start - dt.timedelta(hours=1)).isoformat(), starts_at=start.isoformat())
    response = api.post("/api/v1/bookings/requests", body)
    assert response.status_code == 422
    assert "ends_at" in response.json()["errors"]
    naive = request_body(band, starts_at="2030-01-01T20:00:00")
    assert api.post("/api/v1/bookings/requests", naive).status_code == 422
    assert api.post("/api/v1/bookings/requests", {"band": band.slug}).status_code == 422
    assert not Booking.objects.exists()


def test_apply_offer_decline_withdraw_and_cancel():
    band, leader = band_with_leader()
    venue, owner = venue_with_owner()
    slot = SlotFactory(venue=venue, support_places=1)
    band_api, venue_api = ApiClient(token_for(leader)), ApiClient(token_for(owner))
    applied = band_api.post("/api/v1/bookings/applications", {"slot_id": slot.pk, "band": band.slug})
    assert applied.status_code == 201, applied.content
    uid = applied.json()["uid"]
    assert venue_api.post(f"/api/v1/bookings/{uid}/decline", {"reason": "Full"}).json()["status"] == "declined"
    offered = venue_api.post("/api/v1/bookings/offers", {"slot_id": slot.pk, "band": band.slug, "role": "support"})
    assert offered.status_code == 201, offered.content
    offer = offered.json()["uid"]
    assert venue_api.post(f"/api/v1/bookings/{offer}/withdraw").json()["status"] == "withdrawn"
    again = venue_api.post("/api/v1/bookings/offers", {"slot_id": slot.pk, "band": band.slug}).json()["uid"]
    assert band_api.post(f"/api/v1/bookings/{again}/accept").json()["status"] == "booked"
    assert band_api.post(f"/api/v1/bookings/{again}/cancel", {}).status_code == 422
    cancelled = band_api.post(f"/api/v1/bookings/{again}/cancel", {"reason": "Van broke down"})
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["status_note"] == "Van broke down"


def test_my_bookings_by_role_and_status_with_counts():
    band, leader = band_with_leader()
    venue, _owner = venue_with_owner()
    MembershipVenue = venue  # the leader also staffs a venue
    from venues.tests.factories import VenueStaffFactory

    VenueStaffFactory(venue=MembershipVenue, user=leader)
    BookingFactory(band=band, status=Status.PENDING)
    BookingFactory(band=band, status=Status.BOOKED)
    other_band, _ = band_with_leader()
    BookingFactory(band=other_band, slot=SlotFactory(venue=venue))
    api = ApiClient(token_for(leader))
    everything = api.get("/api/v1/bookings").json()
    assert len(everything["items"]) == 3
    assert everything["counts"]["by_status"]["pending"] == 2
    as_band = api.get("/api/v1/bookings", {"role": "band"}).json()
    assert len(as_band["items"]) == 2 and as_band["counts"]["by_status"]["booked"] == 1
    booked = api.get("/api/v1/bookings", {"role": "band", "status": "booked"}).json()
    assert [b["status"] for b in booked["items"]] == ["booked"]
    assert api.get("/api/v1/bookings", {"status": "nonsense"}).status_code == 422


def test_list_query_counts_do_not_grow_with_the_page_size():
    band, leader = band_with_leader()
    for _ in range(12):
        BookingFactory(band=band)
    for i in range(12):
        Notification.objects.create(recipient=leader, kind="booking_created", text=f"N{i}", dedupe_key=f"k{i}")
    api = ApiClient(token_for(leader))
    for path in ("/api/v1/bookings", "/api/v1/me/notifications", "/api/v1/bands", "/api/v1/slots", "/api/v1/venues"):
        api.get(path)  # the token's last use and the cached filter lists are written once, not per page
        counts = []
        for limit in (2, 10):
            with CaptureQueriesContext(connection) as queries:
                assert api.get(path, {"limit": limit}).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1], (path, counts)


def test_another_persons_booking_is_a_404():
    band, _leader = band_with_leader()
    booking = BookingFactory(band=band)
    api = ApiClient(token_for(UserFactory()))
    assert api.get(f"/api/v1/bookings/{booking.uid}").status_code == 404
    assert api.post(f"/api/v1/bookings/{booking.uid}/accept").status_code == 404


# ---- Busy rules and busy time ---------------------------------------------------------------------


def test_rules_crud_materialises_busy_time():
    user = UserFactory(time_zone="Europe/Berlin")
    api = ApiClient(token_for(user))
    day = (timezone.now() + dt.timedelta(days=5)).date()
    created = api.post(
        "/api/v1/me/rules",
        {"title": "Rehearsal", "start_date": day.isoformat(), "end_date": day.isoformat(),
         "start_time": "19:00", "end_time": "22:00"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    assert created.json()["time_zone"] == "Europe/Berlin"
    assert BusyInterval.objects.filter(user=user).count() == 1
    busy = api.get("/api/v1/me/busy").json()
    assert len(busy["items"]) == 1 and busy["items"][0]["starts_at"].endswith("Z")
    changed = api.patch(f"/api/v1/me/rules/{rule_id}", {"end_time": "23:00"})
    assert changed.status_code == 200 and changed.json()["end_time"] == "23:00:00"
    bad = api.patch(f"/api/v1/me/rules/{rule_id}", {"end_time": "18:00"})
    assert bad.status_code == 422 and "end_time" in bad.json()["errors"]
    assert Rule.objects.get().end_time == dt.time(23)
    assert [r["id"] for r in api.get("/api/v1/me/rules").json()["items"]] == [rule_id]
    assert api.delete(f"/api/v1/me/rules/{rule_id}").status_code == 204
    assert not BusyInterval.objects.filter(user=user).exists()
    assert api.get(f"/api/v1/me/rules/{rule_id}").status_code == 404


def test_someone_elses_rule_is_a_404():
    owner = UserFactory()
    day = (timezone.now() + dt.timedelta(days=5)).date()
    rule = Rule.objects.create(user=owner, time_zone="UTC", all_day=True, start_date=day, end_date=day)
    api = ApiClient(token_for(UserFactory()))
    assert api.get(f"/api/v1/me/rules/{rule.pk}").status_code == 404
    assert api.patch(f"/api/v1/me/rules/{rule.pk}", {"title": "x"}).status_code == 404
    assert api.delete(f"/api/v1/me/rules/{rule.pk}").status_code == 404


# ---- Notifications and feeds ----------------------------------------------------------------------


def test_notifications_list_and_mark_read():
    user = UserFactory()
    first = Notification.objects.create(recipient=user, kind="booking_created", text="One", dedupe_key="a")
    Notification.objects.create(recipient=user, kind="booking_created", text="Two", dedupe_key="b")
    Notification.objects.create(recipient=UserFactory(), kind="booking_created", text="Theirs", dedupe_key="c")
    api = ApiClient(token_for(user))
    assert [n["text"] for n in api.get("/api/v1/me/notifications").json()["items"]] == ["Two", "One"]
    assert api.post(f"/api/v1/me/notifications/{first.pk}/read").json()["read"] is True
    assert [n["text"] for n in api.get("/api/v1/me/notifications", {"unread": True}).json()["items"]] == ["Two"]
    assert api.post("/api/v1/me/notifications/read-all").json() == {"marked": 1}
    theirs = Notification.objects.get(text="Theirs")
    assert api.post(f"/api/v1/me/notifications/{theirs.pk}/read").status_code == 404


def test_feeds_list_the_ones_i_may_subscribe_to():
    band, leader = band_with_leader(name="Alpha")
    feeds = ApiClient(token_for(leader)).get("/api/v1/me/feeds").json()
    assert [f["key"] for f in feeds] == ["member", f"band-{band.pk}"]
    assert feeds[0]["made"] is False and feeds[0]["url"] is None


def test_times_at_the_edge_of_the_calendar_are_a_422_not_a_500():
    band, _leader = band_with_leader()
    api = ApiClient(token_for(UserFactory()))
    edge = {"starts_at": "9999-12-31T23:00:00-05:00", "ends_at": "9999-12-31T23:30:00-05:00"}
    # The one bound of core/fields/dates.py (decision 0075): a 422 by field that names the last (or first) date.
    refused = api.post("/api/v1/bookings/requests", request_body(band, **edge))
    assert refused.status_code == 422 and "plans at most three years ahead" in refused.json()["errors"]["starts_at"][0]
    for moment in ("9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00"):
        busy = api.get("/api/v1/me/busy", {"from": moment})
        assert busy.status_code == 422 and busy.json()["errors"]["from"]
    assert api.get("/api/v1/bookings", {"cursor": "WyJcdTAwMDAiLCAxXQ"}).status_code == 400


def test_rule_times_are_local_wall_times():
    api = ApiClient(token_for(UserFactory()))
    day = str((timezone.now() + dt.timedelta(days=5)).date())
    body = {"start_date": day, "end_date": day, "start_time": "19:00", "end_time": "22:00+01:00"}
    response = api.post("/api/v1/me/rules", body)
    assert response.status_code == 422 and "end_time" in response.json()["errors"]
    assert not Rule.objects.exists()


def test_a_venue_posts_a_slot_with_the_slot_pages_checks_and_a_clash_is_a_409():
    from bands.tests.factories import GenreFactory
    from venues.models import Slot

    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar")
    GenreFactory(name="Jazz", slug="jazz")
    api = ApiClient(token_for(owner))
    start = in_days(20, hour=19)
    body = {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=3)).isoformat(),
            "title": "Jazz Thursday", "fee": 300, "support_places": 1, "genres": ["jazz"]}  # fmt: skip
    made = api.post("/api/v1/venues/kellerbar/slots", body)
    assert made.status_code == 201, made.content
    slot = Slot.objects.get(pk=made.json()["id"])
    assert (slot.title, slot.fee, slot.support_places, slot.created_by) == ("Jazz Thursday", 300, 1, owner)
    assert [g.slug for g in slot.genres.all()] == ["jazz"]
    assert made.json()["id"] in [s["id"] for s in api.get("/api/v1/slots").json()["items"]]
    clash = api.post("/api/v1/venues/kellerbar/slots", body | {"title": "Double"})
    assert clash.status_code == 409 and "Jazz Thursday" in clash.json()["detail"]
    past = api.post("/api/v1/venues/kellerbar/slots", body | {"starts_at": in_days(-1).isoformat()})
    assert past.status_code == 422 and past["Content-Type"] == "application/problem+json"
    bad = api.post("/api/v1/venues/kellerbar/slots", body | {"genres": ["polka"], "stage": "Attic"})
    assert bad.status_code == 422
    assert Slot.objects.filter(venue=venue).count() == 1
