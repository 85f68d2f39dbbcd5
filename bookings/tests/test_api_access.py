"""The access matrix of the JSON API: every operation, called by the side that may (the owner), another
band, another venue, a stranger, the owner's read-only token on a write, the owner's expired and revoked
tokens, and no token. A token never reaches more than its user can on the pages."""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.mfa import STEP_UP_SCOPES
from accounts.models import ApiToken, Notification
from accounts.tests.factories import UserFactory
from accounts.tests.test_mfa import with_totp
from availability.services import rule_create
from bands.models import Package
from bands.packages import package_price
from bookings.models import Booking
from bookings.services.alerts import saved_search_create
from bookings.services.answering import booking_accept
from bookings.services.asking import booking_apply
from bookings.services.files import booking_file_add
from bookings.services.instant import booking_instant
from bookings.services.quotes import Terms, quote_propose
from bookings.services.requests import booking_request_many
from bookings.services.reschedule import reschedule_propose
from bookings.services.shows import show_host
from bookings.services.tours import saved_tour_create
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from bookings.tests.journey import local
from calendars.models import ConnectedCalendar
from calendars.testing import radicale_installed
from calendars.tests.radicale import caldav_account, caldav_allowed  # noqa: F401 (fixtures)
from documents.services.contracts import contract_draw
from documents.services.invoices import invoice_issue
from holds.requests import hold_request_many
from holds.services import hold_place
from payments.models import Payment, Refund
from payments.selectors import schedule_of
from payments.services.checkout import checkout_start
from payments.services.payments import payment_start
from payments.tests.test_api import card
from places.tests.factories import CityFactory
from reviews.models import Review
from reviews.tests.factories import completed_gig, review_of
from stageslot.tests.once import rows_for_the_module
from teams.models import LinkStatus, Representation, Role
from teams.tests.factories import OrganisationFactory, OrgMemberFactory

