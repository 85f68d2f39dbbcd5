"""Blocking from a band's, a venue's and a booking's page, and the list with Unblock: who may do what (the
one who blocked, another user, staff, a stranger, the anonymous visitor), bad input, and that nothing else
changes."""

import pytest
from django.urls import reverse

from accounts.models import Block
from accounts.tests.factories import UserFactory
from bookings.tests.test_blocks import block, page
from bookings.tests.test_detail_views import make_world
from teams.tests.factories import agency_for

pytestmark = pytest.mark.django_db

NEW = reverse("bookings:block_new")
LIST = reverse("bookings:blocks")


@pytest.fixture
def w():
    world = make_world()
    world.staff = UserFactory(is_staff=True)
    world.stranger = UserFactory()
    return world


def test_a_leader_blocks_a_client_for_the_band_from_the_booking_page(client, w):
    client.force_login(w.leader)
    detail = page(client.get(reverse("bookings:detail", args=[w.request.uid])))
    assert f"{NEW}?booking={w.request.uid}" in detail
    form = client.get(NEW, {"booking": w.request.uid})
    assert form.status_code == 200 and "Block Anna Client" in page(form)
    assert "The Night Shift" in page(form)  # may block for the band it leads
    response = client.post(NEW, {"booking": w.request.uid, "voice": f"band:{w.band.pk}"})
    assert response.status_code == 302 and response.url == LIST
    made = Block.objects.get()
    assert (made.blocker_kind, made.blocker_id, made.blocked_kind, made.blocked_id) == (
        "band",
        w.band.pk,
        "user",
        w.client.pk,
    )
    assert client.post(NEW, {"booking": w.request.uid, "voice": f"band:{w.band.pk}"}).status_code == 302
    assert Block.objects.count() == 1  # blocking twice is the block already there
    listing = page(client.get(LIST))
    assert "Anna Client" in listing and reverse("bookings:block_lift", args=[made.pk]) in listing


def test_a_member_blocks_for_themselves_only(client, w):
    client.force_login(w.member)
    response = client.post(NEW, {"booking": w.request.uid, "voice": f"band:{w.band.pk}"})
    assert response.status_code == 400 and "Choose yourself" in page(response)
    assert not Block.objects.exists()
    assert client.post(NEW, {"booking": w.request.uid, "voice": f"user:{w.member.pk}"}).status_code == 302
    assert Block.objects.filter(blocker_kind="user", blocker_id=w.member.pk, blocked_id=w.client.pk).exists()


def test_a_client_blocks_a_band_and_an_owner_blocks_it_for_the_venue(client, w):
    client.force_login(w.client)
    assert client.post(NEW, {"band": w.band.slug, "voice": f"user:{w.client.pk}"}).status_code == 302
    client.force_login(w.owner)
    assert client.post(NEW, {"band": w.band.slug, "voice": f"venue:{w.venue.pk}"}).status_code == 302
    client.force_login(w.leader)
    assert client.post(NEW, {"venue": w.venue.slug, "voice": f"band:{w.band.pk}"}).status_code == 302
    assert Block.objects.count() == 3


def test_an_agency_s_owner_blocks_for_the_band_from_the_booking_page_and_its_viewer_cannot(client, w):
    _agency, owner, _agent, viewer = agency_for(w.band)
    client.force_login(viewer)
    assert client.get(NEW, {"booking": w.request.uid}).status_code == 404
    client.force_login(owner)
    form = client.get(NEW, {"booking": w.request.uid})
    assert form.status_code == 200 and "Block Anna Client" in page(form) and "The Night Shift" in page(form)
    assert client.post(NEW, {"booking": w.request.uid, "voice": f"band:{w.band.pk}"}).status_code == 302
    made = Block.objects.get()
    assert (made.blocker_kind, made.blocker_id, made.created_by) == ("band", w.band.pk, owner)


@pytest.mark.parametrize("who", ["stranger", "staff", "other_client"])
def test_a_booking_one_is_not_part_of_blocks_nobody(client, w, who):
    client.force_login(getattr(w, who))
    assert client.get(NEW, {"booking": w.request.uid}).status_code == 404
    assert client.post(NEW, {"booking": w.request.uid, "voice": f"user:{getattr(w, who).pk}"}).status_code == 404
    assert not Block.objects.exists()


@pytest.mark.parametrize(
    "query",
    [{}, {"band": "nobody"}, {"venue": "nowhere"}, {"booking": "not-a-uuid"}, {"booking": "\x00"}, {"user": "1"}],
)
def test_bad_targets_are_a_404_never_a_500(client, w, query):
    client.force_login(w.leader)
    assert client.get(NEW, query).status_code == 404
    # A NUL in a form is refused before any view reads it (stageslot/tests/test_abuse.py).
    assert client.post(NEW, {**query, "voice": f"user:{w.leader.pk}"}).status_code in (400, 404)
    assert not Block.objects.exists()


def test_one_cannot_block_oneself_or_for_someone_else(client, w):
    client.force_login(w.leader)
    own = client.post(NEW, {"band": w.band.slug, "voice": f"band:{w.band.pk}"})
    assert own.status_code == 400 and "cannot block yourself" in page(own)
    other = client.post(NEW, {"band": w.other_band.slug, "voice": f"venue:{w.venue.pk}"})
    assert other.status_code == 400
    assert not Block.objects.exists()


def test_the_anonymous_visitor_is_sent_to_sign_in(client, w):
    for response in (client.get(NEW, {"band": w.band.slug}), client.get(LIST)):
        assert response.status_code == 302 and "login" in response.url
    made = block(w.band, w.client)
    assert client.post(reverse("bookings:block_lift", args=[made.pk])).status_code == 302
    assert Block.objects.filter(pk=made.pk).exists()


@pytest.mark.parametrize("who", ["member", "stranger", "staff", "client"])
def test_only_who_may_speak_for_the_blocker_lifts_a_block(client, w, who):
    made = block(w.band, w.client)
    client.force_login(getattr(w, who))
    lift = reverse("bookings:block_lift", args=[made.pk])
    assert client.post(lift).status_code == 404
    assert lift not in page(client.get(LIST))
    assert Block.objects.filter(pk=made.pk).exists()


def test_the_leader_unblocks_from_the_list_and_a_get_changes_nothing(client, w):
    made = block(w.band, w.client)
    client.force_login(w.leader)
    lift = reverse("bookings:block_lift", args=[made.pk])
    assert client.get(lift).status_code == 405
    assert Block.objects.exists()
    response = client.post(lift, follow=True)
    assert "Anna Client is unblocked." in page(response)
    assert not Block.objects.exists()
    assert client.post(lift).status_code == 404


def test_the_profile_links_to_the_list_and_the_band_and_venue_pages_to_blocking(client, w):
    client.force_login(w.client)
    assert LIST in page(client.get(reverse("accounts:profile")))
    assert f"{NEW}?band={w.band.slug}" in page(client.get(reverse("bands:detail", args=[w.band.slug])))
    assert f"{NEW}?venue={w.venue.slug}" in page(client.get(reverse("venues:detail", args=[w.venue.slug])))
