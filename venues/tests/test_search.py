import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bands.models import ApprovalStatus
from bands.selectors import SearchText
from bands.tests.factories import GenreFactory
from venues.models import Venue
from venues.selectors import VENUE_SEARCH_TEXT, venue_search
from venues.tests.factories import VenueFactory, VenuePhotoFactory

# The filter form's fields and widgets, drawn by Django's form templates once per form digest (the
# filters are a cached fragment): counted apart from the results, which must not grow per card.
FORM_TEMPLATES = ("django/forms/", "accounts/widgets/", "bands/widgets/")

pytestmark = pytest.mark.django_db

URL = reverse("venues:search")


def names(qs) -> list[str]:
    return [venue.name for venue in qs]


def result_names(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'class="result-card__title">\s*<a\s+href="[^"]+">\s*([^<]+?)\s*</a>', html)


@pytest.fixture
def genres():
    return {slug: GenreFactory(name=slug.title(), slug=slug) for slug in ("rock", "jazz", "folk")}


# ---- The selector -------------------------------------------------------------------------------


def test_only_approved_venues_are_found():
    VenueFactory(name="Open")
    VenueFactory(name="Waiting", status=ApprovalStatus.PENDING)
    VenueFactory(name="Closed", status=ApprovalStatus.SUSPENDED)
    assert names(venue_search()) == ["Open"]


def test_text_search_looks_through_name_city_and_description():
    VenueFactory(name="Cellar Club", description="")
    VenueFactory(name="Lido", city="Cellarsville", description="")
    VenueFactory(name="Astra", description="A former CELLAR turned into a hall.")
    VenueFactory(name="Roof", description="Open air.")
    assert names(venue_search(q="cellar")) == ["Astra", "Cellar Club", "Lido"]
    assert names(venue_search(q="cellar hall")) == ["Astra"]


def test_genres_location_and_capacity(genres):
    jazz_bar = VenueFactory(name="Jazz Bar", city="Hamburg", region="Hamburg", country="DE", capacity=80)
    jazz_bar.genres.add(genres["jazz"])
    hall = VenueFactory(name="Big Hall", city="Hamm", region="NRW", country="DE", capacity=3000)
    hall.genres.add(genres["rock"], genres["jazz"])
    VenueFactory(name="Folk Club", city="Leeds", country="GB", capacity=None).genres.add(genres["folk"])
    assert names(venue_search(genres=["jazz"])) == ["Big Hall", "Jazz Bar"]
    assert names(venue_search(city="ham")) == ["Big Hall", "Jazz Bar"]
    assert names(venue_search(region="nrw")) == ["Big Hall"]
    assert names(venue_search(country="GB")) == ["Folk Club"]
    assert names(venue_search(capacity_min=100)) == ["Big Hall"]
    assert names(venue_search(capacity_max=100)) == ["Jazz Bar"]
    assert names(venue_search(capacity_min=50, capacity_max=5000)) == ["Big Hall", "Jazz Bar"]


