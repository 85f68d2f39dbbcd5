"""Notification preferences: the settings page, the service that saves them, and their effect on new
notifications (through the real notifications_create)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Notification, NotificationPreference
from accounts.notification_kinds import GROUPS, KINDS
from accounts.notifications import email_choices_for, notification_preferences, notification_preferences_save
from accounts.services import notifications_create
from accounts.tests.factories import UserFactory, is_stamp_bump

pytestmark = pytest.mark.django_db

Email = NotificationPreference.Email


def form_data(**overrides: tuple[bool, str]) -> dict[str, str]:
    """The settings form as a browser posts it: every kind in the app and emailed at once, but `overrides`."""
    data = {}
    for key in KINDS:
        in_app, email = overrides.get(key, (True, Email.INSTANT))
        if in_app:
            data[f"app_{key}"] = "on"
        data[f"email_{key}"] = email
    return data


def saved(user) -> dict[str, tuple[bool, str]]:
    return {p.kind: (p.in_app, p.email) for p in NotificationPreference.objects.filter(user=user)}


@pytest.fixture
def ann(client):
    user = UserFactory(time_zone="Europe/Lisbon")
    client.force_login(user)
    return user


# ---- Services ------------------------------------------------------------------------------


def test_without_saved_choices_every_kind_is_in_the_app_and_emailed_at_once():
    rows = notification_preferences(user=UserFactory())
    assert [row.kind.key for row in rows] == sorted(KINDS, key=lambda k: GROUPS.index(KINDS[k].group))
    assert all(row.in_app and row.email == Email.INSTANT for row in rows)


def test_saved_choices_are_read_back_and_an_impossible_digest_reads_as_at_once():
    ann = UserFactory()
    NotificationPreference.objects.create(user=ann, kind="message", in_app=False, email=Email.DIGEST)
    # Written before the kind became high priority, say: notifications_create sends it at once.
    NotificationPreference.objects.create(user=ann, kind="booking_booked", email=Email.DIGEST)
    NotificationPreference.objects.create(user=UserFactory(), kind="gig_reminder", email=Email.OFF)
    rows = {row.kind.key: row for row in notification_preferences(user=ann)}
    assert (rows["message"].in_app, rows["message"].email) == (False, Email.DIGEST)
    assert rows["booking_booked"].email == Email.INSTANT
    assert rows["gig_reminder"].email == Email.INSTANT
    assert [value for value, _ in email_choices_for(rows["message"].kind)] == [Email.INSTANT, Email.DIGEST, Email.OFF]
    assert [value for value, _ in email_choices_for(rows["booking_booked"].kind)] == [Email.INSTANT, Email.OFF]


def test_saving_upserts_and_leaves_other_kinds_alone():
    ann = UserFactory()
    notification_preferences_save(
        user=ann, choices={"message": (True, Email.DIGEST), "gig_reminder": (False, Email.OFF)}
    )
    notification_preferences_save(user=ann, choices={"message": (False, Email.OFF)})
    assert saved(ann) == {"message": (False, Email.OFF), "gig_reminder": (False, Email.OFF)}
    assert NotificationPreference.objects.filter(user=ann).count() == 2


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({"booking_created": (True, Email.DIGEST)}, "cannot wait for the daily digest"),
        ({"no_such_kind": (True, Email.OFF)}, "There is no kind of notification"),
        ({"message": (True, "weekly")}, "choose At once, Daily digest or No email"),
    ],
)
def test_a_bad_choice_saves_nothing(choices, message):
    ann = UserFactory()
    notification_preferences_save(user=ann, choices={"gig_reminder": (True, Email.OFF)})
    with pytest.raises(ValidationError) as caught:
        notification_preferences_save(user=ann, choices={"message": (False, Email.OFF), **choices})
    assert message in " ".join(caught.value.messages)
    assert saved(ann) == {"gig_reminder": (True, Email.OFF)}


# ---- What the choices do to new notifications -----------------------------------------------------


def tell(user, kind: str, key: str) -> list[Notification]:
    return notifications_create(recipients=[user], kind=kind, text="Something happened.", link="/bookings/", key=key)


def test_no_email_for_booking_created_skips_its_email(client, ann, django_capture_on_commit_callbacks):
    response = client.post(reverse("notifications:settings"), form_data(booking_created=(True, Email.OFF)))
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        [created] = tell(ann, "booking_created", "pref:1")
    assert created.email_state == Notification.Email.SKIPPED
    assert created.in_app
    assert [c for c in callbacks if not is_stamp_bump(c)] == []  # no email queued
    # Another kind is still emailed at once.
    [other] = tell(ann, "booking_booked", "pref:2")
    assert other.email_state == Notification.Email.PENDING


def test_the_digest_and_email_only_choices_reach_new_notifications(ann):
    notification_preferences_save(
        user=ann,
        choices={
            "message": (True, Email.DIGEST),
            "gig_reminder": (False, Email.INSTANT),
            "band_status": (False, Email.OFF),
        },
    )
    [message] = tell(ann, "message", "pref:3")
    assert message.email_state == Notification.Email.DIGEST
    [reminder] = tell(ann, "gig_reminder", "pref:4")
    assert not reminder.in_app
    assert tell(ann, "band_status", "pref:5") == []  # wanted neither way: not kept at all


# ---- The settings page ------------------------------------------------------------------------


def test_the_settings_page_shows_every_kind_by_group(client, ann, django_assert_max_num_queries):
    NotificationPreference.objects.create(user=ann, kind="message", in_app=False, email=Email.DIGEST)
    # The session, the user, the saved choices, the devices with push on, a suppression of the address.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("notifications:settings"))
    assert response.status_code == 200
    html = response.content.decode()
    for group in GROUPS:
        assert f"<legend>{group}</legend>" in html
    for kind in KINDS.values():
        assert escape(str(kind.label)) in html
    # The digest is offered for low-priority kinds only, and explained with the viewer's zone.
    digest_radios = html.count('value="digest"')
    assert digest_radios == sum(1 for k in KINDS.values() if k.low_priority)
    assert 'name="email_booking_created" value="digest"' not in html
    assert "08:00 in your time zone" in html and "Europe/Lisbon" in html
    # The saved choice is the one checked.
    assert re.search(r'<input type="checkbox" name="app_message" id="id_app_message">', html)
    assert re.search(r'<input type="radio" name="email_message" value="digest"[^>]* checked>', html)
    assert re.search(r'<input type="checkbox" name="app_booking_created"[^>]* checked>', html)


def test_saving_the_settings_says_so(client, ann):
    response = client.post(
        reverse("notifications:settings"),
        form_data(message=(False, Email.DIGEST), gig_reminder=(True, Email.OFF)),
        follow=True,
    )
    assert response.status_code == 200
    assert "Your notification settings are saved." in response.content.decode()
    prefs = saved(ann)
    assert len(prefs) == len(KINDS)
    assert prefs["message"] == (False, Email.DIGEST)
    assert prefs["gig_reminder"] == (True, Email.OFF)
    assert prefs["booking_created"] == (True, Email.INSTANT)


def test_a_forged_digest_for_a_high_priority_kind_is_refused(client, ann):
    NotificationPreference.objects.create(user=ann, kind="gig_reminder", email=Email.OFF)
    response = client.post(
        reverse("notifications:settings"),
        form_data(booking_created=(True, Email.DIGEST), message=(False, Email.OFF)),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "“A new application, offer or request” cannot wait for the daily digest" in html
    assert saved(ann) == {"gig_reminder": (True, Email.OFF)}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {key: value for key, value in form_data().items() if key != "email_message"},
        form_data(message=(True, "weekly")),
    ],
)
def test_bad_settings_input_is_a_400_and_saves_nothing(client, ann, data):
    response = client.post(reverse("notifications:settings"), data)
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert not NotificationPreference.objects.filter(user=ann).exists()


def test_the_settings_belong_to_the_person_logged_in(client, ann):
    bob = UserFactory()
    client.post(reverse("notifications:settings"), form_data(message=(False, Email.OFF)))
    assert not NotificationPreference.objects.filter(user=bob).exists()
    assert saved(ann)["message"] == (False, Email.OFF)
