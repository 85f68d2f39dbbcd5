import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bands.models import ApprovalStatus, Band
from bands.selectors import BAND_SEARCH_TEXT, SearchText, band_search
from bands.tests.factories import BandFactory, BandPhotoFactory, GenreFactory, MembershipFactory

# The filter form's fields and widgets, drawn by Django's form templates once per form digest (the
# filters are a cached fragment): counted apart from the results, which must not grow per card.
FORM_TEMPLATES = ("django/forms/", "accounts/widgets/", "bands/widgets/")

pytestmark = pytest.mark.django_db

URL = reverse("bands:search")


def names(qs) -> list[str]:
    return [band.name for band in qs]


def result_names(response) -> list[str]:
    """Band names on the result cards, in page order."""
    html = response.content.decode()
    return re.findall(r'class="result-card__title">\s*<a\s+href="[^"]+">\s*([^<]+?)\s*</a>', html)


@pytest.fixture
def genres():
    return {slug: GenreFactory(name=slug.title(), slug=slug) for slug in ("rock", "jazz", "folk")}


# ---- The selector -------------------------------------------------------------------------------


def test_only_approved_bands_are_found():
    BandFactory(name="Listed")
    BandFactory(name="Waiting", status=ApprovalStatus.PENDING)
    BandFactory(name="Hidden", status=ApprovalStatus.SUSPENDED)
    assert names(band_search()) == ["Listed"]


def test_text_search_looks_through_name_tagline_and_bio_in_any_case():
    BandFactory(name="The Night Owls", bio="")
    BandFactory(name="Brass Attack", tagline="Night-time funk", bio="")
    BandFactory(name="Quiet Ones", bio="We play after NIGHTFALL only.")
    BandFactory(name="Day Trippers", bio="Mornings.")
    assert names(band_search(q="night")) == ["Brass Attack", "Quiet Ones", "The Night Owls"]


def test_every_word_of_a_search_must_match_somewhere():
    BandFactory(name="Velvet Owls", tagline="Indie from Leeds", bio="")
    BandFactory(name="Velvet Underground Tribute", tagline="Covers", bio="")
    assert names(band_search(q="velvet  indie")) == ["Velvet Owls"]
    assert names(band_search(q="   ")) == ["Velvet Owls", "Velvet Underground Tribute"]


def test_genres_match_any_of_those_picked(genres):
    BandFactory(name="Rockers", genres=[genres["rock"]])
    BandFactory(name="Both", genres=[genres["rock"], genres["jazz"]])
    BandFactory(name="Folkies", genres=[genres["folk"]])
    BandFactory(name="No genre")
    assert names(band_search(genres=["rock", "jazz"])) == ["Both", "Rockers"]
    assert names(band_search(genres=["folk"])) == ["Folkies"]


def test_location_filters_by_city_start_region_and_country():
    BandFactory(name="Berliners", city="Berlin", region="Berlin", country="DE")
    BandFactory(name="Bernese", city="Bern", region="Bern", country="CH")
    BandFactory(name="Munich", city="München", region="Bavaria", country="DE")
    assert names(band_search(city="ber")) == ["Berliners", "Bernese"]
    assert names(band_search(city="Berlin ")) == ["Berliners"]
    assert names(band_search(region="bav")) == ["Munich"]
    assert names(band_search(country="DE")) == ["Berliners", "Munich"]


def test_fee_filter_keeps_bands_whose_range_overlaps():
    BandFactory(name="Cheap", fee_min=100, fee_max=300)
    BandFactory(name="Middle", fee_min=400, fee_max=800)
    BandFactory(name="Dear", fee_min=1500, fee_max=3000)
    BandFactory(name="From 900", fee_min=900, fee_max=None)
    BandFactory(name="Up to 200", fee_min=None, fee_max=200)
    BandFactory(name="On request", fee_min=None, fee_max=None)
    assert names(band_search(fee_min=250, fee_max=500)) == ["Cheap", "Middle"]
    assert names(band_search(fee_min=1000)) == ["Dear", "From 900"]
    assert names(band_search(fee_max=150)) == ["Cheap", "Up to 200"]
    assert names(band_search(fee_min=800, fee_max=800)) == ["Middle"]
    assert "On request" in names(band_search())


