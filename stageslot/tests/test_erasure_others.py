"""An erasure touches only the person erased (docs/decisions/0097, issue 70).

Accounts named like a common word ("gig", "show" – one by its email alone, one by its display name), like a venue
("Kellerbar") and like a band ("The Night Shift") take part in a booking's thread and are closed and erased.
Every text column of every model (discovered from the installed models, not listed) is read before and after:
every row not tied to an erased person by a key is unchanged, word for word; their own rows may change."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from accounts.models import Notification, User
from accounts.services import notifications_create
from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.models import BookingEvent
from bookings.services.answering import booking_accept
from bookings.services.threads import message_post
from bookings.tests.test_detail_views import make_world
from stageslot.privacy.erasure import account_close, account_erase

pytestmark = [pytest.mark.django_db]

TEXT = (models.CharField, models.TextField, models.JSONField)


def _text_fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, TEXT) and not f.primary_key]


def _user_keys(model) -> list[str]:
    return [
        f.attname for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey) and f.related_model is User
    ]


def snapshot() -> dict[tuple[str, object], tuple]:
    """(model, pk) → (its user keys' values, its text columns' values), for every row of every model with text."""
    rows = {}
    for model in apps.get_models():
        texts = _text_fields(model)
        if not texts:
            continue
        keys = _user_keys(model)
        for row in model._base_manager.values_list("pk", *keys, *texts):
            rows[(model._meta.label, row[0])] = (row[1 : 1 + len(keys)], row[1 + len(keys) :])
    return rows


def _tied(label: str, pk, keys: tuple, erased: set[int]) -> bool:
    return (label == "accounts.User" and pk in erased) or any(k in erased for k in keys)


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    world = make_world()
    band = world.band
    world.gig = UserFactory(email="gig@example.test", display_name="")
    world.show = UserFactory(display_name="show")
    world.kellerbar = UserFactory(display_name="Kellerbar")
    world.bandname = UserFactory(display_name="The Night Shift")
    world.erased = [world.gig, world.show, world.kellerbar, world.bandname]
    for person in world.erased:
        MembershipFactory(band=band, user=person, role=Membership.Role.MEMBER, required=False)
    with django_capture_on_commit_callbacks(execute=True):
        # Other people's words, full of the words the erased accounts are named like.
        message_post(
            booking=world.application,
            by=world.owner,
            body="The gig at Kellerbar is a show for The Night Shift; mail gig@example.test with the gig's times.",
        )
        message_post(booking=world.application, by=world.leader, body="Great show, see you at the gig!")
        for person in world.erased:
            message_post(booking=world.application, by=person, body=f"I am {person.name}, see you at the gig.")
        booking_accept(booking=world.application, by=world.owner)
    # An old notification from before notifications kept their actor, and history notes the system wrote.
    notifications_create(
        recipients=[world.owner, world.leader],
        kind="booking_message",
        text="Your gig at Kellerbar: The Night Shift play the show.",
        key="old-style",
    )
    BookingEvent.objects.create(
        booking=world.application, from_status="booked", to_status="completed", note="The gig took place"
    )
    return world


def test_erasing_accounts_named_like_words_venues_and_bands_changes_no_one_elses_row(world):
    before = snapshot()
    erased = {p.pk for p in world.erased}
    # The world holds the words in other people's rows, so the test can fail.
    others = [(k, v) for k, v in before.items() if not _tied(*k, v[0], erased)]
    words = " ".join(str(t) for _k, (_keys, texts) in others for t in texts)
    for word in ("gig", "show", "Kellerbar", "The Night Shift", "gig@example.test"):
        assert word in words, word
    assert Notification.objects.filter(actor__in=world.erased).exclude(recipient__in=world.erased).exists()

    now = timezone.now()
    for person in world.erased:
        closure = account_close(user=person, now=now)
        assert account_erase(closure_id=closure.pk, now=now + dt.timedelta(days=31))

    after = snapshot()
    changed = [
        (key, before[key][1], after.get(key, (None, None))[1])
        for key, (keys, texts) in before.items()
        if not _tied(*key, keys, erased) and after.get(key, (None, None))[1] != texts
    ]
    assert changed == [], changed[:5]

    # Their own rows changed: the accounts are tombstones, and what they wrote names them no more.
    assert set(User.objects.filter(pk__in=erased).values_list("display_name", flat=True)) == {""}
    for person in world.erased:
        assert not BookingEvent.objects.filter(note__contains=f"I am {person.display_name}").exists()


def test_history_notes_written_before_name_busy_members_by_reference():
    import importlib

    from accounts.people import people_draw

    migration = importlib.import_module("bookings.migrations.0027_history_names_by_reference")
    world = make_world()
    note = "Stand-in planned: Max Member is busy Fri 12 Jun, 19:00–23:00 (another gig); Otto Client is busy"
    event = BookingEvent.objects.create(booking=world.application, to_status="pending", note=note)
    migration.names_to_references(apps, None)
    event.refresh_from_db()
    assert "Max Member" not in event.note and "Otto Client" in event.note  # Otto plays in no band of theirs
    assert people_draw(event.note) == note
