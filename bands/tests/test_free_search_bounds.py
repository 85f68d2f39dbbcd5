"""The free-on band search reads only a few pages of bands, whatever the number of bands (decision 0092)."""

import datetime as dt
import zoneinfo

import pytest

from bands import search_pages
from bands.selectors import band_search
from bands.tests.factories import BandFactory, MembershipFactory
from bands.tests.test_free_search import URL, busy, in_days, names, result_names

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def evening():
    """Two bands busy all evening (first by name), then two free ones; the day asked for."""
    day = in_days(12, zone=BERLIN).date()
    six = dt.datetime.combine(day, dt.time(18), tzinfo=BERLIN)
    for name in ("A Busy", "B Busy"):
        band = BandFactory(name=name, time_zone="Europe/Berlin")
        busy(MembershipFactory(band=band).user, six, six + dt.timedelta(hours=6))
    for name in ("C Free", "D Free"):
        BandFactory(name=name, time_zone="Europe/Berlin")
    return day


def test_the_free_on_search_reads_its_batches_at_once(client, evening, monkeypatch):
    # Pages of one band, counted no page ahead: batches of two bands, the three read at once in the page's
    # order (all four bands there are).
    monkeypatch.setattr(search_pages, "PAGE_SIZE", 1)
    monkeypatch.setattr(search_pages, "PAGES_AHEAD_SETTLED", 0)
    read = []
    settle = search_pages._settle_free_on
    monkeypatch.setattr(
        search_pages, "_settle_free_on", lambda rows, **kw: read.append(len(rows)) or settle(rows, **kw)
    )
    response = client.get(URL, {"free_on": evening.isoformat(), "part": "evening"})
    assert result_names(response) == ["C Free"]
    assert "more than 1 band" in response.content.decode()
    # The two busy bands and the two free ones, in one reading.
    assert read == [4]
    # The whole list agrees with the selector's own exact reading.
    monkeypatch.setattr(search_pages, "PAGE_SIZE", 24)
    response = client.get(URL, {"free_on": evening.isoformat(), "part": "evening"})
    assert (
        result_names(response) == ["C Free", "D Free"] == names(band_search(free_on_local=(evening, dt.time(18), None)))
    )
    assert "2 bands" in response.content.decode()


# The keys of the three batches, their bands, the members and their busy time and gigs (four); then the page's
# bands, their genres and photos (the genres and countries of the form are cached after the first request).
FREE_ON_QUERIES = 9


def test_the_free_on_search_queries_do_not_grow_with_the_bands(client, evening, django_assert_num_queries):
    search = {"free_on": evening.isoformat(), "part": "evening"}
    client.get(URL, search)
    # Fewer bands than a batch: all read, two free.
    with django_assert_num_queries(FREE_ON_QUERIES):
        response = client.get(URL, search)
    assert len(result_names(response)) == 2
    # More than three batches: the same queries.
    for n in range(60):
        BandFactory(name=f"E Free {n:02d}", time_zone="Europe/Berlin")
    with django_assert_num_queries(FREE_ON_QUERIES):
        response = client.get(URL, search)
    assert len(result_names(response)) == 24
    assert "more than 48 bands" in response.content.decode()
