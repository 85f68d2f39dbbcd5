"""The analytics figures through the API: the same numbers as the page, for the same people, and a bad
range refused as a problem."""

import pytest

from accounts.tests.factories import UserFactory
from bookings.tests.api_helpers import ApiClient, token_for

from .factories import analytics_world
from .test_views import history

pytestmark = pytest.mark.django_db


def test_the_band_s_figures_are_the_page_s(client):
    w = analytics_world()
    history(w)
    client.force_login(w.leader)
    page = client.get(f"/analytics/bands/{w.band.slug}/").context["dash"]
    body = ApiClient(token_for(w.agent)).get(f"/api/v1/analytics/bands/{w.band.slug}").json()
    assert {f["key"]: f["value"] for f in body["figures"]} == {f.key: f.value for f in page.figures}
    for chart in page.charts:
        drawn = next(c for c in body["charts"] if c["key"] == chart.key)
        assert drawn["labels"] == chart.labels
        assert [s["values"] for s in drawn["series"]] == [s.values for s in chart.series]


@pytest.mark.parametrize(
    "query", ["start=2026-05-01&end=2026-04-01", "start=2012-01-01&end=2026-01-01", "start=soon", "end=2099-01-01"]
)
def test_a_bad_range_is_a_problem(query):
    w = analytics_world()
    response = ApiClient(token_for(w.leader)).get(f"/api/v1/analytics/bands/{w.band.slug}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]


def test_each_side_reads_only_its_own():
    w = analytics_world()
    for user, path, status in (
        (w.other_agent, f"/api/v1/analytics/bands/{w.band.slug}", 404),
        (w.other_owner, f"/api/v1/analytics/venues/{w.venue.slug}", 404),
        (w.other_agent, f"/api/v1/analytics/agencies/{w.agency.slug}", 404),
        (w.agency_viewer, f"/api/v1/analytics/agencies/{w.agency.slug}", 200),
        (w.agent, "/api/v1/analytics/platform", 403),
        (UserFactory(is_staff=True), "/api/v1/analytics/platform", 200),
    ):
        assert ApiClient(token_for(user)).get(path).status_code == status, (path, status)
