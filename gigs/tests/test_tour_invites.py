"""Inviting someone onto a tour (issue 82, decision 0134): the band asks by address and learns nothing of who has an
account; the person reached joins only by their own yes, signed in with any account or a new one; the band is told.
Tried as the leader who invites, the person invited (with an account, without one, in German), a member of the
band, another band's leader, a stranger and the anonymous visitor."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Block, Notification
from accounts.people import people_draw
from accounts.tests.factories import UserFactory
from bookings.errors import BookingPermissionError

from ..models import TourInvite, TourTraveller
from ..selectors.tours import tour_invite_path
from ..services import tours
from .factories import tour_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = tour_world(suffix="i")
    w.tour = tours.tour_create(band=w.band, by=w.leader, name="Spring run", bookings=w.gigs)
    return w


def invite_by_page(client, world, email: str, *, role: str = "driver", money: bool = False):
    client.force_login(world.leader)
    data = {"email": email, "role": role} | ({"sees_money": "on"} if money else {})
    return client.post(reverse("gigs:tour_traveller_add", args=[world.tour.pk]), data, follow=True)


def link_in(message) -> str:
    found = re.search(r"https?://\S+/join/\S+/", message.body)
    assert found, message.body
    return found.group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_the_answer_is_the_same_whether_the_address_has_an_account_or_not(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = invite_by_page(client, world, world.crew.email)
        unknown = invite_by_page(client, world, "nobody.yet@example.test")
    assert known.status_code == unknown.status_code == 200

    def said(response, email):
        text = response.content.decode().replace(email, "ADDRESS")
        flashes = re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', text, flags=re.S)
        return [" ".join(f.split()) for f in flashes]

    assert said(known, world.crew.email) == said(unknown, "nobody.yet@example.test")
    assert any("invitation is on its way" in line for line in said(known, world.crew.email))
    assert "Nobody has an account" not in known.content.decode() + unknown.content.decode()
    # Both get the same kind of mail; nobody is on the tour yet.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.crew.email.lower(), "nobody.yet@example.test"])
    assert {m.subject.split(" invites")[0] for m in mail.outbox} == {"Lea Leader"}
    assert not TourTraveller.objects.filter(tour=world.tour).exists()
    assert TourInvite.objects.filter(tour=world.tour).count() == 2
    assert not Notification.objects.filter(recipient=world.crew).exists()


def test_the_person_invited_joins_by_their_own_yes_and_the_band_is_told(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite_by_page(client, world, world.crew.email, role="sound", money=True)
    url = path_of(link_in(mail.outbox[-1]))
    client.logout()
    # Anonymous: asked to sign in or sign up, and nothing happens.
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Spring run" in html and "Road Dogsi" in html and "sound engineer" in html
    assert client.post(url).status_code == 302 and not TourTraveller.objects.exists()
    # Signed in: a GET only asks.
    client.force_login(world.crew)
    assert "Join the tour" in client.get(url).content.decode()
    assert not TourTraveller.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("gigs:tour", args=[world.tour.pk])
    traveller = TourTraveller.objects.get(tour=world.tour)
    assert (traveller.user, traveller.role, traveller.sees_money, traveller.added_by) == (
        world.crew,
        "sound",
        True,
        world.leader,
    )
    told = Notification.objects.get(recipient=world.leader, kind="tour_party")
    assert "Dana Driver accepted your invitation" in people_draw(told.text) and "Dana" not in told.text
    assert told.actor == world.crew
    assert not Notification.objects.filter(recipient=world.member, kind="tour_party").exists()
    assert client.get(reverse("gigs:tour", args=[world.tour.pk])).status_code == 200
    # Opened again: already on the tour, nothing more is used.
    again = client.get(url)
    assert again.status_code == 200 and "already in" in again.content.decode()
    assert TourTraveller.objects.filter(tour=world.tour).count() == 1


def test_someone_without_an_account_signs_up_on_the_way_and_then_travels(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite_by_page(client, world, "new.person@example.test")
    url = path_of(link_in(mail.outbox[-1]))
    client.logout()
    assert "Sign up" in client.get(url).content.decode()
    newcomer = UserFactory(email="someone.else@example.test", display_name="Nia New")
    client.force_login(newcomer)
    # Signed in with another address: asked, not refused (the link is the invitation).
    assert client.post(url).status_code == 302
    assert TourTraveller.objects.filter(tour=world.tour, user=newcomer).exists()


def test_a_member_of_the_band_has_nothing_to_accept(client, world):
    with pytest.raises(Exception, match="member of the band"):
        tours.tour_traveller_invite(tour=world.tour, by=world.leader, email=world.member.email, role="driver")
    invite = tours.tour_traveller_invite(tour=world.tour, by=world.leader, email="x@example.test", role="crew")
    client.force_login(world.member)
    page = client.get(tour_invite_path(invite=invite))
    assert page.status_code == 200 and "already in" in page.content.decode()
    assert client.post(tour_invite_path(invite=invite)).status_code == 302
    assert not TourTraveller.objects.exists()
    invite.refresh_from_db()
    assert invite.uses == 0


def test_withdrawn_expired_and_used_links_say_why_and_add_nobody(client, world):
    invite = tours.tour_traveller_invite(tour=world.tour, by=world.leader, email=world.crew.email, role="driver")
    client.force_login(world.leader)
    assert client.post(reverse("gigs:tour_invite_withdraw", args=[world.tour.pk, invite.pk])).status_code == 302
    client.force_login(world.crew)
    response = client.post(tour_invite_path(invite=invite))
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    assert not TourTraveller.objects.exists()
    # A fresh one, accepted by one person, is used up for the next.
    again = tours.tour_traveller_invite(tour=world.tour, by=world.leader, email=world.crew.email, role="driver")
    assert again.pk != invite.pk
    assert client.post(tour_invite_path(invite=again)).status_code == 302
    client.force_login(world.stranger)
    assert client.post(tour_invite_path(invite=again)).status_code == 410
    assert list(TourTraveller.objects.values_list("user", flat=True)) == [world.crew.pk]


def test_the_same_invitation_twice_is_sent_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = tours.tour_traveller_invite(tour=world.tour, by=world.leader, email=world.crew.email, role="driver")
        second = tours.tour_traveller_invite(
            tour=world.tour, by=world.leader, email=world.crew.email.upper(), role="driver"
        )
        other_role = tours.tour_traveller_invite(tour=world.tour, by=world.leader, email=world.crew.email, role="crew")
    assert first.pk == second.pk != other_role.pk
    assert len(mail.outbox) == 2
    first.refresh_from_db()
    assert first.revoked_at is not None  # the older one to the same address no longer works


def test_only_the_bands_leaders_invite_and_withdraw(client, world):
    invite = tours.tour_traveller_invite(tour=world.tour, by=world.leader, email="x@example.test", role="driver")
    add = reverse("gigs:tour_traveller_add", args=[world.tour.pk])
    withdraw = reverse("gigs:tour_invite_withdraw", args=[world.tour.pk, invite.pk])
    for person, codes in (
        (world.member, {403}),
        (world.other_leader, {403, 404}),
        (world.stranger, {403, 404}),
    ):
        client.force_login(person)
        assert client.post(add, {"email": "y@example.test", "role": "driver"}).status_code in codes
        assert client.post(withdraw).status_code in codes
        page = client.get(reverse("gigs:tour_manage", args=[world.tour.pk]))
        assert "x@example.test" not in page.content.decode()
    client.logout()
    assert client.post(add, {"email": "y@example.test", "role": "driver"}).status_code == 302
    assert client.post(withdraw).status_code == 302
    assert list(TourInvite.objects.values_list("email", "revoked_at")) == [("x@example.test", None)]
    with pytest.raises(BookingPermissionError):
        tours.tour_traveller_invite(tour=world.tour, by=world.member, email="z@example.test", role="driver")
    # Another band's invite cannot be withdrawn through this tour.
    other = tours.tour_create(band=world.other_band, by=world.other_leader, name="Theirs", bookings=[])
    theirs = tours.tour_traveller_invite(tour=other, by=world.other_leader, email="q@example.test", role="crew")
    client.force_login(world.leader)
    assert client.post(reverse("gigs:tour_invite_withdraw", args=[world.tour.pk, theirs.pk])).status_code == 404


def test_the_leader_sees_who_is_invited_and_the_traveller_does_not(client, world):
    tours.tour_traveller_invite(tour=world.tour, by=world.leader, email="x@example.test", role="driver")
    client.force_login(world.leader)
    html = client.get(reverse("gigs:tour_manage", args=[world.tour.pk])).content.decode()
    assert "Invited" in html and "x@example.test" in html and "Withdraw" in html
    client.force_login(world.member)
    assert "x@example.test" not in client.get(reverse("gigs:tour_manage", args=[world.tour.pk])).content.decode()


def test_a_block_since_the_invitation_stops_the_yes(client, world):
    invite = tours.tour_traveller_invite(tour=world.tour, by=world.leader, email=world.crew.email, role="driver")
    Block.objects.create(blocker_kind="band", blocker_id=world.band.pk, blocked_kind="user", blocked_id=world.crew.pk)
    client.force_login(world.crew)
    response = client.post(tour_invite_path(invite=invite))
    assert response.status_code == 410
    assert not TourTraveller.objects.exists()
    assert not Notification.objects.filter(kind="tour_party").exists()


def test_the_invitation_reads_in_the_language_of_the_account_it_reaches(world, django_capture_on_commit_callbacks):
    world.crew.language = "de"
    world.crew.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        tours.tour_traveller_invite(tour=world.tour, by=world.leader, email=world.crew.email, role="driver")
    body = mail.outbox[-1].body
    assert "Spring run" in body and "Hallo" in body


def test_an_erased_person_leaves_no_invitation_to_their_address(world):
    import datetime as dt

    from django.utils import timezone

    from stageslot.privacy.erasure import account_close, account_erase

    tours.tour_traveller_invite(tour=world.tour, by=world.leader, email=world.crew.email, role="driver")
    tours.tour_traveller_invite(tour=world.tour, by=world.leader, email="other@example.test", role="crew")
    now = timezone.now()
    closure = account_close(user=world.crew, now=now)
    assert account_erase(closure_id=closure.pk, now=now + dt.timedelta(days=31))
    assert list(TourInvite.objects.values_list("email", flat=True)) == ["other@example.test"]
