import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands.invites import InviteError, invite_link_parse, invite_link_token
from venues import services
from venues.models import VenueInvite, VenueStaff
from venues.selectors import venue_invite_by_token, venue_invite_link_path, venue_invite_state

from .factories import VenueInviteFactory, VenueStaffFactory

pytestmark = pytest.mark.django_db


def uses(invite: VenueInvite) -> int:
    invite.refresh_from_db()
    return invite.uses


def test_accepting_adds_the_user_in_the_invites_role_and_counts_one_use():
    invite = VenueInviteFactory(role=VenueStaff.Role.OWNER, max_uses=3)
    user = UserFactory()
    staff = services.venue_invite_accept(invite=invite, user=user)
    assert (staff.venue, staff.user, staff.role) == (invite.venue, user, VenueStaff.Role.OWNER)
    assert uses(invite) == 1


def test_accepting_twice_does_not_duplicate_or_count_again():
    invite = VenueInviteFactory(max_uses=5)
    user = UserFactory()
    first = services.venue_invite_accept(invite=invite, user=user)
    again = services.venue_invite_accept(invite=invite, user=user)
    assert first.pk == again.pk
    assert VenueStaff.objects.filter(venue=invite.venue, user=user).count() == 1
    assert uses(invite) == 1


def test_existing_staff_keep_their_role_and_use_no_place():
    owner = VenueStaffFactory(role=VenueStaff.Role.OWNER)
    invite = VenueInviteFactory(venue=owner.venue, role=VenueStaff.Role.BOOKER, max_uses=1)
    staff = services.venue_invite_accept(invite=invite, user=owner.user)
    assert staff.pk == owner.pk
    assert staff.role == VenueStaff.Role.OWNER
    assert uses(invite) == 0
    # The single place is still there for someone new.
    services.venue_invite_accept(invite=invite, user=UserFactory())
    assert uses(invite) == 1


def test_uses_never_exceed_max_uses():
    invite = VenueInviteFactory(max_uses=2)
    services.venue_invite_accept(invite=invite, user=UserFactory())
    services.venue_invite_accept(invite=invite, user=UserFactory())
    late = UserFactory()
    with pytest.raises(InviteError) as exc:
        services.venue_invite_accept(invite=invite, user=late)
    assert exc.value.code == "used_up"
    assert uses(invite) == 2
    assert not VenueStaff.objects.filter(user=late).exists()


def test_a_stale_invite_object_is_read_again_under_the_lock():
    invite = VenueInviteFactory(max_uses=1)
    stale = VenueInvite.objects.get(pk=invite.pk)
    services.venue_invite_accept(invite=invite, user=UserFactory())
    assert stale.uses == 0
    with pytest.raises(InviteError) as exc:
        services.venue_invite_accept(invite=stale, user=UserFactory())
    assert exc.value.code == "used_up"
    assert uses(invite) == 1


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"revoked_at": timezone.now()}, "revoked", "withdrawn"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "expired", "expired on"),
        ({"uses": 1, "max_uses": 1}, "used_up", "used as many times"),
    ],
)
def test_unusable_invites_say_why_and_join_nobody(change, code, message):
    invite = VenueInviteFactory(**change)
    user = UserFactory()
    with pytest.raises(InviteError) as exc:
        services.venue_invite_accept(invite=invite, user=user)
    assert exc.value.code == code
    assert message in str(exc.value)
    assert not VenueStaff.objects.filter(user=user).exists()
    assert venue_invite_state(invite) == code


def test_a_revoked_invite_refuses_even_current_staff():
    owner = VenueStaffFactory()
    invite = VenueInviteFactory(venue=owner.venue, revoked_at=timezone.now())
    with pytest.raises(InviteError):
        services.venue_invite_accept(invite=invite, user=owner.user)


def test_the_link_carries_a_signed_venue_token_that_finds_the_invite():
    invite = VenueInviteFactory()
    path = venue_invite_link_path(invite=invite)
    assert path.startswith("/join/") and path.endswith("/")
    kind, token = invite_link_parse(path.removeprefix("/join/").removesuffix("/"))
    assert kind == "venue"
    assert venue_invite_by_token(token=token) == invite
    assert venue_invite_by_token(token="nope") is None


def test_a_tampered_link_is_told_apart():
    invite = VenueInviteFactory()
    signed = invite_link_token(kind="venue", invite=invite)
    with pytest.raises(InviteError) as exc:
        invite_link_parse(signed[:-3] + "abc")
    assert exc.value.code == "tampered"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_joiners_never_overfill_an_invite():
    invite = VenueInviteFactory(max_uses=3)
    users = [UserFactory() for _ in range(8)]
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def join(user) -> None:
        barrier.wait()
        try:
            services.venue_invite_accept(invite=invite, user=user)
            outcomes.append("joined")
        except InviteError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["joined"] * 3 + ["used_up"] * 5
    assert uses(invite) == 3
    assert VenueStaff.objects.filter(venue=invite.venue).count() == 3


def test_an_owner_invites_by_link_and_the_second_person_joins(client):
    owner = VenueStaffFactory(role=VenueStaff.Role.OWNER, user__display_name="Olga Owner")
    venue = owner.venue
    client.force_login(owner.user)
    client.post(
        reverse("venues:invites", args=[venue.slug]),
        {"role": "booker", "max_uses": "1", "valid_days": "7", "email": ""},
    )
    html = client.get(reverse("venues:invites", args=[venue.slug])).content.decode()
    link = re.search(r'value="(http://testserver/join/[^"]+/)"', html).group(1)

    newcomer = UserFactory(display_name="Nina Newcomer")
    client.force_login(newcomer)
    response = client.post(link.removeprefix("http://testserver"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("venues:staff", args=[venue.slug])
    page = response.content.decode()
    assert "Olga Owner" in page and "Nina Newcomer" in page
    assert venue.staff_roles.get(user=newcomer).role == VenueStaff.Role.BOOKER
    # The single use is spent: the link is no longer listed for copying.
    client.force_login(owner.user)
    assert "/join/" not in client.get(reverse("venues:invites", args=[venue.slug])).content.decode()
