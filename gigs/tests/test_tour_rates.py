"""A tour's exchange rates: a show in another currency than the tour's is converted at the rate the leaders
set (Decimal, rounded half to even to the cent) and counted, on the money page and in its CSV alike; without
a rate it stays flagged and out of the totals; bad rates are refused with a message and nothing saved; only
those who see the money see the rates, only the leaders set them."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from bookings.models import Booking, Quote
from bookings.selectors.quotes import convert_minor
from documents.selectors.exports import tour_money_export

from ..models import Tour, TourGig, TourRate, TourTraveller
from ..selectors.tours import tour_money
from ..services import tours
from .test_tour_book import agree, world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_one_conversion_rounds_half_to_even_to_the_cent():
    assert convert_minor(120000, Decimal("1.0480")) == 125760  # CHF 1,200.00 at 1.0480 = EUR 1,257.60
    assert convert_minor(100001, Decimal("0.5")) == 50000  # 50,000.5 → the even cent
    assert convert_minor(100003, Decimal("0.5")) == 50002  # 50,001.5 → the even cent
    assert convert_minor(120000, Decimal("0.878543")) == 105425  # 105,425.16


@pytest.fixture
def gbp(world):  # noqa: F811
    """A GBP tour: a CHF show, a EUR show, a GBP show and a EUR door deal with a forecast."""
    Tour.objects.filter(pk=world.tour.pk).update(currency="GBP")
    world.tour.refresh_from_db()
    chf, eur, home, door = world.gigs
    agree(chf, Quote.Deal.FLAT, fee_minor=120000, door_percent=None, currency="CHF")
    agree(eur, Quote.Deal.FLAT, fee_minor=100001, door_percent=None, currency="EUR")
    Booking.objects.filter(pk=home.pk).update(currency="GBP", fee=600)
    quote = agree(door, Quote.Deal.DOOR, fee_minor=None, door_percent=70, currency="EUR")
    Quote.objects.filter(pk=quote.pk).update(ticket_price_minor=2000, capacity=100)
    TourGig.objects.filter(tour=world.tour, booking=door).update(expected_attendance=50)
    return world


def test_shows_in_other_currencies_count_once_the_tour_has_their_rates(gbp):
    chf, eur, home, door = gbp.gigs
    money = tour_money(tour=gbp.tour)
    assert money.unrated == ["CHF", "EUR"] and money.income_planned_minor == 60000 and money.forecast_minor is None
    tours.tour_rate_set(tour=gbp.tour, by=gbp.leader, currency="CHF", rate=Decimal("0.878543"))
    tours.tour_rate_set(tour=gbp.tour, by=gbp.leader, currency="EUR", rate=Decimal("0.5"))
    money = tour_money(tour=gbp.tour)
    rows = {r.booking.pk: r for r in money.rows if r.booking}
    assert money.unrated == [] and money.foreign_currencies == ["CHF", "EUR"]
    assert rows[chf.pk].converted and rows[chf.pk].income_planned_minor == 105425
    assert rows[eur.pk].income_actual_minor == 50000
    assert rows[home.pk].income_planned_minor == 60000 and not rows[home.pk].converted
    forecast = rows[door.pk].forecast_minor
    assert forecast and rows[door.pk].forecast_tour_minor == convert_minor(forecast, Decimal("0.5"))
    assert money.income_planned_minor == 105425 + 50000 + 60000
    assert money.forecast_minor == rows[door.pk].forecast_tour_minor
    assert money.result_planned_minor == money.income_planned_minor
    # A rate set again replaces the first.
    tours.tour_rate_set(tour=gbp.tour, by=gbp.leader, currency="EUR", rate=Decimal("0.86"))
    assert TourRate.objects.get(tour=gbp.tour, currency="EUR").rate == Decimal("0.86")


def test_the_page_and_the_csv_show_the_same_converted_figures(client, gbp):
    tours.tour_rate_set(tour=gbp.tour, by=gbp.leader, currency="CHF", rate=Decimal("0.878543"))
    client.force_login(gbp.leader)
    page = client.get(reverse("gigs:tour_money", args=[gbp.tour.pk])).content.decode()
    assert "1,200 CHF at 0.878543 = 1,054.25 GBP" in page
    assert "Shows in EUR" not in page and "A show in EUR is not counted" in page
    response = client.get(reverse("documents:tour_money_csv", args=[gbp.tour.pk]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    header, rows = table[0], table[1:]
    chf = dict(zip(header, rows[0], strict=True))
    assert (chf["Currency of the show"], chf["Exchange rate"], chf["Income planned"]) == ("CHF", "0.878543", "1054.25")
    eur = dict(zip(header, rows[1], strict=True))
    assert (eur["Exchange rate"], eur["Income planned"]) == ("", "0.00")  # no rate: not counted
    door = dict(zip(header, rows[3], strict=True))
    assert door["Door forecast"] == ""  # its EUR has no rate yet
    tours.tour_rate_set(tour=gbp.tour, by=gbp.leader, currency="EUR", rate=Decimal("0.5"))
    money = tour_money(tour=gbp.tour)
    lines = list(tour_money_export(tour=gbp.tour).rows)
    forecast_at = header.index("Door forecast")
    assert lines[3][forecast_at] == f"{Decimal(money.rows[3].forecast_tour_minor) / 100:.2f}"
    assert lines[-1][forecast_at] == f"{Decimal(money.forecast_minor) / 100:.2f}"
    assert lines[-1][header.index("Income planned")] == "2154.25"  # 1,054.25 + 500.00 + 600.00


@pytest.mark.parametrize("value", ["0", "-1.2", "abc", "1.0000000001", "", "100001", "NaN", "Infinity", "1e3000"])
def test_a_bad_rate_is_refused_with_a_message_and_nothing_saved(client, gbp, value):
    client.force_login(gbp.leader)
    response = client.post(reverse("gigs:tour_rate", args=[gbp.tour.pk]), {"currency": "CHF", "rate": value})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not TourRate.objects.exists()


def test_a_rate_for_a_currency_not_on_the_tour_is_refused(client, gbp):
    client.force_login(gbp.leader)
    for currency in ("USD", "GBP", "XX<"):
        response = client.post(reverse("gigs:tour_rate", args=[gbp.tour.pk]), {"currency": currency, "rate": "1.2"})
        assert response.status_code == 400
        assert "No show of this tour is in that currency." in response.content.decode()
    assert not TourRate.objects.exists()


def test_only_the_leaders_set_a_rate_and_only_those_who_see_the_money_read_it(client, gbp):
    url = reverse("gigs:tour_rate", args=[gbp.tour.pk])
    TourTraveller.objects.filter(user=gbp.crew).update(sees_money=True)  # reads the money, sets nothing
    got = []
    for who in ["leader", "member", "crew", "other_leader", "stranger", None]:
        client.logout()
        if who:
            client.force_login(getattr(gbp, who))
        got.append(client.post(url, {"currency": "CHF", "rate": "1.0480"}).status_code)
    assert got == [302, 403, 403, 403, 403, 302]
    assert TourRate.objects.count() == 1
    client.force_login(gbp.leader)
    assert client.post(reverse("gigs:tour_rate", args=[987654]), {"currency": "CHF", "rate": "1"}).status_code == 404
    assert client.get(url).status_code == 405
    client.force_login(gbp.crew)
    page = client.get(reverse("gigs:tour_money", args=[gbp.tour.pk])).content.decode()
    assert "1 CHF = 1.0480 GBP, set on" in page and reverse("gigs:tour_rate", args=[gbp.tour.pk]) not in page
    client.force_login(gbp.member)
    assert client.get(reverse("gigs:tour_money", args=[gbp.tour.pk])).status_code == 403


def test_the_rates_read_in_german(client, gbp):
    tours.tour_rate_set(tour=gbp.tour, by=gbp.leader, currency="CHF", rate=Decimal("1.048"))
    client.force_login(gbp.leader)
    with translation.override("de"):
        page = client.get(reverse("gigs:tour_money", args=[gbp.tour.pk]), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Wechselkurs" in page and "1.200 CHF zu 1,0480 = 1.257,60 GBP" in page