def test_sort_by_name_or_newest_and_unknown_sort_falls_back_to_name():
    old = BandFactory(name="Zebra")
    new = BandFactory(name="Aardvark")
    Band.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert names(band_search(sort="name")) == ["Aardvark", "Zebra"]
    assert names(band_search(sort="newest")) == [new.name, old.name]
    assert names(band_search(sort="rating")) == ["Aardvark", "Zebra"]


def test_a_card_knows_its_member_count_and_cover_photo():
    band = BandFactory()
    MembershipFactory.create_batch(3, band=band)
    BandPhotoFactory(band=band, position=2, caption="Second")
    BandPhotoFactory(band=band, position=1, caption="First")
    [found] = band_search()
    assert found.member_count == 3
    assert [p.caption for p in found.cover_photos] == ["First"]


@pytest.mark.postgres
def test_text_search_uses_the_trigram_index_on_postgres():
    BandFactory(name="Lantern Parade")
    query = Band.objects.alias(search_text=SearchText(*BAND_SEARCH_TEXT)).filter(search_text__icontains="lantern")
    sql, params = query.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        # The table is tiny; forbid the sequential scan so the plan shows whether the index fits the expression.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "bands_band_search_trgm" in plan


# ---- The page -------------------------------------------------------------------------------------


def test_search_page_shows_cards_with_what_bookers_compare(client, genres):
    band = BandFactory(
        name="The Night Owls",
        tagline="Four-piece indie rock",
        city="Berlin",
        country="DE",
        fee_min=1200,
        fee_max=2500,
        currency="EUR",
        genres=[genres["rock"]],
    )
    MembershipFactory.create_batch(4, band=band)
    BandFactory(name="Photographed")
    BandPhotoFactory(band=Band.objects.get(name="Photographed"), caption="Live in Leipzig")
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert result_names(response) == ["Photographed", "The Night Owls"]
    assert "Four-piece indie rock" in html
    assert re.search(r"Berlin,\s+Germany", html)
    assert "1,200–2,500 EUR" in html
    assert re.search(r'<span class="chip">\s*Rock\s*</span>', html)
    assert re.search(r"<dt>Members</dt>\s*<dd>\s*4\s*</dd>", html)
    assert 'alt="Live in Leipzig"' in html
    assert 'class="cover-placeholder"' in html
    assert "2 bands" in html


def test_filters_round_trip_through_the_url(client, genres):
    BandFactory(name="Match", genres=[genres["jazz"]], city="Hamburg", country="DE", fee_min=500, fee_max=900)
    query = "q=match&genre=jazz&genre=folk&city=Ham&country=DE&fee_min=400&fee_max=600&sort=newest"
    response = client.get(f"{URL}?{query}")
    html = response.content.decode()
    assert result_names(response) == ["Match"]
    assert 'name="q" value="match"' in html
    assert re.search(r'value="jazz" id="id_genre_\d+" checked', html)
    assert re.search(r'value="folk" id="id_genre_\d+" checked', html)
    assert not re.search(r'value="rock" id="id_genre_\d+" checked', html)
    assert 'name="city" value="Ham"' in html
    assert '<option value="DE" selected>Germany</option>' in html
    assert 'name="fee_min" value="400"' in html and 'name="fee_max" value="600"' in html
    assert '<option value="newest" selected>' in html


def test_form_works_without_javascript_and_updates_live_with_it(client):
    html = client.get(URL).content.decode()
    form = re.search(r'<form class="filters card"[^>]*>', html).group(0)
    assert 'method="get"' in form and f'action="{URL}"' in form
    assert f'hx-get="{URL}"' in form
    assert 'hx-trigger="input changed delay:300ms, change"' in form
    assert 'hx-target="#results"' in form and 'hx-push-url="true"' in form
    assert '<button type="submit">Show bands</button>' in html


