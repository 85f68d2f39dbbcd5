"""The analytics pages: their figures against hand-counted ones, the CSV against what the chart draws, who
may see each page, bad ranges, and a query count that does not grow with the bookings."""

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from analytics.forms import Period
from analytics.selectors import band_dashboard
from bookings.models import Booking
from teams.models import LinkStatus, Representation, VenueLink

from .factories import analytics_world, answered, months_ago, played, reviewed

pytestmark = pytest.mark.django_db
Status = Booking.Status


def band_url(w, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("analytics:band", args=[w.band.slug]) + (f"?{query}" if query else "")


def history(w):
    """Three gigs with fees and an offer accepted after 4 hours (no fee) this year, an offer declined after 10
    hours and a declined application; one gig the year before; reviews of 4 and 5 stars."""
    first = played(w.band, w.venue, months_ago(2), fee=400)
    played(w.band, w.venue, months_ago(3), fee=600)
    played(w.band, w.venue, months_ago(14), fee=300)
    played(w.band, w.venue, months_ago(2, day=20), status=Status.DECLINED)
    answered(w.band, w.venue, months_ago(4), hours=4)
    answered(w.band, w.venue, months_ago(5), hours=10, to=Status.DECLINED)
    reviewed(first, 4, months_ago(2, day=22))
    reviewed(played(w.band, w.venue, months_ago(1), fee=500), 5, months_ago(1, day=20))
    return first


def figures(dash):
    return {f.key: (f.value, f.before) for f in dash.figures}


def test_the_band_figures_are_the_ones_counted_by_hand():
    w = analytics_world()
    history(w)
    today = timezone.localdate()
    dash = band_dashboard(band=w.band, period=Period(start=today - dt.timedelta(days=364), end=today))
    got = figures(dash)
    assert got["gigs"] == (4, 1)
    assert got["earnings"] == (1500, 300)  # the accepted offer has no fee: a gig, not money
    assert got["average-eur"] == (500, 300)
    assert got["acceptance"] == (50.0, None)
    assert got["answer-hours"] == (7.0, None)
    assert got["rating"] == (4.5, None)
    assert sum(dash.chart("gigs").series[0].values) == 4
    sources = dict(zip(dash.chart("sources").labels, dash.chart("sources").series[0].values, strict=True))
    assert sources["Venue offers"] == 2
    cities = dash.chart("cities")
    assert cities.labels == ["Hamburg"] and cities.series[0].values == [4]


def test_a_range_starting_mid_month_keeps_the_months_of_the_two_periods_apart():
    w = analytics_world()
    history(w)
    start = months_ago(3, day=15).date()
    dash = band_dashboard(band=w.band, period=Period(start=start, end=start + dt.timedelta(days=60)))
    # The gig on the 12th of the first month belongs to the range before, not to this one.
    assert figures(dash)["gigs"] == (3, 1)
    first_month = dash.chart("gigs")
    assert first_month.series[0].values[0] == 1  # the accepted offer's gig, on the 22nd
    assert figures(dash)["earnings"] == (900, 600)


def test_the_page_draws_every_chart_with_its_table_and_the_csv_is_what_the_chart_draws(client):
    w = analytics_world()
    history(w)
    client.force_login(w.leader)
    response = client.get(band_url(w))
    assert response.status_code == 200
    page = response.content.decode()
    for key in ("gigs", "earnings-eur", "sources", "cities", "rating"):
        assert f'id="chart-{key}"' in page
        assert f'id="chart-{key}-data"' in page
    dash = response.context["dash"]
    for chart in dash.charts:
        drawn = json.loads(page.split(f'id="chart-{chart.key}-data" type="application/json">')[1].split("</script>")[0])
        download = client.get(band_url(w, csv=chart.key))
        assert download.status_code == 200
        assert download["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert rows[0] == [chart.column, *(s["label"] for s in drawn["series"])]
        assert [r[0] for r in rows[1:]] == drawn["labels"]
        for i, series in enumerate(drawn["series"]):
            column = [r[i + 1] for r in rows[1:]]
            assert column == ["" if v is None else str(v) for v in series["values"]]


def test_the_cities_chart_puts_its_cities_on_a_map(client):
    w = analytics_world()
    type(w.venue).objects.filter(pk=w.venue.pk).update(latitude=53.55, longitude=9.99)
    played(w.band, w.venue, months_ago(2))
    client.force_login(w.leader)
    page = client.get(band_url(w)).content.decode()
    assert "data-map-panel" in page and '"title": "Hamburg"' in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-05-01", "end": "2026-04-01"}, "ends before it starts"),
        ({"start": "2016-01-01", "end": "2026-01-01"}, "at most three years"),
        ({"start": "yesterday"}, "Enter a valid date"),
        ({"start": "1999-01-01", "end": "1999-02-01"}, "pick a date from Sat 1 Jan 2000 on"),
        ({"end": "2099-01-01"}, "StageSlot plans at most three years ahead"),
    ],
)
def test_a_bad_range_is_refused_with_a_message_and_no_figures(client, params, message):
    w = analytics_world()
    client.force_login(w.leader)
    response = client.get(band_url(w, **params))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "dash" not in response.context


