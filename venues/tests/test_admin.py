import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus
from bands.tests.factories import GenreFactory
from venues.models import Venue
from venues.tests.factories import VenueFactory, VenuePhotoFactory, VenueStaffFactory

pytestmark = pytest.mark.django_db

VENUES = reverse("admin:venues_venue_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def act(client, action, venues, **extra):
    return client.post(VENUES, {"action": action, ACTION_CHECKBOX_NAME: [v.pk for v in venues], **extra})


def test_approve_and_return_to_review(staff_client):
    venue = VenueFactory(status=ApprovalStatus.PENDING)
    assert act(staff_client, "approve", [venue]).status_code == 302
    venue.refresh_from_db()
    assert venue.status == ApprovalStatus.APPROVED
    act(staff_client, "return_to_review", [venue])
    venue.refresh_from_db()
    assert venue.status == ApprovalStatus.PENDING


def test_suspend_needs_a_reason_and_then_hides_the_venue(staff_client, client):
    venue = VenueFactory()
    response = act(staff_client, "suspend", [venue])
    assert response.status_code == 200 and 'name="reason"' in response.content.decode()
    venue.refresh_from_db()
    assert venue.status == ApprovalStatus.APPROVED
    response = act(staff_client, "suspend", [venue], apply="yes", reason="Closed for good.")
    assert response.status_code == 302
    venue.refresh_from_db()
    assert (venue.status, venue.status_reason) == (ApprovalStatus.SUSPENDED, "Closed for good.")
    client.logout()
    assert client.get(reverse("venues:detail", args=[venue.slug])).status_code == 404


def test_venue_list_filters_and_search(staff_client):
    jazz = GenreFactory(name="Jazz", slug="jazz")
    VenueFactory(name="Jazz Cellar", city="Hamburg").genres.add(jazz)
    VenueFactory(name="Waiting Hall", city="Leeds", country="GB", status=ApprovalStatus.PENDING)

    def listed(query: str) -> set[str]:
        html = staff_client.get(f"{VENUES}?{query}").content.decode()
        return {name for name in ("Jazz Cellar", "Waiting Hall") if f">{name}</a>" in html}

    assert listed("status__exact=pending") == {"Waiting Hall"}
    assert listed(f"genres__id__exact={jazz.pk}") == {"Jazz Cellar"}
    assert listed("city=Hamburg") == {"Jazz Cellar"}
    assert listed("country=GB") == {"Waiting Hall"}
    assert listed("q=leeds") == {"Waiting Hall"}


@pytest.mark.parametrize("count", [3, 30])
def test_venue_list_has_a_fixed_query_count(staff_client, django_assert_max_num_queries, count):
    for _ in range(count):
        VenueStaffFactory(venue=VenueFactory(stages=["A", "B"]))
    # session, user, count, filtered count, page of rows, and the genre, country and city filter lists
    with django_assert_max_num_queries(8):
        assert staff_client.get(VENUES).status_code == 200


def test_change_page_has_staff_stages_and_photos_inline(staff_client):
    venue = VenueFactory(stages=["Backroom"])
    VenueStaffFactory(venue=venue, user=UserFactory(display_name="Bea Booker"))
    photo = VenuePhotoFactory(venue=venue)
    html = staff_client.get(reverse("admin:venues_venue_change", args=[venue.pk])).content.decode()
    assert "Bea Booker" in html
    assert 'value="Backroom"' in html
    assert f'<img src="{photo.image.url}"' in html
    assert Venue.objects.count() == 1