def test_htmx_request_gets_only_the_results(client):
    BandFactory(name="Live Band")
    response = client.get(f"{URL}?q=live&city=&fee_min=&sort=name", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    # The address bar gets the search without the form's empty fields.
    assert response.headers["HX-Push-Url"] == f"{URL}?q=live&sort=name"
    assert "<html" not in html and "<form" not in html
    assert html.count('id="results"') == 1
    assert 'id="results-status"' in html and 'hx-swap-oob="innerHTML"' in html
    assert result_names(response) == ["Live Band"]


def test_back_button_history_restore_gets_the_whole_page(client):
    response = client.get(URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_results_are_paged_24_at_a_time_keeping_the_filters(client):
    for i in range(30):
        BandFactory(name=f"Band {i:02d}", city="Köln")
    first = client.get(f"{URL}?city=K%C3%B6ln")
    assert result_names(first) == [f"Band {i:02d}" for i in range(24)]
    assert "page 1 of 2" in first.content.decode()
    assert 'href="?city=K%C3%B6ln&amp;page=2"' in first.content.decode()
    second = client.get(f"{URL}?city=K%C3%B6ln&page=2")
    assert result_names(second) == [f"Band {i:02d}" for i in range(24, 30)]


@pytest.mark.parametrize(
    ("page", "expected_first"), [("9999", "Band 24"), ("x", "Band 00"), ("-1", "Band 24"), ("", "Band 00")]
)
def test_a_bad_page_number_falls_back_to_a_real_page(client, page, expected_first):
    for i in range(30):
        BandFactory(name=f"Band {i:02d}")
    response = client.get(f"{URL}?page={page}")
    assert response.status_code == 200
    assert result_names(response)[0] == expected_first


def test_fee_that_is_not_a_number_gets_a_message_and_the_other_filters_still_apply(client):
    BandFactory(name="Berlin Band", city="Berlin")
    BandFactory(name="Hamburg Band", city="Hamburg")
    response = client.get(f"{URL}?city=Berlin&fee_min=abc")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<ul class="errorlist" id="id_fee_min_error"><li>Enter a whole number.</li></ul>' in html
    assert "We left out filters we could not read" in html
    assert result_names(response) == ["Berlin Band"]


def test_fee_minimum_above_maximum_is_explained_and_the_fee_filter_left_out(client):
    BandFactory(name="Cheap", fee_min=100, fee_max=200)
    BandFactory(name="Dear", fee_min=5000, fee_max=9000)
    response = client.get(f"{URL}?fee_min=1000&fee_max=10")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The highest fee cannot be less than the lowest." in html
    assert result_names(response) == ["Cheap", "Dear"]


@pytest.mark.parametrize("bad", ["-5", "1e9999", "99999999999999999999", "1.5", "💸"])
def test_fee_out_of_range_or_odd_never_breaks_the_page(client, bad):
    BandFactory(name="Still here")
    response = client.get(URL, {"fee_min": bad, "fee_max": bad})
    assert response.status_code == 200
    assert result_names(response) == ["Still here"]
    assert 'id="id_fee_min_error"' in response.content.decode()


def test_unknown_genre_is_named_and_known_genres_still_apply(client, genres):
    BandFactory(name="Rockers", genres=[genres["rock"]])
    BandFactory(name="Jazzers", genres=[genres["jazz"]])
    response = client.get(f"{URL}?genre=rock&genre=polka-metal")
    html = response.content.decode()
    assert response.status_code == 200
    assert "We do not know the genre “polka-metal”" in html
    assert result_names(response) == ["Rockers"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("country=ZZ", "Pick a country from the list."),
        ("sort=cheapest", "Select a valid choice."),
        ("q=" + "x" * 101, "Ensure this value has at most 100 characters"),
        ("q=owl%00s", "Null characters are not allowed."),
        ("city=Ber%00lin", "Null characters are not allowed."),
    ],
)
def test_other_bad_filters_get_a_message_not_an_error(client, query, message):
    BandFactory(name="Owls")
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert result_names(response) == ["Owls"]


def test_country_from_a_shared_link_is_kept_even_without_listings_there(client):
    BandFactory(country="DE")
    response = client.get(f"{URL}?country=IS")
    html = response.content.decode()
    assert '<option value="IS" selected>Iceland</option>' in html
    assert "No bands match all of these filters" in html


def test_empty_results_suggest_loosening_and_each_filter_can_be_cleared(client, genres):
    BandFactory(name="Elsewhere", city="Paris")
    response = client.get(f"{URL}?q=owls&genre=rock&city=Berlin&fee_min=100&page=3")
    html = response.content.decode()
    assert "No bands match all of these filters" in html
    assert "Try loosening them" in html
    chips = dict(re.findall(r'<a class="chip chip--active"\s+href="([^"]+)">\s*([^<]+?)\s*<', html))
    assert set(chips.values()) == {"“owls”", "Rock", "City: Berlin", "Fee from 100"}
    by_label = {label: href.replace("&amp;", "&") for href, label in chips.items()}
    assert by_label["Rock"] == f"{URL}?q=owls&city=Berlin&fee_min=100"
    assert by_label["“owls”"] == f"{URL}?genre=rock&city=Berlin&fee_min=100"
    assert by_label["City: Berlin"] == f"{URL}?q=owls&genre=rock&fee_min=100"
    assert by_label["Fee from 100"] == f"{URL}?q=owls&genre=rock&city=Berlin"


def test_no_bands_at_all_says_so_without_blaming_filters(client):
    html = client.get(URL).content.decode()
    assert "0 bands" in html
    assert "No bands listed yet" in html
    assert "No bands match" not in html


def make_bands(count: int, genres) -> None:
    for i in range(count):
        band = BandFactory(genres=[genres["rock"], genres["jazz"]])
        MembershipFactory.create_batch(2, band=band)
        if i % 2:
            BandPhotoFactory.create_batch(2, band=band)


@pytest.mark.parametrize("count", [3, 30])
def test_search_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, genres, count):
    make_bands(count, genres)
    # genres, countries (the first time: then from the cache), count, page of bands, their genres, covers
    with django_assert_max_num_queries(6):
        response = client.get(f"{URL}?q=band&genre=rock&country=DE&fee_min=1&sort=newest")
    assert len(result_names(response)) == min(count, 24)
    with django_assert_max_num_queries(4):
        client.get(f"{URL}?q=band&genre=rock&country=DE&fee_min=1&sort=newest")
    with django_assert_max_num_queries(4):
        client.get(f"{URL}?q=band&page=2", headers={"HX-Request": "true"})


