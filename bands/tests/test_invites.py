"""Band invites: creating, emailing, listing, withdrawing and accepting them."""

import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands import services
from bands.invites import InviteError, invite_link_parse, invite_link_token
from bands.models import BandInvite, Membership
from bands.services import BandPermissionError

from .factories import BandFactory, BandInviteFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def band():
    return BandFactory(name="Night Shift", slug="night-shift", time_zone="Europe/Berlin")


@pytest.fixture
def leader(band):
    return MembershipFactory(band=band, role=Membership.Role.LEADER, user__display_name="Lea Leader").user


# ---- band_invite_create / band_invite_revoke -------------------------------------------------------


def test_create_an_invite_and_email_it(band, leader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite = services.band_invite_create(
            band=band,
            by=leader,
            role=Membership.Role.ADMIN,
            max_uses=3,
            valid_days=10,
            email=" Sam@Example.com ",
            base_url="https://stageslot.example/",
        )
    assert (invite.role, invite.max_uses, invite.uses, invite.email) == ("admin", 3, 0, "sam@example.com")
    assert timedelta(days=9, hours=23) < invite.expires_at - timezone.now() <= timedelta(days=10)
    assert invite.created_by == leader
    [message] = mail.outbox
    assert message.to == ["sam@example.com"]
    assert message.subject == "Lea Leader invites you to join Night Shift on StageSlot"
    link = re.search(r"https://stageslot\.example/join/\S+/", message.body).group(0)
    token = link.removeprefix("https://stageslot.example/join/").rstrip("/")
    assert invite_link_parse(token) == ("band", invite.token)
    assert "as admin" in message.body
    assert "(Europe/Berlin)" in message.body
    html = message.alternatives[0][0]
    assert f'href="{link}"' in html
    assert "Join Night Shift" in html


def test_without_an_address_nothing_is_emailed(band, leader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.band_invite_create(band=band, by=leader)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": Membership.Role.LEADER}, "role"),
        ({"max_uses": 0}, "max_uses"),
        ({"max_uses": 101}, "max_uses"),
        ({"valid_days": 0}, "valid_days"),
        ({"valid_days": 31}, "valid_days"),
    ],
)
def test_invalid_invites_are_refused(band, leader, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        services.band_invite_create(band=band, by=leader, **kwargs)
    assert field in caught.value.message_dict
    assert not BandInvite.objects.exists()


def test_only_managers_create_or_withdraw_invites(band):
    invite = BandInviteFactory(band=band)
    for user in [MembershipFactory(band=band).user, UserFactory()]:
        with pytest.raises(BandPermissionError):
            services.band_invite_create(band=band, by=user)
        with pytest.raises(BandPermissionError):
            services.band_invite_revoke(invite=invite, by=user)
    assert BandInvite.objects.get() == invite
    assert invite.revoked_at is None


def test_revoke_is_kept_once(band, leader):
    invite = BandInviteFactory(band=band)
    first = services.band_invite_revoke(invite=invite, by=leader).revoked_at
    assert first is not None
    assert services.band_invite_revoke(invite=invite, by=leader).revoked_at == first


# ---- band_invite_accept -------------------------------------------------------------------------------


def test_accepting_joins_with_the_invites_role_and_uses_it(band):
    invite = BandInviteFactory(band=band, role=Membership.Role.ADMIN, max_uses=2)
    user = UserFactory()
    membership = services.band_invite_accept(invite=invite, user=user)
    assert (membership.band, membership.user, membership.role) == (band, user, "admin")
    invite.refresh_from_db()
    assert invite.uses == 1


def test_joining_twice_neither_duplicates_nor_uses_the_invite(band):
    invite = BandInviteFactory(band=band, max_uses=5)
    user = UserFactory()
    first = services.band_invite_accept(invite=invite, user=user)
    second = services.band_invite_accept(invite=invite, user=user)
    assert first.pk == second.pk
    assert Membership.objects.filter(band=band, user=user).count() == 1
    invite.refresh_from_db()
    assert invite.uses == 1


@pytest.mark.parametrize(
    ("state", "code", "message"),
    [
        ({"revoked_at": timezone.now}, "revoked", "withdrawn by the person who sent it"),
        ({"expires_at": lambda: timezone.now() - timedelta(minutes=1)}, "expired", "This invite link expired on"),
        ({"uses": 1, "max_uses": 1}, "used_up", "used as many times as it allows"),
    ],
)
def test_unusable_invites_join_nobody(band, state, code, message):
    invite = BandInviteFactory(band=band, **{k: v() if callable(v) else v for k, v in state.items()})
    uses = invite.uses
    with pytest.raises(InviteError) as caught:
        services.band_invite_accept(invite=invite, user=UserFactory())
    assert caught.value.code == code
    assert message in str(caught.value)
    assert Membership.objects.filter(band=band).count() == 0
    invite.refresh_from_db()
    assert invite.uses == uses


def test_a_tampered_link_is_told_apart(band):
    token = invite_link_token(kind="band", invite=BandInviteFactory(band=band))
    for bad in [token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token[5:], "nonsense", ""]:
        with pytest.raises(InviteError) as caught:
            invite_link_parse(bad)
        assert caught.value.code == "tampered"


def test_a_stale_invite_object_cannot_push_uses_past_the_limit(band):
    invite = BandInviteFactory(band=band, max_uses=1)
    stale = BandInvite.objects.get(pk=invite.pk)
    services.band_invite_accept(invite=invite, user=UserFactory())
    assert stale.uses == 0  # what a second request loaded before the first one joined
    with pytest.raises(InviteError) as caught:
        services.band_invite_accept(invite=stale, user=UserFactory())
    assert caught.value.code == "used_up"
    assert BandInvite.objects.get(pk=invite.pk).uses == 1
    assert Membership.objects.filter(band=band).count() == 1


# SQLite's in-memory test database fails concurrent writers at once instead of queueing them.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_never_exceed_max_uses():
    band = BandFactory()
    invite = BandInviteFactory(band=band, max_uses=3)
    users = UserFactory.create_batch(8)
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def join(user) -> None:
        try:
            barrier.wait()
            services.band_invite_accept(invite=invite, user=user)
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
    assert BandInvite.objects.get(pk=invite.pk).uses == 3
    assert Membership.objects.filter(band=band).count() == 3


# ---- The invites page ----------------------------------------------------------------------------------


def test_invites_page_creates_and_lists_links(client, band, leader, django_capture_on_commit_callbacks):
    client.force_login(leader)
    url = reverse("bands:invites", args=["night-shift"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"role": "member", "max_uses": "4", "valid_days": "7", "email": "drummer@example.com"}
        )
    invite = BandInvite.objects.get()
    assert response.status_code == 302
    assert response.url == f"{url}#invite-{invite.pk}"
    assert len(mail.outbox) == 1
    html = client.get(url).content.decode()
    assert "The invite link is ready and emailed to drummer@example.com." in html
    # The signed link carries the second it was made in, so the page's and the email's may differ
    # in their signature: both must name this invite.
    join = re.escape("http://testserver/join/") + r"([^/\s\"]+)/"
    page_token = re.search(f'value="{join}"', html).group(1)
    mail_token = re.search(join, mail.outbox[0].body).group(1)
    assert invite_link_parse(page_token) == invite_link_parse(mail_token) == ("band", invite.token)
    assert "readonly" in html
    assert "4 of 4 uses left" in html
    local = timezone.localtime(invite.expires_at, timezone=leader.zone)
    assert f"Expires {local:%-d %b %Y, %H:%M} (Europe/Berlin)" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"max_uses": "0"}, "An invite must work at least once."),
        ({"max_uses": "101"}, "An invite can be used at most 100 times."),
        ({"valid_days": "31"}, "An invite can be valid for at most 30 days."),
        ({"valid_days": "0"}, "An invite must be valid for at least 1 day."),
        ({"role": "leader"}, "Select a valid choice."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
    ],
)
def test_invites_page_bad_input(client, band, leader, data, message):
    client.force_login(leader)
    response = client.post(
        reverse("bands:invites", args=["night-shift"]), {"role": "member", "max_uses": "1", "valid_days": "7", **data}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BandInvite.objects.exists()
    assert mail.outbox == []


def test_earlier_invites_say_why_they_stopped(client, band, leader):
    BandInviteFactory(band=band, revoked_at=timezone.now())
    BandInviteFactory(band=band, expires_at=timezone.now() - timedelta(days=1))
    BandInviteFactory(band=band, uses=2, max_uses=2)
    client.force_login(leader)
    html = client.get(reverse("bands:invites", args=["night-shift"])).content.decode()
    assert "No invite link works at the moment." in html
    for label in ["Withdrawn", "Expired", "Used up"]:
        assert label in html


def test_withdrawing_an_invite_from_the_page(client, band, leader):
    invite = BandInviteFactory(band=band)
    client.force_login(leader)
    response = client.post(reverse("bands:invite_revoke", args=["night-shift", invite.pk]), follow=True)
    assert "The invite link is withdrawn" in response.content.decode()
    invite.refresh_from_db()
    assert invite.revoked_at is not None
