"""schemathesis against the API's own OpenAPI schema: every operation, with data made from the schema (valid
and invalid), answered without a 5xx and as the schema says (status, content type, body). Bounded: a few
examples per operation and mode, so CI stays quick.

The 2,000-odd requests go to Django's WSGI handler in this process, as a WSGI server hands them over: the whole
middleware, each transaction committed and its on-commit work run, as on a live server, without a socket and a
server thread in between (a third less CPU than over HTTP)."""

import datetime as dt

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Notification
from availability.services import rule_create
from bands.packages import package_price
from bands.tests.factories import MembershipFactory
from bookings.services.alerts import saved_search_create
from bookings.services.files import booking_file_add
from bookings.services.instant import booking_instant
from bookings.services.quotes import Terms, quote_propose
from bookings.services.reschedule import reschedule_propose
from bookings.services.shows import show_host
from bookings.services.tours import saved_tour_create
from bookings.tests.api_helpers import token_for
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from bookings.tests.journey import band_party, local
from calendars.models import ConnectedCalendar
from places.tests.factories import CityFactory
from reviews.tests.factories import completed_gig, review_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}


def _world():
    """One of everything, so that the operations also meet real rows (their ids below)."""
    band, leader = band_with_leader(name="Alpha", slug="alpha")
    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar")
    MembershipFactory(band=band)
    slot = SlotFactory(venue=venue)
    booking = BookingFactory(band=band, slot=slot, starts_at=slot.starts_at, ends_at=slot.ends_at)
    day = in_days(5).date()
    rule = rule_create(user=leader, title="Rehearsal", all_day=True, start_date=day, end_date=day)
    note = Notification.objects.create(recipient=leader, kind="booking_created", text="Hello", dedupe_key="n1")
    show_start = in_days(40)
    show = show_host(
        band=band, by=leader, starts_at=show_start, ends_at=show_start + dt.timedelta(hours=4),
        time_zone="Europe/Berlin", title="Own show", place_name="Garden", support_places=2,
    )  # fmt: skip
    rider = booking_file_add(
        booking=booking, by=leader, upload=SimpleUploadedFile("rider.txt", b"Two DI boxes"), title="", kind="rider"
    )
    alert = saved_search_create(band=band, by=leader, filters={"role": "support_call"}, label="Support calls")
    plan = saved_tour_create(
        band=band,
        by=leader,
        start=CityFactory(name="Hamburg"),
        end=CityFactory(name="Munich"),
        first_day=day + dt.timedelta(days=5),
        last_day=day + dt.timedelta(days=9),
        drive_km=400,
    )
    played = completed_gig(band=band, venue=venue)
    review = review_of(played["booking"], owner, "band")
    review_of(played["booking"], leader, "venue")
    private = band_party()
    gig = booking_instant(
        band=private.band, package=private.instant, client=private.client, starts_at=local(10, 20),
        price=package_price(private.instant),
    )  # fmt: skip
    proposal = reschedule_propose(
        booking=gig, by=private.client, starts_at=local(11, 19), ends_at=local(11, 21), reason="Rain date"
    )
    quote = quote_propose(booking=booking, by=owner, terms=Terms(fee_minor=40000), message="Our usual deal")
    # A connected CalDAV account whose server is never called (a private address: its reads are refused).
    calendar = ConnectedCalendar.objects.create(
        user=leader, provider=ConnectedCalendar.Provider.CALDAV, server_url="http://127.0.0.1:1/", username="alpha",
        calendar_names={"http://127.0.0.1:1/alpha/work/": "Work"},
    )  # fmt: skip
    return leader, {
        "slug": band.slug,
        "slot_id": slot.pk,
        "uid": str(booking.uid),
        "rule_id": rule.pk,
        "notification_id": note.pk,
        "alert_id": alert.pk,
        "plan_id": plan.pk,
        "venue_slug": venue.slug,
        "owner": owner,
        "file_id": rider.pk,
        "review_id": review.pk,
        "proposal_id": proposal.pk,
        "quote_id": quote.pk,
        "show_id": show.pk,
        "calendar_id": calendar.pk,
    }


class ServedHere:
    """Django's WSGI handler, called as a WSGI server calls it: the answer read to its end, then closed (a file
    sent is closed, request_finished is sent). The database connection is the test's own and stays open from one
    request to the next, as Django's test client keeps it (a new SQLite connection each time cost more than many
    of the requests)."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            answer = self.handler(environ, start_response)
            try:
                return [b"".join(answer)]
            finally:
                answer.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def test_every_operation_answers_as_its_schema_says(settings):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "api_token": "100000/m", "api_ip": "100000/m"}
    settings.ALLOWED_HOSTS = ["*"]
    leader, ids = _world()
    headers = {"Authorization": f"Bearer {token_for(leader)}"}
    # The schema as the API serves it (a status other than 2xx fails here), and every operation called through it.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", ServedHere())
    assert schema.raw_schema["openapi"].startswith("3.1")
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        known = {}
        for parameter in operation.path_parameters:
            name = parameter.name
            if name == "slug" and operation.path.startswith("/api/v1/venues"):
                known[name] = ids["venue_slug"]
            elif name in ids:
                known[name] = ids[name]
        variants = [{}] + ([{"path_parameters": known}] if known else [])
        for mode, examples in EXAMPLES.items():
            for extra in variants:
                strategy = operation.as_strategy(generation_mode=mode, **extra)

                @given(case=strategy)
                @hypothesis_settings(
                    max_examples=examples,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    suppress_health_check=list(HealthCheck),
                )
                def run(case):
                    case.call_and_validate(headers=headers, checks=CHECKS)

                try:
                    run()
                except Unsatisfiable:
                    # Nothing left to make invalid: the only parameter is the path, given above.
                    continue
                except (Exception, BaseExceptionGroup) as exc:  # every failing operation is named
                    failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}"[:2000])
    assert operations >= 87
    assert not failures, "\n\n".join(failures)