def test_the_filter_lists_come_from_the_cache_until_a_band_or_genre_changes(
    client, genres, django_capture_on_commit_callbacks
):
    """The genre and country lists are kept between requests; saving a band or a genre drops them, so a
    newly approved band's country is offered at once."""
    make_bands(3, genres)
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(URL).content.decode()
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "DISTINCT" not in sql and 'FROM "bands_genre" ORDER BY' not in sql
    assert 'value="NO"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        BandFactory(country="NO", genres=[genres["rock"]])
        GenreFactory(name="Polka", slug="polka")
    page = client.get(URL).content.decode()
    assert 'value="NO"' in page and 'value="polka"' in page


@pytest.mark.parametrize("count", [3, 30])
def test_search_page_for_a_logged_in_user_adds_only_session_and_user(
    client, django_assert_max_num_queries, genres, count
):
    make_bands(count, genres)
    client.force_login(MembershipFactory().user)
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200


@pytest.mark.parametrize("htmx", [False, True])
def test_a_page_of_24_cards_renders_a_handful_of_templates_not_some_per_card(client, genres, htmx):
    make_bands(30, genres)
    response = client.get(URL, headers={"HX-Request": "true"} if htmx else {})
    assert len(result_names(response)) == 24
    # The page and its frame's fragments (head, menu, heading, page count, pager, map, bell), each once,
    # whatever the number of cards.
    rendered = [t.name for t in response.templates if not t.name.startswith(FORM_TEMPLATES)]
    assert len(rendered) <= 14, rendered


def test_a_card_escapes_what_the_band_wrote(client, genres):
    BandFactory(name="<b>Bold</b> & Co", tagline='Say "hi" <script>', city="Köln & Umland", country="DE")
    html = client.get(URL).content.decode()
    assert result_names(client.get(URL)) == ["&lt;b&gt;Bold&lt;/b&gt; &amp; Co"]
    assert re.search(r"Say (&quot;|&#34;)hi(&quot;|&#34;) &lt;script&gt;", html)  # Jinja2 writes &#34;
    assert re.search(r'<span class="visually-hidden">From</span>\s+Köln &amp; Umland,\s+Germany', html)
    assert 'aria-hidden="true">&lt;</span>' in html  # the initial on the tinted tile
    assert "<script>" not in html.split('id="results"')[1]
