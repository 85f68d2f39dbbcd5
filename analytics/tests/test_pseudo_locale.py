"""Every word on the analytics pages is marked for translation: drawn in the pseudo-locale with figures,
charts and their tables."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.tests.pseudo_pages import words_left_unmarked
from teams.models import LinkStatus
from teams.tests.factories import group_for

from .factories import analytics_world, answered, months_ago, played, reviewed

pytestmark = pytest.mark.django_db


def test_the_analytics_pages_are_all_marked(client):
    w = analytics_world()
    reviewed(played(w.band, w.venue, months_ago(2), fee=400), 4, months_ago(2, day=20))
    answered(w.band, w.venue, months_ago(3), hours=5)
    _group, _owner, _booker, viewer, link = group_for(w.venue, name="Riverside", slug="riverside")
    type(link).objects.filter(pk=link.pk).update(status=LinkStatus.ACTIVE)
    band = reverse("analytics:band", args=[w.band.slug])
    client.force_login(w.leader)
    assert words_left_unmarked(client, [band]) == {}
    client.force_login(w.owner)
    assert words_left_unmarked(client, [reverse("analytics:venue", args=[w.venue.slug])]) == {}
    client.force_login(w.agent)
    assert words_left_unmarked(client, [reverse("analytics:organisation", args=[w.agency.slug])]) == {}
    client.force_login(viewer)
    assert words_left_unmarked(client, [reverse("analytics:organisation", args=["riverside"])]) == {}
    client.force_login(UserFactory(is_staff=True))
    assert words_left_unmarked(client, [reverse("analytics:platform")]) == {}
