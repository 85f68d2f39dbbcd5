"""The builder's queries do not grow with the acts on it: booked sets, offers waiting and terms an act sent
back are each read once for the whole grid (benchmarks/festival.py measures it at 3 days × 6
stages × 120 acts)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bands.models import Membership
from bookings.services import quotes
from bookings.services.quotes import Terms
from festivals.models import Application
from festivals.services import timetable

from .factories import band, festival_world, local, placement_book

pytestmark = pytest.mark.django_db

BUILDER_QUERIES = 18


def test_the_builders_queries_do_not_grow_with_the_acts(client, w_acts, django_assert_max_num_queries):
    w, more = w_acts
    url = reverse("festivals:builder", args=[w.festival.slug])
    client.force_login(w.owner)
    client.get(url)  # the session and the caches warm
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    more()
    with django_assert_max_num_queries(BUILDER_QUERIES):
        page = client.get(url)
    assert page.content.decode().count("Offered – waiting for the act") == 4
    assert len(few) <= BUILDER_QUERIES


@pytest.fixture
def w_acts():
    """Two acts booked, one offered with its own terms sent back; `more()` books six more acts (each with a
    shortlisted application), offers three more sets and lets one more act send back its terms."""
    w = festival_world()
    now = timezone.now()
    placement_book(fstage=w.main, band=w.kite, starts_at=local(w.first_day, 14), set_minutes=45, by=w.owner, now=now)
    placement_book(fstage=w.tent, band=w.owl, starts_at=local(w.first_day, 16), set_minutes=45, by=w.owner, now=now)
    offered = timetable.placement_offer(
        fstage=w.main, band=w.moth, starts_at=local(w.first_day, 20), set_minutes=45, by=w.owner, now=now
    )
    _counter(offered)

    def more() -> None:
        for n in range(6):
            act, _leader = band(f"More {n}", f"more-{n}")
            Application.objects.create(call=w.call, band=act, status=Application.Status.SHORTLISTED)
            placement_book(
                fstage=w.main if n % 2 else w.tent, band=act, set_minutes=30, by=w.owner, now=now,
                starts_at=local(w.first_day + dt.timedelta(days=1), 16 + n),
            )  # fmt: skip
        for n in range(3):
            act, _leader = band(f"Asked {n}", f"asked-{n}")
            placement = timetable.placement_offer(
                fstage=w.tent, band=act, starts_at=local(w.first_day, 18 + n), set_minutes=30, by=w.owner, now=now
            )
            if n == 0:
                _counter(placement)

    return w, more


def _counter(placement) -> None:
    leader = Membership.objects.filter(band=placement.band, role=Membership.Role.LEADER).first().user
    quotes.quote_propose(
        booking=placement.booking, by=leader, terms=Terms(fee_minor=60_000, currency=placement.booking.currency),
        send_anyway=True,
    )  # fmt: skip
