"""Every word on the organisation pages is marked for translation, each page drawn in the pseudo-locale with
people, invites, bands, venues and requests on it."""

import pytest
from django.urls import reverse

from bands.tests.pseudo_pages import words_left_unmarked
from bookings.tests.factories import band_with_leader, venue_with_owner
from teams import services
from teams.models import Representation, Role

from .factories import agency_for, group_for

pytestmark = pytest.mark.django_db


def test_the_organisation_pages_are_all_marked(client):
    band, _leader = band_with_leader()
    agency, owner, _agent, _viewer = agency_for(band)
    asked, asked_leader = band_with_leader()
    services.representation_ask(organisation=agency, by=owner, band=asked, message="We route tours in spring.")
    services.org_invite_create(organisation=agency, by=owner, email="new@example.com", role=Role.BOOKER)
    venue, venue_owner = venue_with_owner()
    group, group_owner, *_rest = group_for(venue)
    client.force_login(owner)
    urls = [
        reverse("teams:list"),
        reverse("teams:new"),
        reverse("teams:detail", args=[agency.slug]),
        reverse("teams:band", args=[agency.slug, band.slug]),
    ]
    assert words_left_unmarked(client, urls) == {}
    client.force_login(asked_leader)
    assert Representation.objects.filter(band=asked).exists()
    assert words_left_unmarked(client, [reverse("teams:band_agencies", args=[asked.slug])]) == {}
    client.force_login(venue_owner)
    assert words_left_unmarked(client, [reverse("teams:venue_groups", args=[venue.slug])]) == {}
    client.force_login(group_owner)
    assert words_left_unmarked(client, [reverse("teams:detail", args=[group.slug])]) == {}
