"""The mail service's delivery events, as Postmark posts them to anymail's tracking webhook with basic auth
(the payloads of Postmark's webhook documentation): recorded first, applied once; a hard bounce or a
complaint stops notification mail to that address, shown on the person's settings, listed for staff."""

import base64
import copy
import datetime as dt
import json

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import MailEvent, MailSuppression, Notification
from accounts.services import notification_email_send, notifications_create

from .factories import UserFactory
from .test_signin_code import ask_for_code

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)

URL = "/mail/anymail/postmark/tracking/"
AUTH = "Basic " + base64.b64encode(b"stageslot-test:webhook-secret").decode()

# Postmark's documented bounce webhook (https://postmarkapp.com/developer/webhooks/bounce-webhook).
HARD_BOUNCE = {
    "RecordType": "Bounce",
    "MessageStream": "outbound",
    "ID": 4323372036854775807,
    "Type": "HardBounce",
    "TypeCode": 1,
    "Name": "Hard bounce",
    "Tag": "Test",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "Metadata": {},
    "ServerID": 23,
    "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
    "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    "Email": "gone@example.com",
    "From": "noreply@stageslot.example",
    "BouncedAt": "2026-11-05T16:33:54.9070259Z",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": True,
    "Subject": "StageSlot: Booked",
    "Content": "<Full dump of bounce>",
}
SOFT_BOUNCE = {**HARD_BOUNCE, "ID": 4323372036854775808, "Type": "SoftBounce", "TypeCode": 4096, "Inactive": False}
# Postmark's documented spam complaint webhook.
COMPLAINT = {
    **HARD_BOUNCE,
    "RecordType": "SpamComplaint",
    "ID": 42,
    "Type": "SpamComplaint",
    "TypeCode": 512,
    "Name": "Spam complaint",
    "Description": "",
    "Details": "Test spam complaint details",
    "CanActivate": False,
    "Content": "<Abuse report dump>",
}
# Postmark's documented delivery webhook: no event id of its own.
DELIVERY = {
    "RecordType": "Delivery",
    "ServerID": 23,
    "MessageStream": "outbound",
    "MessageID": "00000000-0000-0000-0000-000000000000",
    "Recipient": "gone@example.com",
    "Tag": "welcome-email",
    "DeliveredAt": "2026-11-05T16:34:52Z",
    "Details": "Test delivery webhook details",
    "Metadata": {},
}


def post(payload: dict, auth: str | None = AUTH, client: Client | None = None):
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return (client or Client()).post(URL, json.dumps(payload), content_type="application/json", **extra)


def notify(user, key="k1"):
    return notifications_create(recipients=[user], kind="booking_booked", text="Booked.", link="/x/", key=key)[0]


def test_a_hard_bounce_posted_twice_suppresses_the_address_once():
    UserFactory(email="gone@example.com")
    assert post(HARD_BOUNCE).status_code == 200
    assert post(HARD_BOUNCE).status_code == 200  # the service retried
    event = MailEvent.objects.get()
    assert (event.kind, event.outcome, event.esp) == ("bounced", "suppressed", "Postmark")
    assert event.key == "postmark:4323372036854775807"
    suppression = MailSuppression.objects.get()
    assert (suppression.email, suppression.reason) == ("gone@example.com", "bounced")
    assert "does not exist" in suppression.detail or "unable to deliver" in suppression.detail


def test_a_complaint_suppresses_the_address():
    UserFactory(email="Gone@Example.com")
    assert post(COMPLAINT).status_code == 200
    assert MailSuppression.objects.get().reason == "complained"
    assert MailEvent.objects.get().kind == "complained"


def test_a_delivery_without_an_id_posted_twice_is_recorded_once_and_changes_nothing():
    UserFactory(email="gone@example.com")
    post(DELIVERY)
    post(DELIVERY)
    event = MailEvent.objects.get()
    assert (event.kind, event.outcome) == ("delivered", "recorded")
    assert event.key.startswith("digest:")
    assert not MailSuppression.objects.exists()
    later = copy.deepcopy(DELIVERY) | {"DeliveredAt": "2026-11-05T17:00:00Z", "MessageID": "another"}
    post(later)
    assert MailEvent.objects.count() == 2


def test_soft_bounces_are_counted_and_enough_of_them_in_the_window_suppress_like_a_hard_bounce(settings):
    settings.MAIL_SOFT_BOUNCE_LIMIT, settings.MAIL_SOFT_BOUNCE_DAYS = 3, 30
    UserFactory(email="gone@example.com")

    def soft(n: int, *, days_ago: int = 0):
        assert post({**SOFT_BOUNCE, "ID": 1000 + n}).status_code == 200
        MailEvent.objects.filter(key=f"postmark:{1000 + n}").update(received_at=timezone.now() - days_ago * DAY)

    soft(1, days_ago=31)  # outside the window
    soft(2, days_ago=3)
    post(DELIVERY)  # delivered since: the count starts again
    MailEvent.objects.filter(kind="delivered").update(received_at=timezone.now() - 2.5 * DAY)
    soft(3, days_ago=2)
    soft(4, days_ago=1)
    assert list(MailEvent.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "soft bounce",
        "soft bounce",
        "recorded",
        "soft bounce",
        "soft bounce",
    ]
    assert not MailSuppression.objects.exists()
    soft(5)
    assert MailEvent.objects.get(key="postmark:1005").outcome == "suppressed"
    suppression = MailSuppression.objects.get()
    assert (suppression.email, suppression.reason) == ("gone@example.com", "bounced")
    assert suppression.detail.startswith("3 temporary failures in 30 days.")


