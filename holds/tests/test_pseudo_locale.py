"""Every word on the hold pages is marked for translation, drawn in the pseudo-locale with a challenged 1st
hold, a 2nd, a 3rd, an ended one and a form with its errors."""

import pytest
from django.urls import reverse

from bands.tests.pseudo_pages import words_left_unmarked
from holds import services
from holds.requests import hold_request_answer, hold_request_many
from teams.tests.factories import agency_for

from .factories import hold_world

pytestmark = pytest.mark.django_db


def test_the_hold_pages_are_all_marked(client):
    w = hold_world()
    times = {"starts_at": w.start, "ends_at": w.end, "expires_at": w.expires}
    services.hold_place(by=w.owner, stage=w.stage, band=w.bands[0], note="Residency", **times)
    second = services.hold_place(by=w.promoter, stage=w.stage, band=w.bands[1], **times)
    third = services.hold_place(by=w.promoter, stage=w.stage, band=w.bands[2], **times)
    services.hold_challenge(hold=second, by=w.promoter)
    services.hold_release(hold=third, by=w.owner)
    # An agency asks Kellerbar and another venue: one question open, one said no to.
    _agency, _owner, agent, _viewer = agency_for(w.bands[3], name="Northside Agency", slug="northside", may_hold=True)
    _kellerbar, lido = hold_request_many(
        by=agent, band=w.bands[3], venues=[w.venue, w.other_venue], starts_at=w.start, ends_at=w.end, note="Tour"
    )
    hold_request_answer(request=lido, by=w.other_owner, accept=False)
    client.force_login(w.owner)
    assert words_left_unmarked(client, [reverse("holds:venue", args=[w.venue.slug])]) == {}
    client.force_login(w.leaders[1])
    assert words_left_unmarked(client, [reverse("holds:band", args=[w.bands[1].slug])]) == {}
    client.force_login(agent)
    assert words_left_unmarked(client, [reverse("holds:band", args=[w.bands[3].slug])]) == {}
