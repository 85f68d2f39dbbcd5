import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus, Band, Genre
from bands.tests.factories import BandFactory, BandPhotoFactory, GenreFactory, MembershipFactory
from venues.tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

GENRES = reverse("admin:bands_genre_changelist")
BANDS = reverse("admin:bands_band_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def act(client, url, action, objects, **extra):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra})


# ---- Genres ---------------------------------------------------------------------------------------


def test_staff_add_and_rename_genres(staff_client):
    response = staff_client.post(reverse("admin:bands_genre_add"), {"name": "Shoegaze", "slug": "shoegaze"})
    assert response.status_code == 302
    genre = Genre.objects.get(slug="shoegaze")
    response = staff_client.post(
        reverse("admin:bands_genre_change", args=[genre.pk]), {"name": "Shoegaze & dream pop", "slug": "shoegaze"}
    )
    assert response.status_code == 302
    genre.refresh_from_db()
    assert genre.name == "Shoegaze & dream pop"


def test_genre_list_counts_bands_and_venues(staff_client):
    rock = GenreFactory(name="Rock", slug="rock")
    BandFactory.create_batch(3, genres=[rock])
    VenueFactory().genres.add(rock)
    html = staff_client.get(GENRES).content.decode()
    assert '<td class="field-band_count">3</td>' in html
    assert '<td class="field-venue_count">1</td>' in html


@pytest.mark.parametrize("count", [3, 30])
def test_genre_list_has_a_fixed_query_count(staff_client, django_assert_max_num_queries, count):
    for i in range(count):
        genre = GenreFactory(name=f"Genre {i}", slug=f"genre-{i}")
        BandFactory(genres=[genre])
        VenueFactory().genres.add(genre)
    with django_assert_max_num_queries(5):
        assert staff_client.get(GENRES).status_code == 200


def test_merge_asks_which_genre_to_keep(staff_client):
    hiphop, rap = GenreFactory(name="Hip hop", slug="hip-hop"), GenreFactory(name="Rap", slug="rap")
    response = act(staff_client, GENRES, "merge_genres", [hiphop, rap])
    html = response.content.decode()
    assert response.status_code == 200
    assert "Merge genres" in html and 'name="target"' in html
    assert Genre.objects.count() == 2


def test_merge_moves_bands_and_venues_and_deletes_the_merged_genres(staff_client):
    hiphop = GenreFactory(name="Hip hop", slug="hip-hop")
    rap = GenreFactory(name="Rap", slug="rap")
    hip_hop = GenreFactory(name="Hip-Hop", slug="hip-hop-2")
    jazz = GenreFactory(name="Jazz", slug="jazz")
    only_rap = BandFactory(genres=[rap, jazz])
    both = BandFactory(genres=[rap, hip_hop, hiphop])
    untouched = BandFactory(genres=[jazz])
    venue = VenueFactory()
    venue.genres.add(hip_hop)
    response = act(staff_client, GENRES, "merge_genres", [hiphop, rap, hip_hop], apply="yes", target=hiphop.pk)
    assert response.status_code == 302
    assert set(Genre.objects.values_list("slug", flat=True)) == {"hip-hop", "jazz"}
    assert set(only_rap.genres.all()) == {hiphop, jazz}
    assert list(both.genres.all()) == [hiphop]
    assert list(untouched.genres.all()) == [jazz]
    assert list(venue.genres.all()) == [hiphop]


def test_merge_without_a_target_changes_nothing(staff_client):
    rap, jazz = GenreFactory(name="Rap", slug="rap"), GenreFactory(name="Jazz", slug="jazz")
    response = act(staff_client, GENRES, "merge_genres", [rap, jazz], apply="yes", target="")
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Genre.objects.count() == 2


def test_merge_into_the_only_selected_genre_is_a_no_op_with_a_message(staff_client):
    rap = GenreFactory(name="Rap", slug="rap")
    data = {"action": "merge_genres", ACTION_CHECKBOX_NAME: [rap.pk], "apply": "yes", "target": rap.pk}
    response = staff_client.post(GENRES, data, follow=True)
    assert "Pick a genre other than the ones being merged." in response.content.decode()
    assert Genre.objects.filter(pk=rap.pk).exists()


# ---- Bands ------------------------------------------------------------------------------------------


def test_approve_lists_bands_publicly(staff_client, client):
    bands = BandFactory.create_batch(2, status=ApprovalStatus.PENDING)
    response = act(staff_client, BANDS, "approve", bands)
    assert response.status_code == 302
    assert set(Band.objects.values_list("status", flat=True)) == {ApprovalStatus.APPROVED}
    assert Band.objects.filter(status_changed_at__isnull=False).count() == 2


def test_suspend_asks_for_a_reason_first(staff_client):
    band = BandFactory()
    response = act(staff_client, BANDS, "suspend", [band])
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    band.refresh_from_db()
    assert band.status == ApprovalStatus.APPROVED


def test_suspend_without_a_reason_is_refused(staff_client):
    band = BandFactory()
    response = act(staff_client, BANDS, "suspend", [band], apply="yes", reason="  ")
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    band.refresh_from_db()
    assert band.status == ApprovalStatus.APPROVED


def test_suspend_with_a_reason_hides_the_band_and_keeps_the_reason(staff_client, client):
    band = BandFactory()
    response = act(staff_client, BANDS, "suspend", [band], apply="yes", reason="Impersonates another band.")
    assert response.status_code == 302
    band.refresh_from_db()
    assert (band.status, band.status_reason) == (ApprovalStatus.SUSPENDED, "Impersonates another band.")
    client.logout()
    assert client.get(reverse("bands:detail", args=[band.slug])).status_code == 404


def test_return_to_review_unlists(staff_client):
    band = BandFactory()
    act(staff_client, BANDS, "return_to_review", [band])
    band.refresh_from_db()
    assert band.status == ApprovalStatus.PENDING


def test_non_staff_cannot_run_actions(client):
    band = BandFactory(status=ApprovalStatus.PENDING)
    client.force_login(MembershipFactory(band=band).user)
    response = act(client, BANDS, "approve", [band])
    assert response.status_code == 302 and "/admin/login/" in response.url
    band.refresh_from_db()
    assert band.status == ApprovalStatus.PENDING


def test_band_list_filters_and_search(staff_client):
    rock = GenreFactory(name="Rock", slug="rock")
    BandFactory(name="Berlin Rock", city="Berlin", country="DE", genres=[rock])
    BandFactory(name="Paris Waiting", city="Paris", country="FR", status=ApprovalStatus.PENDING)

    def listed(query: str) -> set[str]:
        html = staff_client.get(f"{BANDS}?{query}").content.decode()
        return {name for name in ("Berlin Rock", "Paris Waiting") if f">{name}</a>" in html}

    assert listed("status__exact=pending") == {"Paris Waiting"}
    assert listed(f"genres__id__exact={rock.pk}") == {"Berlin Rock"}
    assert listed("country=FR") == {"Paris Waiting"}
    assert listed("city=Berlin") == {"Berlin Rock"}
    assert listed("q=paris") == {"Paris Waiting"}


@pytest.mark.parametrize("count", [3, 30])
def test_band_list_has_a_fixed_query_count(staff_client, django_assert_max_num_queries, count):
    rock = GenreFactory(name="Rock", slug="rock")
    for _ in range(count):
        MembershipFactory.create_batch(2, band=BandFactory(genres=[rock]))
    # session, user, count, filtered count, page of rows, and the genre, country and city filter lists
    with django_assert_max_num_queries(8):
        response = staff_client.get(BANDS)
    assert response.status_code == 200


def test_band_change_page_shows_members_and_photos_inline(staff_client):
    band = BandFactory()
    MembershipFactory(band=band, user=UserFactory(display_name="Inline Person"), instrument="Theremin")
    photo = BandPhotoFactory(band=band)
    html = staff_client.get(reverse("admin:bands_band_change", args=[band.pk])).content.decode()
    assert "Theremin" in html
    assert "Inline Person" in html
    assert f'<img src="{photo.image.url}"' in html
