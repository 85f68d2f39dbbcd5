"""/join/<token>/: an invite link opened by strangers, new users, members and with broken links."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD, UserFactory
from bands.invites import SALT, invite_link_token
from bands.models import BandInvite, Membership
from bands.tests.factories import BandFactory, BandInviteFactory, MembershipFactory
from venues.models import VenueStaff
from venues.tests.factories import VenueInviteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite():
    band = BandFactory(name="Night Shift", slug="night-shift")
    leader = MembershipFactory(band=band, role=Membership.Role.LEADER, user__display_name="Lea Leader").user
    return BandInviteFactory(band=band, created_by=leader, max_uses=2)


def join_url(invite) -> str:
    return reverse("join", args=[invite_link_token(kind="band", invite=invite)])


def joined(invite) -> int:
    return Membership.objects.filter(band=invite.band).exclude(role=Membership.Role.LEADER).count()


def test_a_stranger_is_invited_to_log_in_or_sign_up_and_come_back(client, invite, django_assert_max_num_queries):
    url = join_url(invite)
    with django_assert_max_num_queries(1):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Join Night Shift on StageSlot" in html
    assert "Lea Leader invites" in html
    next_param = quote(url, safe="")
    assert f'href="{reverse("account_login")}?next={next_param}"' in html
    assert f'href="{reverse("account_signup")}?next={next_param}"' in html
    assert joined(invite) == 0


def test_a_stranger_posting_is_sent_to_log_in_and_joins_nobody(client, invite):
    response = client.post(join_url(invite))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert joined(invite) == 0


def test_logged_in_get_asks_first_and_never_joins(client, invite, django_assert_max_num_queries):
    client.force_login(UserFactory())
    url = join_url(invite)  # the link is signed with the time: build it once
    with django_assert_max_num_queries(5):  # one of them asks to whom the invite was emailed (accounts/links.py)
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Join Night Shift as member</button>" in html
    assert f'action="{url}"' in html
    assert joined(invite) == 0
    assert BandInvite.objects.get(pk=invite.pk).uses == 0


def test_confirming_joins_and_lands_on_the_members_page(client, invite):
    user = UserFactory(display_name="Sam Drummer")
    client.force_login(user)
    response = client.post(join_url(invite))
    assert response.status_code == 302
    assert response.url == reverse("bands:members", args=["night-shift"])
    assert Membership.objects.get(band=invite.band, user=user).role == Membership.Role.MEMBER
    assert BandInvite.objects.get(pk=invite.pk).uses == 1
    html = client.get(response.url).content.decode()
    assert "Welcome to Night Shift! You joined as member." in html
    assert "Sam Drummer" in html


def test_an_admin_invite_makes_an_admin(client, invite):
    BandInvite.objects.filter(pk=invite.pk).update(role=Membership.Role.ADMIN)
    user = UserFactory()
    client.force_login(user)
    assert "Join Night Shift as admin" in client.get(join_url(invite)).content.decode()
    client.post(join_url(invite))
    assert Membership.objects.get(band=invite.band, user=user).role == Membership.Role.ADMIN


def test_someone_already_in_the_band_is_told_so_and_nothing_is_duplicated(client, invite):
    existing = MembershipFactory(band=invite.band, role=Membership.Role.MEMBER)
    client.force_login(existing.user)
    html = client.get(join_url(invite)).content.decode()
    assert "You are already in Night Shift" in html
    response = client.post(join_url(invite), follow=True)
    assert "You are already in Night Shift." in response.content.decode()
    assert Membership.objects.filter(band=invite.band, user=existing.user).count() == 1
    assert BandInvite.objects.get(pk=invite.pk).uses == 0


def test_joining_twice_with_the_same_link_does_not_duplicate(client, invite):
    user = UserFactory()
    client.force_login(user)
    client.post(join_url(invite))
    client.post(join_url(invite))
    assert Membership.objects.filter(band=invite.band, user=user).count() == 1
    assert BandInvite.objects.get(pk=invite.pk).uses == 1


@pytest.mark.parametrize(
    ("state", "heading", "detail"),
    [
        ({"revoked_at": timezone.now}, "This invite link was withdrawn", "withdrawn by the person who sent it"),
        (
            {"expires_at": lambda: timezone.now() - timedelta(hours=1)},
            "This invite link has expired",
            "This invite link expired on",
        ),
        ({"uses": 2}, "This invite link is used up", "used as many times as it allows"),
    ],
)
@pytest.mark.parametrize("logged_in", [False, True])
def test_unusable_links_say_exactly_why_and_join_nobody(client, invite, state, heading, detail, logged_in):
    BandInvite.objects.filter(pk=invite.pk).update(**{k: v() if callable(v) else v for k, v in state.items()})
    if logged_in:
        client.force_login(UserFactory())
    for method in (client.get, client.post):
        response = method(join_url(invite))
        html = response.content.decode()
        assert response.status_code == 410
        assert heading in html
        assert detail in html
        assert "Log in" not in html.split("<main", 1)[1]
    assert joined(invite) == 0


def test_a_tampered_link_is_a_400_that_explains(client, invite):
    token = invite_link_token(kind="band", invite=invite)
    client.force_login(UserFactory())
    for bad in [token[:-3] + "xyz", token.replace(":", ".", 1), "not-a-token"]:
        for method in (client.get, client.post):
            response = method(reverse("join", args=[bad]))
            assert response.status_code == 400
            assert "This invite link is damaged" in response.content.decode()
    assert joined(invite) == 0


@pytest.mark.parametrize("payload", [{"k": "band", "t": "no-such-token"}, {"k": "club", "t": "whatever"}])
def test_a_link_to_no_invite_is_a_404(client, payload):
    token = signing.dumps(payload, salt=SALT, compress=True)
    response = client.get(reverse("join", args=[token]))
    assert response.status_code == 404
    assert "This invite link does not exist" in response.content.decode()


def test_log_in_from_the_join_page_comes_back_to_it(client, invite):
    user = UserFactory(email="sam@example.com")
    url = join_url(invite)
    response = client.post(
        f"{reverse('account_login')}?next={quote(url)}", {"login": user.email, "password": PASSWORD, "next": url}
    )
    assert response.status_code == 302
    assert response.url == url
    assert "Join Night Shift as member" in client.get(url).content.decode()


def test_sign_up_and_verify_email_come_back_to_the_join_page(client, invite, django_capture_on_commit_callbacks):
    url = join_url(invite)
    signup = client.get(f"{reverse('account_signup')}?next={quote(url)}").content.decode()
    assert f'name="next" value="{url}"' in signup
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "new.player@example.com",
                "display_name": "New Player",
                "time_zone": "Europe/Berlin",
                "password1": "a-long-and-unusual-passphrase",
                "password2": "a-long-and-unusual-passphrase",
                "next": url,
            },
        )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    [message] = mail.outbox
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body).group(1)
    response = client.post(confirm)
    assert response.status_code == 302
    assert response.url == url
    page = client.get(url).content.decode()
    assert "Join Night Shift as member" in page
    client.post(url)
    assert Membership.objects.filter(band=invite.band, user__email="new.player@example.com").exists()


def test_a_venue_invite_joins_the_venue_staff(client):
    invite = VenueInviteFactory(venue__name="Lido", role=VenueStaff.Role.BOOKER)
    user = UserFactory()
    client.force_login(user)
    url = reverse("join", args=[invite_link_token(kind="venue", invite=invite)])
    assert "Join Lido as booker" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("venues:staff", args=[invite.venue.slug])
    assert VenueStaff.objects.get(venue=invite.venue, user=user).role == VenueStaff.Role.BOOKER


# ---- An invite emailed to an address, opened by an account with another (decision 0055) ----------------


def test_an_invite_emailed_to_someone_else_says_so_before_anyone_joins(client, invite):
    invite.email = "dana@example.com"
    invite.save(update_fields=["email"])
    sam = UserFactory(email="sam@example.com", display_name="Sam Drummer")
    client.force_login(sam)
    url = join_url(invite)

    html = client.get(url).content.decode()

    assert "This link was sent to dana@example.com." in html
    assert "You are logged in as Sam Drummer (sam@example.com)." in html
    assert "If you join, it is you, Sam Drummer, who joins" in html
    assert html.index("This link was sent to") < html.index("Join Night Shift as member</button>")
    assert f'name="next" value="{url}"' in html  # log out, and the link opens again for dana
    assert joined(invite) == 0
    # Asked, the person logged in may still join as themselves: an invite adds whoever accepts it.
    client.post(url)
    assert Membership.objects.filter(band=invite.band, user=sam).exists()
    assert not Membership.objects.filter(band=invite.band, user__email="dana@example.com").exists()


def test_the_invitee_and_a_shared_link_are_not_warned(client, invite):
    url = join_url(invite)
    client.force_login(UserFactory(email="sam@example.com"))
    assert "This link was sent to" not in client.get(url).content.decode()  # a shared link names nobody

    invite.email = "dana@example.com"
    invite.save(update_fields=["email"])
    dana = UserFactory(email="Dana@Example.com")
    client.force_login(dana)
    html = client.get(url).content.decode()
    assert "This link was sent to" not in html
    assert "Join Night Shift as member</button>" in html
    client.post(url)
    assert Membership.objects.filter(band=invite.band, user=dana).exists()
