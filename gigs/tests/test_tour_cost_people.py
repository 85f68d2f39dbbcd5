"""A tour's cost for someone of its party (issue 82, decision 0134): the driver's fee names the driver by reference
– shown by their name now, "Former member" once they are erased, the line and its money kept for the band's books –
and never by a name typed into the label. Tried as the leader, a member, the driver and an outsider."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from stageslot.privacy.erasure import account_close, account_erase

from ..models import TourCost
from ..services import tours
from .factories import tour_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = tour_world(suffix="k")
    w.tour = tours.tour_create(band=w.band, by=w.leader, name="Spring run", bookings=w.gigs)
    tours.tour_traveller_add(tour=w.tour, by=w.leader, user=w.crew, role="driver", sees_money=True)
    return w


def money(client, user, world) -> str:
    client.force_login(user)
    response = client.get(reverse("gigs:tour_money", args=[world.tour.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_leader_names_whom_a_cost_is_for_and_the_party_reads_their_name(client, world):
    html = money(client, world.leader, world)
    assert 'name="person"' in html and "Dana Driver" in html and "Max Member" in html
    response = client.post(
        reverse("gigs:tour_money", args=[world.tour.pk]),
        {"kind": "crew_fees", "label": "Driver's fee", "planned": "300", "person": str(world.crew.pk)},
    )
    assert response.status_code == 302
    cost = TourCost.objects.get()
    assert (cost.person, cost.label) == (world.crew, "Driver's fee")
    assert "Driver&#x27;s fee – Dana Driver" in money(client, world.crew, world)
    world.crew.display_name = "Dana Drive"
    world.crew.save(update_fields=["display_name"])
    assert "– Dana Drive ·" in " ".join(money(client, world.leader, world).split())


def test_someone_outside_the_party_cannot_be_named(client, world):
    client.force_login(world.leader)
    for pk in (world.stranger.pk, world.other_leader.pk, "x"):
        response = client.post(
            reverse("gigs:tour_money", args=[world.tour.pk]), {"kind": "crew_fees", "planned": "1", "person": pk}
        )
        assert response.status_code == 400
    assert not TourCost.objects.exists()
    with pytest.raises(Exception, match="touring party"):
        tours.tour_cost_add(
            tour=world.tour, by=world.leader, kind="other", planned_minor=1, person_id=world.stranger.pk
        )


def test_erasing_the_driver_keeps_the_line_and_its_money_as_former_member(client, world):
    tours.tour_cost_add(
        tour=world.tour, by=world.leader, kind="crew_fees", label="Driver's fee", planned_minor=30000,
        person_id=world.crew.pk,
    )  # fmt: skip
    now = timezone.now()
    closure = account_close(user=world.crew, now=now)
    assert account_erase(closure_id=closure.pk, now=now + dt.timedelta(days=31))
    cost = TourCost.objects.get()
    assert (cost.person_id, cost.label, cost.planned_minor) == (world.crew.pk, "Driver's fee", 30000)
    html = " ".join(money(client, world.leader, world).split())
    assert "Driver&#x27;s fee – Former member" in html and "Dana" not in html