def test_a_chart_the_page_has_not_is_not_found(client):
    w = analytics_world()
    client.force_login(w.leader)
    assert client.get(band_url(w, csv="nothing")).status_code == 404


def _urls(w):
    return {
        "band": reverse("analytics:band", args=[w.band.slug]),
        "venue": reverse("analytics:venue", args=[w.venue.slug]),
        "agency": reverse("analytics:organisation", args=[w.agency.slug]),
        "platform": reverse("analytics:platform"),
    }


# Who gets what on each page: 200 seen, 403 refused, 404 not theirs to know of, 302 to sign in.
MATRIX = {
    "leader": {"band": 200, "venue": 403, "agency": 404, "platform": 403},
    "owner": {"band": 403, "venue": 200, "agency": 404, "platform": 403},
    "agent": {"band": 200, "venue": 403, "agency": 200, "platform": 403},
    "agency_viewer": {"band": 200, "venue": 403, "agency": 200, "platform": 403},
    "other_leader": {"band": 403, "venue": 403, "agency": 404, "platform": 403},
    "other_owner": {"band": 403, "venue": 403, "agency": 404, "platform": 403},
    "other_agent": {"band": 403, "venue": 403, "agency": 404, "platform": 403},
    "stranger": {"band": 403, "venue": 403, "agency": 404, "platform": 403},
    "staff": {"band": 403, "venue": 403, "agency": 404, "platform": 200},
    "anonymous": {"band": 302, "venue": 302, "agency": 302, "platform": 302},
}


@pytest.mark.parametrize("actor", list(MATRIX))
def test_who_sees_which_page(client, actor):
    w = analytics_world()
    history(w)
    if actor == "staff":
        client.force_login(UserFactory(is_staff=True))
    elif actor != "anonymous":
        client.force_login(getattr(w, actor))
    for page, url in _urls(w).items():
        response = client.get(url)
        assert response.status_code == MATRIX[actor][page], (page, response.status_code)
        csv_response = client.get(url + "?csv=gigs")
        assert csv_response.status_code in (MATRIX[actor][page], 404)
        if MATRIX[actor][page] != 200:
            assert csv_response.status_code == MATRIX[actor][page]


def test_an_agent_loses_the_band_s_figures_the_moment_the_band_ends_the_agency(client):
    w = analytics_world()
    client.force_login(w.agent)
    assert client.get(_urls(w)["band"]).status_code == 200
    Representation.objects.filter(organisation=w.agency).update(status=LinkStatus.ENDED)
    assert client.get(_urls(w)["band"]).status_code == 403


def test_a_venue_group_s_people_see_its_venues_figures(client):
    from teams.tests.factories import group_for

    w = analytics_world()
    group, _owner, _booker, viewer, link = group_for(w.venue, name="Riverside Rooms", slug="riverside")
    client.force_login(viewer)
    assert client.get(_urls(w)["venue"]).status_code == 403
    VenueLink.objects.filter(pk=link.pk).update(status=LinkStatus.ACTIVE)
    assert client.get(_urls(w)["venue"]).status_code == 200
    page = client.get(reverse("analytics:organisation", args=[group.slug]))
    assert page.status_code == 200 and reverse("analytics:venue", args=[w.venue.slug]) in page.content.decode()


def test_the_agency_page_sets_its_bands_side_by_side(client):
    w = analytics_world()
    history(w)
    client.force_login(w.agent)
    response = client.get(_urls(w)["agency"])
    assert response.status_code == 200
    dash = response.context["dash"]
    assert dash.chart("gigs").labels == ["The Night Owls"]
    assert dash.chart("gigs").series[0].values == [4]
    assert dash.chart("earnings-eur").series[0].values == [1500]


def test_the_venue_and_platform_pages_count_their_own(client):
    w = analytics_world()
    history(w)
    client.force_login(w.owner)
    dash = client.get(_urls(w)["venue"]).context["dash"]
    got = figures(dash)
    assert got["slots"][0] == 6  # three played, one declined application's, the two offers'
    assert got["spend"][0] == 1500
    assert dash.chart("genres").labels == ["Indie"]
    client.force_login(UserFactory(is_staff=True))
    dash = client.get(_urls(w)["platform"]).context["dash"]
    assert figures(dash)["bookings"][0] >= 5


@pytest.mark.parametrize("page", ["band", "venue", "agency", "platform"])
def test_the_query_count_does_not_grow_with_the_bookings(client, page):
    w = analytics_world()
    staff = UserFactory(is_staff=True)
    viewer = {"band": w.leader, "venue": w.owner, "agency": w.agent, "platform": staff}[page]
    client.force_login(viewer)
    played(w.band, w.venue, months_ago(2))
    answered(w.band, w.venue, months_ago(4), hours=2)
    url = _urls(w)[page]
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for month in range(1, 12):
        played(w.band, w.venue, months_ago(month, day=5))
        played(w.band, w.venue, months_ago(month, day=25))
        answered(w.band, w.venue, months_ago(month, day=3), hours=month)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 16