# The world is made once for the module (shared_world) and its tests run one after another in one process.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("api_access")]

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
    # An offer whose terms the venue proposed: the band answers them.
    quoted = BookingFactory(kind=Booking.Kind.OFFER, band=band, slot=SlotFactory(venue=venue), requested_by=owner)
    quote = quote_propose(booking=quoted, by=owner, terms=Terms(fee_minor=40000), send_anyway=True)
    day = in_days(5).date()
    rule = rule_create(user=leader, title="Rehearsal", all_day=True, start_date=day, end_date=day)
    note = Notification.objects.create(recipient=leader, kind="booking_created", text="Hi", dedupe_key="n")
    package = Package.objects.create(band=band, name="Party set", price=900, instant=True)
    # Booked through this API at once; a priced package is paid through a checkout (payments' API).
    free_package = Package.objects.create(band=band, name="Open rehearsal", price=0, instant=True)
    show_start = in_days(33, hour=11)
    show = show_host(
        band=band,
        by=leader,
        starts_at=show_start,
        ends_at=show_start + dt.timedelta(hours=4),
        time_zone="Europe/Berlin",
        title="Own show",
        place_name="Garden",
        support_places=2,
    )
    gamma, gamma_leader = band_with_leader(name="Gamma", slug="gamma")
    application = booking_apply(slot=show, band=gamma, by=gamma_leader, role="support")
    _delta, delta_leader = band_with_leader(name="Delta", slug="delta")
    rider = booking_file_add(
        booking=offer, by=owner, upload=SimpleUploadedFile("r.txt", b"Two DI boxes"), title="", kind="rider"
    )
    # A gig played at the Kellerbar whose two reviews are published, and one nobody has reviewed yet.
    played = completed_gig(band=band, venue=venue)["booking"]
    review_of(played, owner, "band")
    review_of(played, leader, "venue")
    unreviewed = completed_gig(band=band, venue=venue)["booking"]
    # Two private gigs booked at once by a client; on the first the client proposes new times.
    client = UserFactory()
    private, private_free = (
        booking_instant(band=band, package=package, client=client, starts_at=local(d, 12), price=package_price(package))
        for d in (40, 47)
    )
    proposal = reschedule_propose(
        booking=private, by=client, starts_at=local(42, 12), ends_at=local(42, 14), reason="Rain date"
    )
    payment = payment_start(booking=private, by=client)  # the client's payment, to be paid by card
    checkout = checkout_start(
        band=band, package=package, client=client, starts_at=local(54, 12), price=package_price(package)
    )  # the priced package chosen by the client, to be paid by card
    # The client also asked two bands at once for another day.
    group = booking_request_many(
        bands=[band, gamma], client=client, starts_at=local(60, 18), ends_at=local(60, 22),
        time_zone="Europe/Berlin",
    )  # fmt: skip
    alert = saved_search_create(band=band, by=leader, filters={"role": "support_call"}, label="Support calls")
    first_day = in_days(10).date()
    plan = saved_tour_create(
        band=band, by=leader, start=CityFactory(name="Hamburg"), end=CityFactory(name="Munich"),
        first_day=first_day, last_day=first_day + dt.timedelta(days=4), drive_km=400, label="Summer",
    )  # fmt: skip
    # The band's leader owns an agency; two holds on one morning at the Kellerbar: the 1st placed by its
    # booker (so the owner may challenge it with the 2nd, placed by the owner).
    northside = OrganisationFactory(slug="northside")
    OrgMemberFactory(organisation=northside, user=leader, role=Role.OWNER)
    # The venue's owner also runs a venue group (its calendar is its people's).
    riverside = OrganisationFactory(slug="riverside", kind="venue_group", commission_bp=0)
    OrgMemberFactory(organisation=riverside, user=owner, role=Role.OWNER)
    booker = UserFactory()
    venue.staff_roles.create(user=booker, role="booker")
    hold_start = in_days(80, hour=9)
    holds = [
        hold_place(by=by, stage=venue.stages.first(), band=held, starts_at=hold_start,
                   ends_at=hold_start + dt.timedelta(hours=3), expires_at=hold_start - dt.timedelta(days=7))
        for by, held in ((booker, band), (owner, gamma))
    ]  # fmt: skip
    # The agency represents Alpha and has asked Kellerbar to hold a later morning for it.
    Representation.objects.create(
        organisation=northside, band=band, status=LinkStatus.ACTIVE, asked_by=leader, may_hold=True
    )
    (hold_request,) = hold_request_many(
        by=leader, band=band, venues=[venue], starts_at=in_days(85, hour=9), ends_at=in_days(85, hour=12)
    )
    # The leader's connected CalDAV account (its server is never called: a private address, refused).
    calendar = ConnectedCalendar.objects.create(
        user=leader, provider=ConnectedCalendar.Provider.CALDAV, server_url="http://127.0.0.1:1/", username="alpha",
        calendar_names={"http://127.0.0.1:1/alpha/work/": "Work", "http://127.0.0.1:1/alpha/gigs/": "Gigs"},
    )  # fmt: skip
    return {
        "calendar": calendar,
        "hold_first": holds[0], "hold_second": holds[1], "hold_request": hold_request,
        "package": package,
        "free_package": free_package,
        "rider": rider,
        "played": played, "by_venue": Review.objects.get(booking=played, author_side="venue"),
        "unreviewed": unreviewed, "client": client, "private": private, "private_free": private_free,
        "proposal": proposal, "alert": alert, "plan": plan, "group": group, "payment": payment,
        "checkout": checkout,
        "show": show, "application": application, "show_applicant": delta_leader,
        "band": band, "leader": leader, "venue": venue, "venue_owner": owner, "slot": slot,
        "quoted": quoted, "quote": quote,
        "open_slot": open_slot, "offer": offer, "booked": booked, "rule": rule, "note": note,
        "other_band": other_leader, "other_venue": other_owner, "stranger": UserFactory(),
        "staff": UserFactory(is_staff=True), "fan_city": CityFactory(name="Leipzig"),
    }  # fmt: skip


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """world(), made once for the module: each test reads and changes it in a savepoint of its own."""
    with rows_for_the_module(django_db_blocker):
        yield world()


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
        "post", lambda w: f"/api/v1/bands/alpha/packages/{w['free_package'].pk}/book",
        lambda w: {"starts_at": in_days(25, hour=14).isoformat(), "price": 0}, "stranger", "bookings", None,
    ),
    "messages_list": ("get", lambda w: f"/api/v1/bookings/{w['offer'].uid}/messages", None, "leader", "read", 404),
    "message_send": (
        "post", lambda w: f"/api/v1/bookings/{w['offer'].uid}/messages", lambda w: {"body": "Load-in at six?"},
        "leader", "messages", 404,
    ),
    "files_list": ("get", lambda w: f"/api/v1/bookings/{w['offer'].uid}/files", None, "leader", "read", 404),
    "file_add": (
        "upload", lambda w: f"/api/v1/bookings/{w['offer'].uid}/files",
        lambda w: {"kind": "set_list", "file": SimpleUploadedFile("set.txt", b"1. Intro")}, "leader", "messages", 404,
    ),
    "file_download": (
        "get", lambda w: f"/api/v1/bookings/{w['offer'].uid}/files/{w['rider'].pk}", None, "leader", "read", 404,
    ),
    # Saved alerts: a band's leaders and admins only; the others have no such alert, nor a band to save for.
    "alerts_list": ("get", lambda w: "/api/v1/me/alerts", None, "leader", "read", None),
    "alerts_create": (
        "post", lambda w: "/api/v1/me/alerts", lambda w: {"band": "alpha", "search": {"role": "support"}},
        "leader", "plans", 422,
    ),
    "alerts_detail": ("get", lambda w: f"/api/v1/me/alerts/{w['alert'].pk}", None, "leader", "read", 404),
    "alerts_change": (
        "patch", lambda w: f"/api/v1/me/alerts/{w['alert'].pk}", lambda w: {"label": "Leipzig"}, "leader", "plans",
        404,
    ),
    "alerts_pause": ("post", lambda w: f"/api/v1/me/alerts/{w['alert'].pk}/pause", None, "leader", "plans", 404),
    "alerts_resume": ("post", lambda w: f"/api/v1/me/alerts/{w['alert'].pk}/resume", None, "leader", "plans", 404),
    "alerts_delete": ("delete", lambda w: f"/api/v1/me/alerts/{w['alert'].pk}", None, "leader", "plans", 404),
    # The tour planner and kept tours: the band's leaders and admins (403 for everyone else, as the page).
    "tour_routes": (
        "get", lambda w: "/api/v1/bands/alpha/tour/routes?start=Hamburg&end=Munich"
        f"&first_day={w['plan'].first_day}&last_day={w['plan'].last_day}", None, "leader", "read", 403,
    ),
    "tour_stretches": ("get", lambda w: "/api/v1/bands/alpha/tour/stretches", None, "leader", "read", 403),
    "tour_apply": (
        "post", lambda w: "/api/v1/bands/alpha/tour/apply",
        lambda w: {"stops": [{"slot_id": w["open_slot"].pk, "role": "support"}]}, "leader", "bookings", 403,
    ),
    "tour_plans_list": ("get", lambda w: "/api/v1/bands/alpha/tour/plans", None, "leader", "read", 403),
    "tour_plans_create": (
        "post", lambda w: "/api/v1/bands/alpha/tour/plans",
        lambda w: {"start": "Hamburg", "end": "Munich", "first_day": str(w["plan"].first_day),
                   "last_day": str(w["plan"].last_day)},
        "leader", "plans", 403,
    ),
    "tour_plans_detail": (
        "get", lambda w: f"/api/v1/bands/alpha/tour/plans/{w['plan'].pk}", None, "leader", "read", 403,
    ),
    "tour_plans_change": (
        "patch", lambda w: f"/api/v1/bands/alpha/tour/plans/{w['plan'].pk}", lambda w: {"drive_km": 500},
        "leader", "plans", 403,
    ),
    "tour_plans_delete": (
        "delete", lambda w: f"/api/v1/bands/alpha/tour/plans/{w['plan'].pk}", None, "leader", "plans", 403,
    ),
    "tour_plans_routes": (
        "get", lambda w: f"/api/v1/bands/alpha/tour/plans/{w['plan'].pk}/routes", None, "leader", "read", 403,
    ),
    # New times for a booked private gig: the client proposed them, the band answers, the client withdraws.
    "reschedules_list": (
        "get", lambda w: f"/api/v1/bookings/{w['private'].uid}/reschedules", None, "leader", "read", 404,
    ),
    "reschedule_propose": (
        "post", lambda w: f"/api/v1/bookings/{w['private_free'].uid}/reschedules",
        lambda w: {"starts_at": local(49, 12).isoformat(), "ends_at": local(49, 14).isoformat(), "reason": "Rain"},
        "leader", "bookings", 404,
    ),
    "reschedule_accept": (
        "post", lambda w: f"/api/v1/bookings/{w['private'].uid}/reschedules/{w['proposal'].pk}/accept", None,
        "leader", "bookings", 404,
    ),
    "reschedule_decline": (
        "post", lambda w: f"/api/v1/bookings/{w['private'].uid}/reschedules/{w['proposal'].pk}/decline",
        lambda w: {"note": "We are away"}, "leader", "bookings", 404,
    ),
    "reschedule_withdraw": (
        "post", lambda w: f"/api/v1/bookings/{w['private'].uid}/reschedules/{w['proposal'].pk}/withdraw", None,
        "client", "bookings", 404,
    ),
    # A gig's dispute and its gig times.
    "dispute_read": ("get", lambda w: f"/api/v1/bookings/{w['played'].uid}/dispute", None, "leader", "read", 404),
    "dispute_open": (
        "post", lambda w: f"/api/v1/bookings/{w['played'].uid}/dispute", lambda w: {"reason": "One set, not two."},
        "venue_owner", "bookings", 404,
    ),
    "gig_times_read": ("get", lambda w: f"/api/v1/bookings/{w['booked'].uid}/gig-times", None, "leader", "read", 404),
    "gig_times_set": (
        "put", lambda w: f"/api/v1/bookings/{w['booked'].uid}/gig-times", lambda w: {"load_in_minutes": 90},
        "leader", "bookings", 404,
    ),
    # Reviews: the public lists and a published review answer anyone; a gig's reviews only its two sides.
    "band_reviews": ("get", lambda w: "/api/v1/bands/alpha/reviews", None, "leader", None, None),
    "venue_reviews": ("get", lambda w: "/api/v1/venues/kellerbar/reviews", None, "leader", None, None),
    "review_detail": ("get", lambda w: f"/api/v1/reviews/{w['by_venue'].pk}", None, "leader", None, None),
    "booking_reviews_read": (
        "get", lambda w: f"/api/v1/bookings/{w['played'].uid}/reviews", None, "leader", "read", 404,
    ),
    "booking_review_write": (
        "post", lambda w: f"/api/v1/bookings/{w['unreviewed'].uid}/reviews",
        lambda w: {"overall": 5, "ratings": {"sound": 4, "hospitality": 5, "paid": 5, "communication": 4},
                   "again": True, "text": "A great night, everything as agreed."},
        "leader", "reviews", 404,
    ),
    "reviews_to_write": ("get", lambda w: "/api/v1/reviews/to-write", None, "leader", "read", None),
    "review_reply": (
        "post", lambda w: f"/api/v1/reviews/{w['by_venue'].pk}/reply", lambda w: {"text": "Thank you, see you soon!"},
        "leader", "reviews", 403,
    ),
    "review_report": (  # anyone who may read a published review may ask staff to look at it
        "post", lambda w: f"/api/v1/reviews/{w['by_venue'].pk}/report",
        lambda w: {"reason": "It names a person who was not there."}, "leader", "reviews", None,
    ),
    "client_reputation": (
        "get", lambda w: f"/api/v1/bookings/{w['private'].uid}/client-reputation", None, "leader", "read", 404,
    ),
    "shows_list": ("get", lambda w: "/api/v1/shows", None, "leader", None, None),
    "shows_mine": ("get", lambda w: "/api/v1/shows/mine", None, "leader", "read", None),
    "show_detail": ("get", lambda w: f"/api/v1/shows/{w['show'].pk}", None, "leader", None, None),
    "support_calls_list": ("get", lambda w: "/api/v1/support-calls", None, "leader", None, None),
    "show_host": (
        "post", lambda w: "/api/v1/shows",
        lambda w: dict(
            zip(("starts_at", "ends_at"), start(51), strict=True), band="alpha", title="Garden party",
            time_zone="Europe/Berlin", place_name="Garden",
        ),
        "leader", "shows", 404,
    ),
    "support_call_open": (
        "post", lambda w: f"/api/v1/shows/{w['show'].pk}/support-call", lambda w: {"places": 1}, "leader", "shows", 403,
    ),
    "support_call_close": (
        "post", lambda w: f"/api/v1/shows/{w['show'].pk}/support-call/close", None, "leader", "shows", 403,
    ),
    "show_apply": (
        "post", lambda w: f"/api/v1/shows/{w['show'].pk}/applications", lambda w: {"band": "delta"},
        "show_applicant", "shows", 404,
    ),
    "show_applications": (
        "get", lambda w: f"/api/v1/shows/{w['show'].pk}/applications", None, "leader", "read", 403,
    ),
    "show_pick": (
        "post", lambda w: f"/api/v1/shows/{w['show'].pk}/applications/{w['application'].uid}/accept", None,
        "leader", "shows", 403,
    ),
    "show_pass": (
        "post", lambda w: f"/api/v1/shows/{w['show'].pk}/applications/{w['application'].uid}/decline", None,
        "leader", "shows", 403,
    ),
    "show_running_order": (
        "put", lambda w: f"/api/v1/shows/{w['show'].pk}/running-order",
        lambda w: {"acts": [{
            "band": "alpha", "load_in_at": w["show"].starts_at.isoformat(),
            "set_starts_at": w["show"].starts_at.isoformat(), "set_ends_at": w["show"].ends_at.isoformat(),
        }]},
        "leader", "shows", 403,
    ),
    "show_tickets": (
        "put", lambda w: f"/api/v1/shows/{w['show'].pk}/tickets", lambda w: {"entry": "free"}, "leader", "shows", 403,
    ),
    # A request to several bands at once: anyone signed in sends their own; only its client reads it.
    "request_group_send": (
        "post", lambda w: "/api/v1/bookings/request-groups",
        lambda w: dict(zip(("starts_at", "ends_at"), start(70), strict=True), bands=["alpha", "delta"],
                       time_zone="UTC"),
        "stranger", "bookings", None,
    ),
    "request_group_detail": (
        "get", lambda w: f"/api/v1/bookings/request-groups/{w['group'].uid}", None, "client", "read", 404,
    ),
    "quotes_list": ("get", lambda w: f"/api/v1/bookings/{w['quoted'].uid}/quotes", None, "leader", "read", 404),
    "quote_propose": (
        "post", lambda w: f"/api/v1/bookings/{w['quoted'].uid}/quotes",
        lambda w: {"fee_minor": 45000, "send_anyway": True}, "leader", "bookings", 404,
    ),
    "quote_accept": ("post", lambda w: f"/api/v1/quotes/{w['quote'].pk}/accept", None, "leader", "bookings", 404),
    "quote_decline": ("post", lambda w: f"/api/v1/quotes/{w['quote'].pk}/decline", None, "leader", "bookings", 404),
    "quote_counter": (
        "post", lambda w: f"/api/v1/quotes/{w['quote'].pk}/counter",
        lambda w: {"fee_minor": 42000, "send_anyway": True}, "leader", "bookings", 404,
    ),
    "show_cancel": (
        "post", lambda w: f"/api/v1/shows/{w['show'].pk}/cancel", lambda w: {"reason": "Rain"}, "leader", "shows", 403,
    ),
    # Money: a booking's payments are its payer's and the band's leaders'; the payer pays (a card from localstripe).
    "payments_read": ("get", lambda w: f"/api/v1/bookings/{w['private'].uid}/payments", None, "leader", "read", 404),
    "payment_start": (
        "post", lambda w: f"/api/v1/bookings/{w['private_free'].uid}/payments", None, "client", "payments", 404,
    ),
    "payment_pay": (
        "post", lambda w: f"/api/v1/payments/{w['payment'].uid}/pay", lambda w: {"payment_method": card()},
        "client", "payments", 404,
    ),
    "payment_outside": (
        "post", lambda w: f"/api/v1/bookings/{w['booked'].uid}/payments/outside",
        lambda w: {"amount_minor": schedule_of(w["booked"])[0].amount_minor, "reference": "TR-2291"},
        "venue_owner", "payments", 404,
    ),
    "refunds_list": ("get", lambda w: f"/api/v1/bookings/{w['booked'].uid}/refunds", None, "leader", "read", 404),
    "refund_preview": (
        "get", lambda w: f"/api/v1/bookings/{w['booked'].uid}/refund-preview", None, "venue_owner", "read", 404,
    ),
    "cancel_with_refund": (
        "post", lambda w: f"/api/v1/bookings/{w['booked'].uid}/cancel-with-refund", lambda w: {"reason": "Ill"},
        "leader", "payments", 404,
    ),
    "payment_detail": ("get", lambda w: f"/api/v1/payments/{w['payment'].uid}", None, "client", "read", 404),
    "checkout_open": (
        "post", lambda w: "/api/v1/checkouts",
        lambda w: {"band": "alpha", "package": w["package"].pk, "starts_at": local(61, 12).isoformat(),
                   "price": package_price(w["package"])},
        "stranger", "payments", None,
    ),
    "checkout_detail": ("get", lambda w: f"/api/v1/checkouts/{w['checkout'].uid}", None, "client", "read", 404),
    "checkout_pay": (
        "post", lambda w: f"/api/v1/checkouts/{w['checkout'].uid}/pay", lambda w: {"payment_method": card()},
        "client", "payments", 404,
    ),
    "band_ledger": ("get", lambda w: "/api/v1/bands/alpha/ledger", None, "leader", "read", 403),
    "my_earnings": ("get", lambda w: "/api/v1/me/earnings", None, "leader", "read", None),
    "booking_contract": (
        "get", lambda w: f"/api/v1/bookings/{contracted(w).booking.uid}/contract", None, "leader", "read", 404,
    ),
    "booking_invoices": (
        "get", lambda w: f"/api/v1/bookings/{w['booked'].uid}/invoices", None, "venue_owner", "read", 404,
    ),
    "invoice_pdf": ("get", lambda w: f"/api/v1/invoices/{invoiced(w).uid}/pdf", None, "venue_owner", "read", 404),
    "day_sheet_get": ("get", lambda w: f"/api/v1/bookings/{w['booked'].uid}/day-sheet", None, "leader", "read", 404),
    "day_sheet_advance": (
        "post", lambda w: f"/api/v1/bookings/{w['booked'].uid}/day-sheet/items/parking", lambda w: {"advanced": True},
        "venue_owner", "bookings", 404,
    ),
    "gig_lineup": ("get", lambda w: f"/api/v1/gigs/{w['booked'].uid}/lineup", None, "leader", "read", 404),
    "gig_answer": (
        "put", lambda w: f"/api/v1/gigs/{w['booked'].uid}/answer", lambda w: {"answer": "definitely"},
        "leader", "bookings", 404,
    ),
    # Organisations: who is in one is its own (404 for the others); only owners invite.
    "organisations_list": ("get", lambda w: "/api/v1/organisations", None, "leader", "read", None),
    "organisation_detail": ("get", lambda w: "/api/v1/organisations/northside", None, "leader", "read", 404),
    "organisation_invite": (
        "post", lambda w: "/api/v1/organisations/northside/invites",
        lambda w: {"email": "agent@example.com", "role": "booker"}, "leader", "bookings", 404,
    ),
    # Holds: a venue's ladders are its staff's, where a band is held its members' (403: both are public);
    # a hold is seen by its venue's staff and its band's people only (404 for the others).
    "venue_holds": ("get", lambda w: "/api/v1/venues/kellerbar/holds", None, "venue_owner", "read", 403),
    "hold_place": (
        "post", lambda w: "/api/v1/venues/kellerbar/holds",
        lambda w: {"stage_id": w["hold_first"].stage_id, "band": "delta", "note": "Maybe",
                   **dict(zip(("starts_at", "ends_at"), start(81), strict=True)),
                   "expires_at": in_days(75).isoformat()},
        "venue_owner", "bookings", 403,
    ),
    "band_holds": ("get", lambda w: "/api/v1/bands/alpha/holds", None, "leader", "read", 403),
    "hold_challenge": (
        "post", lambda w: f"/api/v1/holds/{w['hold_second'].pk}/challenge", None, "venue_owner", "bookings", 404,
    ),
    "hold_release": (
        "post", lambda w: f"/api/v1/holds/{w['hold_second'].pk}/release", None, "venue_owner", "bookings", 404,
    ),
    "hold_confirm": (
        "post", lambda w: f"/api/v1/holds/{w['hold_first'].pk}/confirm", lambda w: {"fee": 300},
        "venue_owner", "bookings", 404,
    ),
    # The bookers' calendar: a venue's for its staff (403 for the others), a group's for its people (403);
    # moving a hold is the hold's venue's staff's (404 for whoever may not see it).
    "venue_calendar": ("get", lambda w: "/api/v1/venues/kellerbar/calendar", None, "venue_owner", "read", 403),
    "group_calendar": ("get", lambda w: "/api/v1/groups/riverside/calendar", None, "venue_owner", "read", 403),
    "hold_move": (
        "post", lambda w: f"/api/v1/holds/{w['hold_second'].pk}/move",
        lambda w: {"stage_id": w["hold_second"].stage_id,
                   "date": (w["hold_second"].date + dt.timedelta(days=3)).isoformat()},
        "venue_owner", "bookings", 404,
    ),
    # Holds asked by an agency: its bookers ask for the band; the asked venue's staff answer; the agency
    # takes the question back (404 for whoever is neither; 403 asking for a band one is not with).
    "hold_request_many": (
        "post", lambda w: "/api/v1/bands/alpha/hold-requests",
        lambda w: {"venues": ["kellerbar"], **dict(zip(("starts_at", "ends_at"), start(90), strict=True))},
        "leader", "bookings", 403,
    ),
    "hold_request_answer": (
        "post", lambda w: f"/api/v1/hold-requests/{w['hold_request'].pk}/answer", lambda w: {"hold": False},
        "venue_owner", "bookings", 404,
    ),
    "hold_request_withdraw": (
        "post", lambda w: f"/api/v1/hold-requests/{w['hold_request'].pk}/withdraw", None,
        "leader", "bookings", 404,
    ),
    # Analytics: a band's figures are its members' and its agency's, a venue's its staff's, an agency's its
    # people's (404 for the others); the platform's are staff's (403).
    "analytics_band": ("get", lambda w: "/api/v1/analytics/bands/alpha", None, "leader", "read", 404),
    "analytics_venue": ("get", lambda w: "/api/v1/analytics/venues/kellerbar", None, "venue_owner", "read", 404),
    "analytics_agency": ("get", lambda w: "/api/v1/analytics/agencies/northside", None, "leader", "read", 404),
    "analytics_platform": ("get", lambda w: "/api/v1/analytics/platform", None, "staff", "read", 403),
    # Connected calendars: a member's own (another's is a 404); connecting asks a real Radicale first.
    "calendars_list": ("get", lambda w: "/api/v1/me/calendars", None, "leader", "read", None),
    "calendars_connect": (
        "post", lambda w: "/api/v1/me/calendars",
        lambda w: {"server_url": w["caldav"].url, "username": w["caldav"].username,
                   "app_password": w["caldav"].password},
        "leader", "availability", None,
    ),
    "calendars_detail": ("get", lambda w: f"/api/v1/me/calendars/{w['calendar'].pk}", None, "leader", "read", 404),
    "calendars_choose": (
        "patch", lambda w: f"/api/v1/me/calendars/{w['calendar'].pk}",
        lambda w: {"read": ["http://127.0.0.1:1/alpha/work/"], "write_calendar_url": "http://127.0.0.1:1/alpha/gigs/"},
        "leader", "availability", 404,
    ),
    "calendars_refresh": (
        "post", lambda w: f"/api/v1/me/calendars/{w['calendar'].pk}/refresh", None, "leader", "availability", 404,
    ),
    "calendars_disconnect": (
        "delete", lambda w: f"/api/v1/me/calendars/{w['calendar'].pk}", None, "leader", "availability", 404,
    ),
    # Fans: what's on is public; one's follows and asks are one's own (each caller sees and changes only theirs).
    "whats_on": ("get", lambda w: "/api/v1/whats-on", None, "venue_owner", None, None),
    "follows_list": ("get", lambda w: "/api/v1/me/follows", None, "venue_owner", "read", None),
    "follow": (
        "post", lambda w: "/api/v1/me/follows", lambda w: {"kind": "band", "slug": "alpha"},
        "venue_owner", "follows", None,
    ),
    "unfollow": ("delete", lambda w: "/api/v1/me/follows/band/alpha", None, "venue_owner", "follows", None),
    "asks_list": ("get", lambda w: "/api/v1/me/asks", None, "venue_owner", "read", None),
    "ask": (
        "post", lambda w: "/api/v1/me/asks", lambda w: {"band": "alpha", "city": str(w["fan_city"].pk)},
        "venue_owner", "follows", None,
    ),
    "ask_withdraw": (
        "delete", lambda w: f"/api/v1/me/asks/alpha/{w['fan_city'].pk}", None, "venue_owner", "follows", None,
    ),
}  # fmt: skip


