"""Every word on the band pages is marked for translation: each page drawn in the pseudo-locale."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bands.models import Membership
from bands.packages import package_create
from bands.tests.factories import BandEmbedFactory, BandInviteFactory, BandPhotoFactory, MembershipFactory
from bands.tests.pseudo_pages import words_left_unmarked
from bookings.tests.factories import band_with_leader

pytestmark = [pytest.mark.django_db, pytest.mark.slow(reason="renders every page of its area in the pseudo-locale")]


@pytest.fixture
def band_world():
    band, leader = band_with_leader(tagline="Loud and on time", set_length_minutes=90, rider="Two mics.")
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER, required=False).user
    BandPhotoFactory(band=band)
    BandEmbedFactory(band=band)
    BandInviteFactory(band=band, created_by=leader, email="drummer@example.com", max_uses=3)
    package_create(band=band, by=leader, name="Two sets", price=900, sets=2, set_minutes=45, travel_included_km=50)
    package_create(band=band, by=leader, name="Per hour", price=150, price_unit="hour", travel_fee=80, instant=True)
    return {"band": band, "leader": leader, "member": member}


def test_the_public_band_pages_are_all_marked(client, band_world):
    band = band_world["band"]
    urls = [reverse("bands:search"), reverse("bands:detail", args=[band.slug])]
    assert words_left_unmarked(client, urls) == {}


def test_the_leaders_band_pages_are_all_marked(client, band_world):
    band, leader = band_world["band"], band_world["leader"]
    client.force_login(leader)
    member = band.memberships.exclude(user=leader).first()
    today = timezone.localdate()
    urls = [
        reverse("bands:create"),
        *(
            reverse(f"bands:{name}", args=[band.slug])
            for name in ("manage", "links", "gig_times", "photos", "embeds", "packages", "members", "invites")
        ),
        reverse("gigs:member_edit", args=[band.slug, member.pk]),
        reverse("bands:calendar", args=[band.slug]),
        reverse("bands:calendar", args=[band.slug]) + f"?view=week&date={today.isoformat()}",
        reverse("bands:calendar_find", args=[band.slug]),
        reverse("bands:calendar_find", args=[band.slug])
        + f"?start={today.isoformat()}&end={(today + dt.timedelta(days=14)).isoformat()}",
    ]
    assert words_left_unmarked(client, urls) == {}


def test_a_members_band_pages_are_all_marked(client, band_world):
    band = band_world["band"]
    client.force_login(band_world["member"])
    urls = [reverse("bands:members", args=[band.slug]), reverse("bands:calendar", args=[band.slug])]
    assert words_left_unmarked(client, urls) == {}
