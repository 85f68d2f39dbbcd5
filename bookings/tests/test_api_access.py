"""The access matrix of the JSON API: every operation, called by the side that may (the owner), another
band, another venue, a stranger, the owner's read-only token on a write, the owner's expired and revoked
tokens, and no token. A token never reaches more than its user can on the pages."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import ApiToken, Notification
from accounts.tests.factories import UserFactory
from availability.services import rule_create
from bands.models import Package
from bookings.models import Booking
from bookings.services.workflow import booking_accept
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ACTORS = ["owner", "other_band", "other_venue", "stranger", "read_only", "expired", "revoked", "anonymous"]
OTHERS = ("other_band", "other_venue", "stranger")


def world() -> dict:
    band, leader = band_with_leader(name="Alpha", slug="alpha")
    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar")
    _other_band, other_leader = band_with_leader(name="Beta")
    _other_venue, other_owner = venue_with_owner(name="Hall")
    slot = SlotFactory(venue=venue, support_places=1)
    open_slot = SlotFactory(venue=venue, support_places=1)
    offer = BookingFactory(kind=Booking.Kind.OFFER, band=band, slot=slot, requested_by=owner)
    booked = BookingFactory(kind=Booking.Kind.OFFER, band=band, slot=SlotFactory(venue=venue), requested_by=owner)
    booking_accept(booking=booked, by=leader)
    day = in_days(5).date()
    rule = rule_create(user=leader, title="Rehearsal", all_day=True, start_date=day, end_date=day)
    note = Notification.objects.create(recipient=leader, kind="booking_created", text="Hi", dedupe_key="n")
    package = Package.objects.create(band=band, name="Party set", price=900, instant=True)
    return {
        "package": package,
        "band": band, "leader": leader, "venue": venue, "venue_owner": owner, "slot": slot,
        "open_slot": open_slot, "offer": offer, "booked": booked, "rule": rule, "note": note,
        "other_band": other_leader, "other_venue": other_owner, "stranger": UserFactory(),
    }  # fmt: skip


def start(days=30):
    moment = in_days(days, hour=18)
    return moment.isoformat(), (moment + dt.timedelta(hours=3)).isoformat()


# Each operation: (method, path, body, who owns it, scope it needs, what the others get).
# "others" is the status for other_band, other_venue and stranger (None: a 2xx of their own).
OPERATIONS = {
    "bands_list": ("get", lambda w: "/api/v1/bands", None, "leader", None, None),
    "band_detail": ("get", lambda w: "/api/v1/bands/alpha", None, "leader", None, None),
    "band_availability": ("get", lambda w: "/api/v1/bands/alpha/availability", None, "leader", None, None),
    "venues_list": ("get", lambda w: "/api/v1/venues", None, "leader", None, None),
    "venue_detail": ("get", lambda w: "/api/v1/venues/kellerbar", None, "leader", None, None),
    "slots_list": ("get", lambda w: "/api/v1/slots", None, "leader", None, None),
    "slot_detail": ("get", lambda w: f"/api/v1/slots/{w['slot'].pk}", None, "leader", None, None),
    "bookings_list": ("get", lambda w: "/api/v1/bookings", None, "leader", "read", None),
    "booking_detail": ("get", lambda w: f"/api/v1/bookings/{w['offer'].uid}", None, "leader", "read", 404),
    "booking_apply": (
        "post", lambda w: "/api/v1/bookings/applications",
        lambda w: {"slot_id": w["open_slot"].pk, "band": "alpha", "role": "support"}, "leader", "bookings", 404,
    ),
    "booking_offer": (
        "post", lambda w: "/api/v1/bookings/offers",
        lambda w: {"slot_id": w["open_slot"].pk, "band": "alpha", "role": "support"}, "venue_owner", "bookings", 403,
    ),
    "booking_request": (
        "post", lambda w: "/api/v1/bookings/requests",
        lambda w: dict(zip(("starts_at", "ends_at"), start(), strict=True), band="alpha", time_zone="UTC"),
        "stranger", "bookings", None,
    ),
    "booking_accept": ("post", lambda w: f"/api/v1/bookings/{w['offer'].uid}/accept", None, "leader", "bookings", 404),
    "booking_stand_in": (
        "post", lambda w: f"/api/v1/bookings/{w['offer'].uid}/stand-in", None, "leader", "bookings", 404,
    ),
    "booking_decline": (
        "post", lambda w: f"/api/v1/bookings/{w['offer'].uid}/decline", None, "leader", "bookings", 404,
    ),
    "booking_withdraw": (
        "post", lambda w: f"/api/v1/bookings/{w['offer'].uid}/withdraw", None, "venue_owner", "bookings", 404,
    ),
    "booking_cancel": (
        "post", lambda w: f"/api/v1/bookings/{w['booked'].uid}/cancel", lambda w: {"reason": "Ill"}, "leader",
        "bookings", 404,
    ),
    "rules_list": ("get", lambda w: "/api/v1/me/rules", None, "leader", "read", None),
    "rules_create": (
        "post", lambda w: "/api/v1/me/rules",
        lambda w: {"all_day": True, "start_date": str(in_days(7).date()), "end_date": str(in_days(7).date())},
        "leader", "availability", None,
    ),
    "rules_detail": ("get", lambda w: f"/api/v1/me/rules/{w['rule'].pk}", None, "leader", "read", 404),
    "rules_update": (
        "patch", lambda w: f"/api/v1/me/rules/{w['rule'].pk}", lambda w: {"title": "Gym"}, "leader",
        "availability", 404,
    ),
    "rules_delete": ("delete", lambda w: f"/api/v1/me/rules/{w['rule'].pk}", None, "leader", "availability", 404),
    "busy_list": ("get", lambda w: "/api/v1/me/busy", None, "leader", "read", None),
    "notifications_list": ("get", lambda w: "/api/v1/me/notifications", None, "leader", "read", None),
    "notifications_read": (
        "post", lambda w: f"/api/v1/me/notifications/{w['note'].pk}/read", None, "leader", "bookings", 404,
    ),
    "notifications_read_all": ("post", lambda w: "/api/v1/me/notifications/read-all", None, "leader", "bookings", None),
    "feeds_list": ("get", lambda w: "/api/v1/me/feeds", None, "leader", "read", None),
    "slot_post": (
        "post", lambda w: "/api/v1/venues/kellerbar/slots",
        lambda w: dict(zip(("starts_at", "ends_at"), start(40), strict=True), title="Late show"),
        "venue_owner", "bookings", 404,
    ),
    "packages_list": ("get", lambda w: "/api/v1/bands/alpha/packages", None, "leader", None, None),
    "package_detail": (
        "get", lambda w: f"/api/v1/bands/alpha/packages/{w['package'].pk}", None, "leader", None, None,
    ),
    "package_add": (
        "post", lambda w: "/api/v1/bands/alpha/packages", lambda w: {"name": "Club night", "price": 500},
        "leader", "packages", 403,
    ),
    "package_change": (
        "patch", lambda w: f"/api/v1/bands/alpha/packages/{w['package'].pk}", lambda w: {"price": 700},
        "leader", "packages", 403,
    ),
    "package_retire": (
        "delete", lambda w: f"/api/v1/bands/alpha/packages/{w['package'].pk}", None, "leader", "packages", 403,
    ),
    "package_book": (
        "post", lambda w: f"/api/v1/bands/alpha/packages/{w['package'].pk}/book",
        lambda w: {"starts_at": in_days(25, hour=14).isoformat(), "price": 900}, "stranger", "bookings", None,
    ),
}  # fmt: skip


def test_the_matrix_covers_every_operation_of_the_schema():
    schema = ApiClient().get("/api/v1/openapi.json").json()
    operations = {(m, p) for p, methods in schema["paths"].items() for m in methods}
    assert len(operations) == len(OPERATIONS)


def call(api: ApiClient, method: str, path: str, body):
    return api.get(path) if method == "get" else getattr(api, method)(path, *([body] if body is not None else []))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_access(name, actor):
    method, path_of, body_of, owner_key, scope, others = OPERATIONS[name]
    w = world()
    owner = w[owner_key]
    if actor in ("owner", "read_only", "expired", "revoked"):
        raw = token_for(owner, ["read"] if actor == "read_only" else None)
        token = ApiToken.objects.get(prefix=raw[:10])
        if actor == "expired":
            ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        if actor == "revoked":
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        api = ApiClient(raw)
    elif actor == "anonymous":
        api = ApiClient()
    else:
        api = ApiClient(token_for(w[actor]))
    response = call(api, method, path_of(w), body_of(w) if body_of else None)
    status = response.status_code
    assert status < 500
    if status >= 400:
        assert response["Content-Type"] == "application/problem+json"
    if actor in ("expired", "revoked"):
        assert status == 401
    elif actor == "anonymous":
        assert status == (200 if scope is None else 401)
    elif actor == "read_only":
        assert status == (403 if scope not in (None, "read") else 200)
    elif actor == "owner" or others is None:
        assert 200 <= status < 300, response.content
    else:
        assert status == others, response.content


def test_lists_show_only_the_callers_own_rows():
    w = world()
    for actor in OTHERS:
        api = ApiClient(token_for(w[actor]))
        assert api.get("/api/v1/bookings").json()["items"] == []
        assert api.get("/api/v1/me/rules").json()["items"] == []
        assert api.get("/api/v1/me/notifications").json()["items"] == []
        assert api.post("/api/v1/me/notifications/read-all").json() == {"marked": 0}
    assert Notification.objects.get(pk=w["note"].pk).read_at is None
