"""In Chromium: a promoter of the group that runs Kellerbar holds a date 2nd and challenges the 1st; the 1st
lets the challenge lapse, the promoter's hold moves up and is confirmed into an offer; an agent of the
band's agency accepts the offer from the inbox and finds the gig in the band's analytics, where each chart's
CSV has the numbers the chart draws. Each page passes axe."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking
from bookings.tests.test_booking_browser import log_in
from holds import services
from holds.models import Hold
from teams.tests.factories import agency_for

from .factories import hold_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_challenge_lapses_the_promoters_hold_moves_up_is_confirmed_and_the_agent_accepts(
    live_server, browser, axe_check
):
    w = hold_world()
    first_band, second_band = w.bands[0], w.bands[1]
    _agency, _owner, agent, _viewer = agency_for(second_band, name="Northside Agency", slug="northside", may_hold=True)
    services.hold_place(
        by=w.owner, stage=w.stage, band=first_band, starts_at=w.start, ends_at=w.end, expires_at=w.expires
    )
    local = w.start.astimezone(ZoneInfo("Europe/Berlin"))

    page = log_in(browser, live_server.url, w.promoter.email)
    page.goto(f"{live_server.url}/holds/venues/{w.venue.slug}/")
    axe_check(page, what="the venue's holds")
    form = page.locator("form[action$='/new/']")
    form.get_by_label("Band:").fill(second_band.name)
    form.get_by_label("Date:").fill(local.date().isoformat())
    form.get_by_label("Start:").fill(local.strftime("%H:%M"))
    form.get_by_label("End:").fill("23:30")
    form.get_by_label("Note:").fill("Album release")
    form.get_by_role("button", name="Hold the date").click()
    ladder = page.locator(".hold-ladder").first
    expect(ladder.locator(".hold-row").nth(1)).to_contain_text(second_band.name)
    expect(ladder.locator(".hold-row").nth(1).locator(".hold-level")).to_have_text("2nd")
    ladder.locator(".hold-row").nth(1).get_by_role("button", name="Challenge the 1st").click()
    expect(page.locator(".hold-challenge")).to_contain_text(f"Challenged by {second_band.name}")
    axe_check(page, what="a running challenge")

    # The 1st stays silent past the deadline: the round lets it go and the 2nd moves up.
    Hold.objects.filter(band=first_band).update(challenge_ends_at=timezone.now() - dt.timedelta(minutes=1))
    services.holds_settle()
    page.reload()
    first_row = page.locator(".hold-ladder").first.locator(".hold-row").first
    expect(first_row).to_contain_text(second_band.name)
    expect(first_row.locator(".hold-level")).to_have_text("1st")
    first_row.get_by_text("Confirm…").click()
    first_row.get_by_label("Fee offered").fill("900")
    first_row.get_by_role("button", name="Confirm and send the offer").click()
    page.wait_for_url("**/bookings/*/")
    booking = Booking.objects.get(band=second_band)
    assert (booking.kind, booking.status, booking.fee) == ("offer", "pending", 900)

    # The agent of the band's agency finds it waiting for an answer and accepts it for the band.
    agent_page = log_in(browser, live_server.url, agent.email)
    agent_page.goto(f"{live_server.url}/bookings/?tab=answer")
    expect(agent_page.get_by_text(f"{second_band.name} (through Northside Agency)")).to_be_visible()
    axe_check(agent_page, what="the agent's inbox")
    agent_page.goto(f"{live_server.url}/bookings/{booking.uid}/")
    agent_page.get_by_text("Accept…").click()
    agent_page.get_by_role("button", name="Yes, accept this gig").click()
    expect(agent_page.locator("#booking").get_by_text("Booked").first).to_be_visible()
    axe_check(agent_page, what="the booking the agent accepted")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert booking.events.filter(to_status="booked").get().actor == agent

    # The band's analytics over a range that holds the gig: the gig is counted, and every chart draws
    # exactly its CSV's numbers.
    today = timezone.localdate()
    query = f"start={today.isoformat()}&end={(local.date() + dt.timedelta(days=5)).isoformat()}"
    agent_page.goto(f"{live_server.url}/analytics/bands/{second_band.slug}/?{query}")
    expect(agent_page.locator("[data-figure=gigs] .an-figure__value")).to_have_text("1")
    expect(agent_page.locator("[data-chart=gigs]")).to_have_attribute("data-chart-drawn", "true")
    axe_check(agent_page, what="the band's analytics")
    keys = agent_page.locator("[data-chart]").evaluate_all("(figures) => figures.map((f) => f.dataset.chart)")
    assert {"gigs", "earnings-eur", "sources", "cities", "rating"} <= set(keys)
    for key in keys:
        drawn = agent_page.evaluate(
            """(key) => {
                const canvas = document.querySelector(`[data-chart="${key}"] canvas`);
                const chart = canvas && Chart.getChart(canvas);
                return chart ? {labels: chart.data.labels, series: chart.data.datasets.map((d) => [d.label, d.data])}
                             : null;
            }""",
            key,
        )
        rows = list(
            csv.reader(
                io.StringIO(
                    agent_page.request.get(
                        f"{live_server.url}/analytics/bands/{second_band.slug}/?{query}&csv={key}"
                    ).text()
                )
            )
        )
        if drawn is None:  # a chart with nothing to draw in the range: its CSV is its header
            assert len(rows) == 1, key
            continue
        assert [r[0] for r in rows[1:]] == drawn["labels"], key
        for i, (label, values) in enumerate(drawn["series"]):
            assert rows[0][i + 1] == label
            assert [r[i + 1] for r in rows[1:]] == ["" if v is None else str(v) for v in values], key
    gigs = csv.reader(
        io.StringIO(
            agent_page.request.get(f"{live_server.url}/analytics/bands/{second_band.slug}/?{query}&csv=gigs").text()
        )
    )
    assert sum(int(r[1]) for r in list(gigs)[1:]) == 1