def contracted(w: dict):
    """The booked gig's contract, drawn only for the operations that read it (a PDF is rendered)."""
    Booking.objects.filter(pk=w["booked"].pk).update(fee=500)
    return contract_draw(booking=Booking.objects.get(pk=w["booked"].pk), by=w["leader"])


def invoiced(w: dict):
    """The booked gig's invoice in the band's name, issued only for the operation that reads it."""
    Booking.objects.filter(pk=w["booked"].pk).update(fee=500)
    return invoice_issue(booking=Booking.objects.get(pk=w["booked"].pk))


# Operations that reach Stripe: their test talks to a real localstripe.
NEEDS_STRIPE = {"payment_pay", "checkout_pay"}
# Operations that reach a CalDAV server: their test talks to a real Radicale.
NEEDS_CALDAV = {"calendars_connect"}


def test_the_matrix_covers_every_operation_of_the_schema():
    schema = ApiClient().get("/api/v1/openapi.json").json()
    operations = {(m, p) for p, methods in schema["paths"].items() for m in methods}
    assert len(operations) == len(OPERATIONS)


def call(api: ApiClient, method: str, path: str, body):
    if method == "upload":  # multipart/form-data
        return api.client.post(path, body, headers=api.headers)
    return api.get(path) if method == "get" else getattr(api, method)(path, *([body] if body is not None else []))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_access(name, actor, request, shared_world):
    method, path_of, body_of, owner_key, scope, others = OPERATIONS[name]
    if name in NEEDS_STRIPE:
        request.getfixturevalue("localstripe")
    w = dict(shared_world)
    if name in NEEDS_CALDAV:
        if not radicale_installed():
            pytest.skip("Radicale (requirements-dev) is not installed")
        w["caldav"] = request.getfixturevalue("caldav_allowed")
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
    if response.streaming:  # a download: read to its end, which closes the file
        b"".join(response.streaming_content)
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