def test_a_bounce_for_an_address_that_is_no_accounts_is_a_problem_only():
    post(HARD_BOUNCE)  # a forward of someone's address bounced, or the account changed its address
    event = MailEvent.objects.get()
    assert event.outcome == "ignored" and "no account" in event.problem
    assert not MailSuppression.objects.exists()


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "Basic " + base64.b64encode(b"stageslot-test:wrong").decode(),
        "Basic " + base64.b64encode(b"someone:webhook-secret").decode(),
        "Basic not-base64!",
        "Bearer stageslot-test:webhook-secret",
    ],
)
def test_a_forged_or_unsigned_event_is_refused_and_nothing_is_recorded(auth):
    UserFactory(email="gone@example.com")
    response = post(HARD_BOUNCE, auth=auth)
    assert response.status_code == 400
    assert not MailEvent.objects.exists() and not MailSuppression.objects.exists()


def test_a_signed_in_person_cannot_post_events_without_the_secret():
    user = UserFactory(email="gone@example.com")
    client = Client()
    client.force_login(user)
    assert post(HARD_BOUNCE, auth=None, client=client).status_code == 400
    assert client.get(URL).status_code == 405
    assert not MailEvent.objects.exists()


def test_broken_bodies_are_refused_never_a_500():
    for body in ("", "not json", "[]", "{}"):
        response = Client().post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=AUTH)
        assert response.status_code < 500, body
    assert not MailSuppression.objects.exists()


@pytest.mark.parametrize("body", ["", " ", "{}", "[]", '{"RecordType": "Bounce"}', '{"RecordType": "Delivery"}'])
def test_an_empty_event_is_refused_and_nothing_is_stored(body):
    response = Client().post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=AUTH)
    assert response.status_code == 400, body
    assert not MailEvent.objects.exists()


# ---- What a suppression does --------------------------------------------------------------------


def test_no_notification_mail_goes_to_a_suppressed_address_but_security_mail_does(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory(email="gone@example.com")
    post(HARD_BOUNCE)
    note = notify(user)
    mail.outbox.clear()
    assert notification_email_send(notification_id=note.pk) is False
    note.refresh_from_db()
    assert note.email_state == Notification.Email.SKIPPED and "suppressed" in note.email_error
    assert note.in_app  # still shown in the app
    ask_for_code(client, user.email, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["gone@example.com"]]


def test_the_person_sees_why_and_can_send_to_the_address_again():
    user = UserFactory(email="gone@example.com")
    post(COMPLAINT)
    client = Client()
    client.force_login(user)
    page = client.get(reverse("notifications:settings")).content.decode()
    assert "We have stopped sending notification emails to gone@example.com" in page
    assert "marked as spam" in page
    assert reverse("account_email") in page
    response = client.post(reverse("notifications:mail_resume"))
    assert response.status_code == 302
    assert not MailSuppression.objects.exists()
    assert "We have stopped" not in client.get(reverse("notifications:settings")).content.decode()
    note = notify(user)
    assert notification_email_send(notification_id=note.pk) is True


def test_a_new_address_is_not_suppressed():
    user = UserFactory(email="gone@example.com")
    post(HARD_BOUNCE)
    user.email = "new@example.com"
    user.save()
    note = notify(user)
    assert notification_email_send(notification_id=note.pk) is True
    assert MailSuppression.objects.filter(email="gone@example.com").exists()


def test_lifting_is_for_the_person_alone():
    """Another person's resume lifts only their own address; the anonymous visitor is sent to sign in."""
    UserFactory(email="gone@example.com")
    post(HARD_BOUNCE)
    other = Client()
    other.force_login(UserFactory())
    other.post(reverse("notifications:mail_resume"))
    assert MailSuppression.objects.exists()
    response = Client().post(reverse("notifications:mail_resume"))
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert MailSuppression.objects.exists()
    assert other.get(reverse("notifications:mail_resume")).status_code == 405


def test_staff_list_the_suppressed_addresses(django_assert_max_num_queries):
    UserFactory(email="gone@example.com")
    post(HARD_BOUNCE)
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    with django_assert_max_num_queries(10):
        page = staff.get(reverse("admin:accounts_mailsuppression_changelist"))
    assert page.status_code == 200 and "gone@example.com" in page.content.decode()
    assert staff.get(reverse("admin:accounts_mailevent_changelist")).status_code == 200
    assert staff.get(reverse("admin:accounts_inboundmail_changelist")).status_code == 200
    member = Client()
    member.force_login(UserFactory())
    assert member.get(reverse("admin:accounts_mailsuppression_changelist")).status_code == 302


def test_the_deploy_check_warns_of_a_mail_service_without_a_webhook_secret(settings):
    from core.checks import mail_webhooks_signed

    settings.MAIL_ESP, settings.ANYMAIL = "postmark", {}
    assert [message.id for message in mail_webhooks_signed()] == ["accounts.W003"]
    settings.ANYMAIL = {"WEBHOOK_SECRET": "a:b"}
    assert mail_webhooks_signed() == []
    settings.MAIL_ESP = ""
    assert mail_webhooks_signed() == []


def test_the_service_refusing_a_dead_address_suppresses_it():
    """Postmark answers a send to an address on its own bounce list with a BadEmailAddress event ("rejected")."""
    UserFactory(email="gone@example.com")
    post({**HARD_BOUNCE, "ID": 77, "Type": "BadEmailAddress", "TypeCode": 100000})
    assert MailEvent.objects.get().kind == "rejected"
    assert MailSuppression.objects.get().reason == "bounced"
