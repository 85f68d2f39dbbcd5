"""Notification mail carries a one-click unsubscribe (RFC 8058) signed for its person and kind; security
mail carries none; the link's GET changes nothing and its cookie-less POST turns off that kind alone."""

import base64
import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from accounts.mail.tokens import DIGEST, UNSUBSCRIBE_SALT, unsubscribe_read, unsubscribe_token
from accounts.models import Notification, NotificationPreference
from accounts.services import notification_digest_send, notification_email_send, notifications_create

from .factories import UserFactory
from .test_signin_code import ask_for_code

pytestmark = pytest.mark.django_db

SITE = "https://stageslot.example"
ONE_CLICK = {"data": "List-Unsubscribe=One-Click", "content_type": "application/x-www-form-urlencoded"}


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE + "/"


def notify(user, kind="booking_booked", key="k1"):
    return notifications_create(recipients=[user], kind=kind, text="Booked: The Lanterns.", link="/x/", key=key)[0]


def sent_to(user, kind="booking_booked", key="k1"):
    note = notify(user, kind=kind, key=key)
    mail.outbox.clear()
    assert notification_email_send(notification_id=note.pk)
    return mail.outbox[-1]


def unsubscribe_link(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<" + SITE) and header.endswith(">")
    return header[1 : -len(">")].removeprefix(SITE)


def email_choice(user, kind="booking_booked"):
    pref = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return (pref.in_app, pref.email) if pref else (True, NotificationPreference.Email.INSTANT)


# ---- The headers ---------------------------------------------------------------------------------


def test_a_notification_email_carries_both_headers_with_a_token_for_its_person_and_kind():
    user = UserFactory()
    message = sent_to(user, kind="booking_booked")
    headers = message.message()
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Id"] == "StageSlot notifications <notifications.stageslot.example>"
    assert headers["Auto-Submitted"] == "auto-generated"
    link = unsubscribe_link(message)
    token = re.fullmatch(r"/mail/unsubscribe/([^/]+)/", link).group(1)
    read = unsubscribe_read(token)
    assert (read.user, read.kind) == (user, "booking_booked")
    assert link in message.body  # the footer names the same link for people


def test_the_daily_digest_carries_both_headers_for_the_digest():
    user = UserFactory(time_zone="UTC")
    NotificationPreference.objects.create(user=user, kind="review_written", email="digest")
    notify(user, kind="review_written")
    mail.outbox.clear()
    assert notification_digest_send(user_id=user.pk, now=Notification.objects.get().created_at.replace(hour=8))
    message = mail.outbox[-1]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = unsubscribe_link(message).split("/")[-2]
    assert unsubscribe_read(token).kind == DIGEST


def test_security_mail_carries_no_list_headers(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory()
    ask_for_code(client, user.email, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mailoutbox) == 2
    for message in mailoutbox:
        text = message.message().as_string()
        assert "List-Unsubscribe" not in text and "Auto-Submitted" not in text, message.subject


# ---- The one-click link ------------------------------------------------------------------------------


def test_a_get_only_shows_what_will_change():
    user = UserFactory()
    link = unsubscribe_link(sent_to(user))
    response = Client().get(link)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Stop these emails?" in page and "A booking is accepted" in page and user.email in page
    assert email_choice(user) == (True, "instant")


def test_a_cookieless_one_click_post_turns_off_that_kind_of_email_and_nothing_else():
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind="message", in_app=True, email="digest")
    link = unsubscribe_link(sent_to(user))
    mail_client = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token: what a mail client sends
    response = mail_client.post(link, **ONE_CLICK)
    assert response.status_code == 200 and "You are unsubscribed" in response.content.decode()
    assert email_choice(user) == (True, "off")  # still shown in the app
    assert email_choice(user, "message") == (True, "digest")
    assert NotificationPreference.objects.filter(user=user).count() == 2
    # Once: the second click says so and changes nothing.
    again = mail_client.post(link, **ONE_CLICK)
    assert again.status_code == 200 and "Already unsubscribed" in again.content.decode()
    assert email_choice(user) == (True, "off")
    # The next notification of that kind sends no email; another kind still does.
    mail.outbox.clear()
    assert notify(user, key="k2").email_state == Notification.Email.SKIPPED
    assert notify(user, kind="booking_declined", key="k3").email_state == Notification.Email.PENDING


def test_the_digest_link_turns_the_digest_off():
    user = UserFactory(time_zone="UTC")
    NotificationPreference.objects.create(user=user, kind="review_written", email="digest")
    waiting = notify(user, kind="review_written")
    token = unsubscribe_token(user=user, kind=DIGEST)
    response = Client().post(reverse("mail:unsubscribe", args=[token]), **ONE_CLICK)
    assert response.status_code == 200
    assert email_choice(user, "review_written") == (True, "off")
    waiting.refresh_from_db()
    assert waiting.email_state == Notification.Email.SKIPPED


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "x" * 300,
        signing.dumps({"u": 1, "k": "booking_booked", "m": "0" * 10}, salt="another.salt"),
        signing.dumps({"u": 1, "k": "no_such_kind", "m": "0" * 10}, salt=UNSUBSCRIBE_SALT),
        signing.dumps([1, 2], salt=UNSUBSCRIBE_SALT),
    ],
    # Named, not shown: a signed token carries the second it was made, and each test process collects its own.
    ids=["nonsense", "too-long", "another-salt", "no-such-kind", "not-a-person-and-kind"],
)
def test_a_forged_or_broken_token_is_refused_and_changes_nothing(token):
    user = UserFactory()
    for method in ("get", "post"):
        response = getattr(Client(), method)(reverse("mail:unsubscribe", args=[token]))
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert not NotificationPreference.objects.filter(user=user).exists()


