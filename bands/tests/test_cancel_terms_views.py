"""The band's cancellation terms on /bands/<slug>/manage/packages/: leaders and admins set them through
the bands service; a refused value changes nothing and the page keeps showing the stored terms."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.models import Membership

from .factories import BandFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _band_with(role: str):
    band = BandFactory()
    member = MembershipFactory(band=band, role=role).user
    return band, member


def test_a_leader_saves_the_terms(client, django_assert_max_num_queries):
    band, leader = _band_with(Membership.Role.LEADER)
    client.force_login(leader)
    url = reverse("bands:packages", args=[band.slug])
    with django_assert_max_num_queries(12):
        answer = client.post(url, {"terms-cancel_free_days": 14, "terms-cancel_late_percent": 80})
    assert answer.status_code == 302
    band.refresh_from_db()
    assert (band.cancel_free_days, band.cancel_late_percent) == (14, 80)


def test_a_refused_value_changes_nothing_and_the_page_keeps_the_stored_terms(client):
    band, leader = _band_with(Membership.Role.LEADER)
    client.force_login(leader)
    answer = client.post(
        reverse("bands:packages", args=[band.slug]), {"terms-cancel_free_days": 14, "terms-cancel_late_percent": 150}
    )
    assert answer.status_code == 400
    assert answer.context["band"].cancel_late_percent == 50
    band.refresh_from_db()
    assert (band.cancel_free_days, band.cancel_late_percent) == (30, 50)


@pytest.mark.parametrize("who", ["member", "stranger"])
def test_only_leaders_and_admins_change_the_terms(client, who):
    band, member = _band_with(Membership.Role.MEMBER)
    client.force_login(member if who == "member" else UserFactory())
    answer = client.post(
        reverse("bands:packages", args=[band.slug]), {"terms-cancel_free_days": 1, "terms-cancel_late_percent": 0}
    )
    assert answer.status_code in (403, 404)
    band.refresh_from_db()
    assert (band.cancel_free_days, band.cancel_late_percent) == (30, 50)
