"""Closing one's account from the settings (/me/data/close/) and keeping it during the grace period
(docs/decisions/0082): the owner only (every page acts on the signed-in person), the password and the
second factor asked, bad input changes nothing, hand-overs first."""

import datetime as dt
import time
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountClosure, ApiToken, Notification, User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.test_mfa import sign_in_with_totp, totp_code, with_totp
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.services import answering, asking
from bookings.services.ending import booking_cancel
from bookings.tests.factories import BookingFactory, band_with_leader, in_days
from bookings.tests.test_detail_views import make_world
from stageslot.privacy.erasure import account_close, account_erase

pytestmark = pytest.mark.django_db

CLOSE = "/me/data/close/"
KEEP = "/me/data/keep/"
DATA = "/me/data/"


def test_the_urls_are_where_the_settings_link_them():
    assert reverse("privacy:close") == CLOSE
    assert reverse("privacy:keep") == KEEP
    assert reverse("privacy:data") == DATA


@pytest.mark.parametrize("url", [DATA, CLOSE, KEEP])
def test_the_anonymous_visitor_is_sent_to_sign_in_and_nothing_changes(client, url):
    response = client.post(url, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert not AccountClosure.objects.exists()


def test_the_settings_link_to_your_data_and_the_close_page_says_what_happens(client):
    client.force_login(UserFactory())
    assert DATA in client.get(reverse("accounts:profile")).content.decode()
    assert CLOSE in client.get(DATA).content.decode()
    page = client.get(CLOSE).content.decode()
    assert "Former member" in page and "signed out everywhere" in page


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"password": "wrong", "confirm": "on"}, "That is not your password."),
        ({"password": PASSWORD}, "Tick the box to confirm."),
        ({}, "This field is required."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_closes(client, data, problem):
    user = UserFactory()
    client.force_login(user)
    response = client.post(CLOSE, data)
    assert response.status_code == 400
    assert problem in response.content.decode()
    user.refresh_from_db()
    assert user.closed_at is None and not AccountClosure.objects.exists()


def test_closing_signs_out_everywhere_and_the_next_sign_in_can_only_keep_it(client):
    user = UserFactory(display_name="Rosa Closer")
    other = UserFactory()
    ApiToken.objects.create(user=user, name="script", prefix="ss_y", digest="e" * 64)
    elsewhere, bystander = Client(), Client()
    elsewhere.force_login(user)
    bystander.force_login(other)
    client.force_login(user)

    response = client.post(CLOSE, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 200 and "Your account is closed" in response.content.decode()
    # Signed out as by the sign-out button: the device drops what the offline pages kept.
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    user.refresh_from_db()
    assert user.closed_at is not None
    assert AccountClosure.objects.get(user=user).due_at > user.closed_at
    assert not ApiToken.objects.filter(user=user).exists()
    # Every session of theirs ended (this one and the other device's); another person's did not.
    assert client.get(reverse("dashboard")).status_code == 302
    assert elsewhere.get(reverse("dashboard")).url.startswith(reverse("account_login"))
    assert bystander.get(reverse("dashboard")).status_code == 200
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]

    # Signing in again within the grace period: every page leads to "keep my account".
    assert client.login(email=user.email, password=PASSWORD)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url == KEEP
    assert client.get(reverse("accounts:profile")).url == KEEP
    page = client.get(KEEP)
    assert page.status_code == 200 and "Keep my account" in page.content.decode()
    response = client.post(KEEP)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.closed_at is None and not AccountClosure.objects.filter(user=user).exists()
    assert client.get(reverse("dashboard")).status_code == 200  # the session that kept it stays signed in


def test_an_open_account_has_nothing_to_keep(client):
    client.force_login(UserFactory())
    response = client.post(KEEP)
    assert response.status_code == 302 and response.url == reverse("dashboard")


def test_the_only_leader_of_a_band_with_members_hands_over_first(client):
    world = make_world()
    client.force_login(world.leader)
    page = client.get(CLOSE).content.decode()
    assert "only leader of The Night Shift" in page
    response = client.post(CLOSE, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 409
    assert "only leader of The Night Shift" in response.content.decode()
    world.leader.refresh_from_db()
    assert world.leader.closed_at is None
    # With a second leader, they may go; the band keeps its other members.
    Membership.objects.filter(band=world.band, user=world.member).update(role=Membership.Role.LEADER)
    assert client.post(CLOSE, {"password": PASSWORD, "confirm": "on"}).status_code == 200


def test_a_leader_alone_in_their_band_needs_no_hand_over(client):
    leader = MembershipFactory(role=Membership.Role.LEADER).user
    client.force_login(leader)
    assert client.post(CLOSE, {"password": PASSWORD, "confirm": "on"}).status_code == 200


def test_a_clients_waiting_request_is_withdrawn_and_the_band_told(client):
    world = make_world()
    client.force_login(world.client)
    assert client.post(CLOSE, {"password": PASSWORD, "confirm": "on"}).status_code == 200
    assert Booking.objects.get(pk=world.request.pk).status == Booking.Status.WITHDRAWN
    assert Notification.objects.filter(recipient=world.leader, link__contains=str(world.request.uid)).exists()


def test_with_two_factor_on_closing_waits_for_the_second_factor(client):
    user = UserFactory()
    secret, _codes = with_totp(user)
    with mock.patch("time.time", return_value=time.time() - 3600):
        sign_in_with_totp(client, user, secret)
    response = client.post(CLOSE, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_reauthenticate"))
    assert User.objects.get(pk=user.pk).closed_at is None
    done = client.post(response.url, {"code": totp_code(secret)})
    assert done.status_code == 200 and "Your account is closed" in done.content.decode()
    assert User.objects.get(pk=user.pk).closed_at is not None


def test_staff_close_only_their_own_account(client, admin_user):
    someone = UserFactory()
    client.force_login(admin_user)
    client.post(CLOSE, {"password": "password", "confirm": "on"})
    someone.refresh_from_db()
    assert someone.closed_at is None


# ---- the privacy notice's version --------------------------------------------------------------------


def test_signing_up_records_the_notices_version_and_when_and_the_export_says_so(client, settings):
    from accounts.tests.test_auth_flows import SIGNUP
    from stageslot.privacy.export import export_sections

    settings.STAGESLOT_POLICY_VERSION = "2026-11"
    before = timezone.now()
    assert client.post(reverse("account_signup"), SIGNUP).status_code == 302
    person = User.objects.get(email=SIGNUP["email"])
    assert person.policy_version == "2026-11" and person.policy_accepted_at >= before
    (profile,) = export_sections(user=person, files={})["profile"][str(User._meta.verbose_name_plural)]
    assert profile["policy_version"] == "2026-11"
    assert profile["policy_accepted_at"] == person.policy_accepted_at.astimezone(dt.UTC).isoformat()


def test_a_new_version_is_asked_once_by_a_banner_that_stays_dismissed(client, settings):
    person = UserFactory()
    client.force_login(person)
    assert "I have read it" not in client.get(DATA).content.decode()
    settings.STAGESLOT_POLICY_VERSION = "2"
    page = client.get(DATA).content.decode()
    assert "Our privacy notice has changed" in page and 'href="/privacy/"' in page
    assert "Version 2 of this notice." in client.get("/privacy/").content.decode()
    response = client.post(reverse("privacy:policy_read"), {"next": DATA})
    assert response.status_code == 302 and response.url == DATA
    person.refresh_from_db()
    assert person.policy_version == "2" and person.policy_accepted_at is not None
    assert "I have read it" not in client.get(DATA).content.decode()
    assert client.post(reverse("privacy:policy_read"), {"next": "https://evil.example/"}).url == "/"


def test_the_banners_button_is_for_a_signed_in_person_and_by_post_only(client):
    url = reverse("privacy:policy_read")
    assert client.post(url).url.startswith(reverse("account_login"))
    client.force_login(UserFactory())
    assert client.get(url).status_code == 405


def test_a_band_of_one_with_gigs_to_come_is_handled_before_closing_and_the_other_side_is_told(client):
    band, leader = band_with_leader(name="Solo Sam")
    client_user = UserFactory()
    gig = asking.booking_request(
        band=band, client=client_user, starts_at=in_days(20, 18), ends_at=in_days(20, 22), time_zone="Europe/Berlin"
    )
    answering.booking_accept(booking=gig, by=leader)
    client.force_login(leader)
    assert "You play in Solo Sam alone and it has 1 booked gig to come" in client.get(CLOSE).content.decode()
    response = client.post(CLOSE, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 409 and "cancel it from its booking page" in response.content.decode()
    assert User.objects.get(pk=leader.pk).closed_at is None
    booking_cancel(booking=gig, by=leader, reason="I am leaving music.")
    assert Notification.objects.filter(recipient=client_user, link__contains=str(gig.uid)).exists()
    assert client.post(CLOSE, {"password": PASSWORD, "confirm": "on"}).status_code == 200


def test_a_gig_booked_for_a_band_of_one_during_the_grace_period_holds_the_erasure_back_and_says_why():
    band, leader = band_with_leader(name="Solo Sam")
    closure = account_close(user=leader)
    gig = BookingFactory(
        band=band, status=Booking.Status.BOOKED, slot__starts_at=in_days(45), slot__ends_at=in_days(45, 23)
    )
    later = closure.due_at + dt.timedelta(minutes=1)
    assert account_erase(closure_id=closure.pk, now=later) is False
    closure.refresh_from_db()
    assert "Solo Sam alone" in closure.waiting_for and closure.erased_at is None
    Booking.objects.filter(pk=gig.pk).update(status=Booking.Status.CANCELLED)
    assert account_erase(closure_id=closure.pk, now=later) is True