def test_a_token_cannot_be_turned_into_another_persons_or_kinds():
    ann, bob = UserFactory(), UserFactory()
    token = unsubscribe_token(user=ann, kind="booking_booked")
    _payload, _, signature = token.rpartition(":")
    altered = signing.dumps({"u": bob.pk, "k": "message", "m": "0" * 10}, salt=UNSUBSCRIBE_SALT).rpartition(":")[0]
    response = Client().post(reverse("mail:unsubscribe", args=[f"{altered}:{signature}"]), **ONE_CLICK)
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_a_token_is_opaque_and_a_flipped_bit_is_refused():
    user = UserFactory()
    token = unsubscribe_token(user=user, kind="booking_booked")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for visible in (f'"u":{user.pk}'.encode(), b"booking_booked", b'"k"'):
        assert visible not in raw and visible.decode() not in token
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt=UNSUBSCRIBE_SALT)
    flipped = base64.urlsafe_b64encode(raw[:-1] + bytes([raw[-1] ^ 1])).decode().rstrip("=")
    response = Client().post(reverse("mail:unsubscribe", args=[flipped]), **ONE_CLICK)
    assert response.status_code == 400
    assert unsubscribe_read(token).user == user


def test_a_link_sent_before_the_address_changed_no_longer_works():
    user = UserFactory(email="old@example.com")
    token = unsubscribe_token(user=user, kind="booking_booked")
    user.email = "new@example.com"
    user.save()
    assert Client().post(reverse("mail:unsubscribe", args=[token]), **ONE_CLICK).status_code == 400
    assert not NotificationPreference.objects.exists()


def test_who_may_open_the_link():
    """The person (signed in or not) may; anyone else signed in, staff too, is refused and nothing changes."""
    owner, other = UserFactory(), UserFactory()
    staff = UserFactory(is_staff=True)
    url = reverse("mail:unsubscribe", args=[unsubscribe_token(user=owner, kind="booking_booked")])
    for someone in (other, staff):
        client = Client()
        client.force_login(someone)
        assert client.get(url).status_code == 403
        assert client.post(url, **ONE_CLICK).status_code == 403
        assert not NotificationPreference.objects.exists()
    client = Client()
    client.force_login(owner)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 200
    assert email_choice(owner) == (True, "off")


def test_other_methods_are_refused():
    url = reverse("mail:unsubscribe", args=[unsubscribe_token(user=UserFactory(), kind="booking_booked")])
    assert Client().put(url).status_code == 405
    assert not NotificationPreference.objects.exists()