def test_sorts():
    small = VenueFactory(name="Alpha", capacity=100)
    big = VenueFactory(name="Beta", capacity=900)
    Venue.objects.filter(pk=big.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert names(venue_search(sort="name")) == ["Alpha", "Beta"]
    assert names(venue_search(sort="newest")) == [small.name, big.name]
    assert names(venue_search(sort="capacity")) == ["Beta", "Alpha"]
    assert names(venue_search(sort="bogus")) == ["Alpha", "Beta"]


@pytest.mark.postgres
def test_text_search_uses_the_trigram_index_on_postgres():
    VenueFactory(name="Lantern Hall")
    query = Venue.objects.alias(search_text=SearchText(*VENUE_SEARCH_TEXT)).filter(search_text__icontains="lantern")
    sql, params = query.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "venues_venue_search_trgm" in plan


# ---- The page -------------------------------------------------------------------------------------


def test_venue_cards_show_capacity_stages_and_place(client, genres):
    venue = VenueFactory(
        name="Astra Kulturhaus", description="A big room in Friedrichshain.", capacity=1500, stages=["Main", "Foyer"]
    )
    venue.genres.add(genres["rock"])
    VenuePhotoFactory(venue=venue, caption="The main room")
    VenueFactory(name="No Photo Bar", capacity=None)
    html = client.get(URL).content.decode()
    assert "A big room in Friedrichshain." in html
    assert re.search(r"<dt>Capacity</dt>\s*<dd>\s*1,500\s*</dd>", html)
    assert re.search(r"<dt>Stages</dt>\s*<dd>\s*2\s*</dd>", html)
    assert re.search(r"<dt>Capacity</dt>\s*<dd>\s*not given\s*</dd>", html)
    assert 'alt="The main room"' in html
    assert re.search(r"Berlin,\s+Germany", html)


def test_filters_round_trip_and_htmx_gets_the_results(client, genres):
    VenueFactory(name="Match", capacity=300).genres.add(genres["jazz"])
    query = "q=match&genre=jazz&capacity_min=100&capacity_max=500&sort=capacity"
    html = client.get(f"{URL}?{query}").content.decode()
    assert re.search(r'value="jazz" id="id_genre_\d+" checked', html)
    assert 'name="capacity_min" value="100"' in html and 'name="capacity_max" value="500"' in html
    assert '<option value="capacity" selected>Largest first</option>' in html
    partial = client.get(f"{URL}?{query}", headers={"HX-Request": "true"})
    assert "<form" not in partial.content.decode()
    assert result_names(partial) == ["Match"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("capacity_min=lots", "Enter a whole number."),
        ("capacity_min=900&capacity_max=100", "The highest capacity cannot be less than the lowest."),
        ("capacity_max=-3", "Ensure this value is greater than or equal to 0."),
        ("genre=unknown-genre", "We do not know the genre “unknown-genre”"),
        ("country=XX", "Pick a country from the list."),
    ],
)
def test_bad_filters_get_a_message_and_never_an_error(client, query, message):
    VenueFactory(name="Still listed", capacity=200)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert result_names(response) == ["Still listed"]


@pytest.mark.parametrize(("page", "expected_first"), [("9999", "Venue 24"), ("abc", "Venue 00")])
def test_bad_page_falls_back(client, page, expected_first):
    for i in range(26):
        VenueFactory(name=f"Venue {i:02d}")
    response = client.get(f"{URL}?page={page}")
    assert response.status_code == 200
    assert result_names(response)[0] == expected_first


def test_empty_results_suggest_loosening(client):
    VenueFactory(capacity=50)
    html = client.get(f"{URL}?capacity_min=5000").content.decode()
    assert "No venues match all of these filters" in html
    assert "Capacity from 5,000" in html


@pytest.mark.parametrize("count", [3, 30])
def test_search_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, genres, count):
    for i in range(count):
        venue = VenueFactory(stages=["Main", "Side"])
        venue.genres.add(genres["rock"], genres["folk"])
        if i % 2:
            VenuePhotoFactory.create_batch(2, venue=venue)
    with django_assert_max_num_queries(6):
        response = client.get(f"{URL}?q=venue&genre=rock&capacity_min=10&sort=newest")
    assert len(result_names(response)) == min(count, 24)
    with django_assert_max_num_queries(5):
        client.get(f"{URL}?page=2", headers={"HX-Request": "true"})


def test_a_page_of_24_cards_renders_a_handful_of_templates_not_some_per_card(client, genres):
    for _ in range(30):
        VenueFactory(stages=["Main"]).genres.add(genres["rock"])
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(URL, headers=headers)
        assert len(result_names(response)) == 24
        rendered = [t.name for t in response.templates if not t.name.startswith(FORM_TEMPLATES)]
        assert len(rendered) <= 14, rendered


def test_a_card_cuts_a_long_description_as_truncator_would():
    from django.utils.text import Truncator

    from venues.cards import TAGLINE_LENGTH, tagline_of

    short = "A cellar bar with a small stage."
    assert tagline_of(short) == short
    long = "Dark wood, cold beer and a stage for five. " * 200
    assert tagline_of(long) == Truncator(long).chars(TAGLINE_LENGTH)
    assert tagline_of(long).endswith("…") and len(tagline_of(long)) == TAGLINE_LENGTH
    accented = "Cafe\u0301 " * 60  # combining accents do not count as characters
    assert tagline_of(accented) == Truncator(accented).chars(TAGLINE_LENGTH)
    for text in ("x" * 110, "x" * 111, "Große Bühne, kleines Haus. " * 10, "Кафе у моста. " * 20):
        assert tagline_of(text) == Truncator(text).chars(TAGLINE_LENGTH)