def test_lists_show_only_the_callers_own_rows(shared_world):
    w = shared_world
    for actor in OTHERS:
        api = ApiClient(token_for(w[actor]))
        assert api.get("/api/v1/bookings").json()["items"] == []
        assert api.get("/api/v1/me/rules").json()["items"] == []
        assert api.get("/api/v1/me/notifications").json()["items"] == []
        assert api.get("/api/v1/me/calendars").json() == []
        assert api.post("/api/v1/me/notifications/read-all").json() == {"marked": 0}
    assert Notification.objects.get(pk=w["note"].pk).read_at is None


MONEY_OPERATIONS = [name for name, op in OPERATIONS.items() if op[4] in STEP_UP_SCOPES]


def test_every_money_operation_of_the_matrix_is_one_the_step_up_rule_covers():
    assert len(MONEY_OPERATIONS) >= 6


@pytest.mark.parametrize("name", MONEY_OPERATIONS)
def test_a_token_made_without_the_second_factor_moves_no_money(name, request, shared_world):
    """The owner of the operation has two-factor on and a token with every scope made without it: the
    money operation is refused by the step-up rule (accounts/mfa.py), and nothing was done."""
    method, path_of, body_of, owner_key, _scope, _others = OPERATIONS[name]
    if name in NEEDS_STRIPE:
        request.getfixturevalue("localstripe")
    w = dict(shared_world)
    owner = w[owner_key]
    with_totp(owner)
    api = ApiClient(token_for(owner, second_factor=False))

    def counts():
        return Payment.objects.count(), Refund.objects.count(), Booking.objects.filter(status="cancelled").count()

    before = counts()
    response = call(api, method, path_of(w), body_of(w) if body_of else None)
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "made without your second factor" in response.json()["detail"]
    assert counts() == before
