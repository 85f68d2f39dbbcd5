import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus
from bands.tests.factories import GenreFactory, MembershipFactory
from venues.models import Stage, VenueStaff
from venues.tests.factories import VenueFactory, VenuePhotoFactory, VenueStaffFactory

pytestmark = pytest.mark.django_db


def page(client, venue):
    return client.get(reverse("venues:detail", args=[venue.slug]))


@pytest.fixture
def venue():
    venue = VenueFactory(
        name="Astra Kulturhaus",
        slug="astra",
        description="A former factory hall.\n\n<script>alert('x')</script> bands welcome.",
        address="Revaler Straße 99",
        postcode="10245",
        city="Berlin",
        region="Berlin",
        country="DE",
        capacity=1500,
        website="https://astra.example.com",
        stages=["Main hall"],
    )
    Stage.objects.filter(venue=venue).update(capacity=1500, notes="d&b PA, 8x6 m")
    venue.genres.add(GenreFactory(name="Indie", slug="indie"))
    VenueStaffFactory(venue=venue, user=UserFactory(display_name="Olga Owner", email="olga@astra.example"))
    return venue


def test_public_profile_shows_the_room_and_not_its_people(client, venue):
    VenuePhotoFactory(venue=venue, caption="The hall from the balcony")
    response = page(client, venue)
    html = response.content.decode()
    assert response.status_code == 200
    for text in ["Astra Kulturhaus", "A former factory hall.", "Revaler Straße 99", "10245", "Main hall", "Indie"]:
        assert text in html, text
    assert "d&amp;b PA, 8x6 m" in html
    assert re.search(r"<dt>Capacity</dt>\s*<dd>\s*1,500\s*</dd>", html)
    assert 'alt="The hall from the balcony"' in html
    assert re.search(r'href="https://astra.example.com"\s+rel="noopener nofollow"\s+target="_blank"', html)
    assert "Olga Owner" not in html and "olga@astra.example" not in html


def test_description_is_escaped(client, venue):
    html = page(client, venue).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; bands welcome." in html


def test_unknown_venue_is_404(client):
    assert client.get(reverse("venues:detail", args=["nowhere"])).status_code == 404


@pytest.mark.parametrize("status", [ApprovalStatus.PENDING, ApprovalStatus.SUSPENDED])
def test_unlisted_venue_is_hidden_from_everyone_but_its_staff_and_stageslot_staff(client, venue, status):
    venue.status, venue.status_reason = status, "Address could not be verified."
    venue.save()
    assert page(client, venue).status_code == 404
    client.force_login(UserFactory())
    assert page(client, venue).status_code == 404
    client.force_login(MembershipFactory().user)
    assert page(client, venue).status_code == 404
    client.force_login(VenueStaffFactory(venue=VenueFactory(), role=VenueStaff.Role.OWNER).user)
    assert page(client, venue).status_code == 404

    client.force_login(VenueStaffFactory(venue=venue, role=VenueStaff.Role.BOOKER).user)
    response = page(client, venue)
    assert response.status_code == 200
    html = response.content.decode()
    if status == ApprovalStatus.PENDING:
        assert "Awaiting approval" in html
    else:
        assert "Suspended" in html and "Address could not be verified." in html

    client.force_login(UserFactory(is_staff=True))
    assert page(client, venue).status_code == 200


@pytest.mark.parametrize("role", [VenueStaff.Role.OWNER, VenueStaff.Role.BOOKER])
def test_venue_staff_see_a_manage_link(client, venue, role):
    client.force_login(VenueStaffFactory(venue=venue, role=role).user)
    assert f'href="/venues/{venue.slug}/manage/"' in page(client, venue).content.decode()


def test_visitors_see_no_manage_link(client, venue):
    client.force_login(UserFactory())
    assert "/manage/" not in page(client, venue).content.decode()


@pytest.mark.parametrize(("stages", "photos", "staff"), [(0, 0, 0), (6, 8, 5)])
def test_profile_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, venue, stages, photos, staff):
    for i in range(stages):
        Stage.objects.create(venue=venue, name=f"Room {i}")
    VenuePhotoFactory.create_batch(photos, venue=venue)
    VenueStaffFactory.create_batch(staff, venue=venue, role=VenueStaff.Role.BOOKER)
    # venue, genres, photos, stages, staff roles
    with django_assert_max_num_queries(5):
        assert page(client, venue).status_code == 200
    client.force_login(UserFactory())
    # … and for a signed-in viewer the block rule (accounts.blocks.hidden_from).
    with django_assert_max_num_queries(8):
        assert page(client, venue).status_code == 200
