"""People by reference (docs/decisions/0097): a notification's sentence keeps a reference to the person it
names and draws their name as it is now – "Former member" once erased – and a typed mark makes no reference."""

import pickle

import pytest
from django.utils.translation import gettext_lazy

from accounts.models import Notification
from accounts.people import REF_CLOSE, REF_OPEN, PersonName, people_draw
from accounts.services import lazy_text, notifications_create

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_notification_keeps_a_reference_and_draws_the_name_of_now():
    mara, reader = UserFactory(display_name="Mara Gig"), UserFactory()
    typed = f"{REF_OPEN}{reader.pk}{REF_CLOSE} show"
    (note,) = notifications_create(
        recipients=[reader],
        kind="message",
        text=lazy_text(gettext_lazy("%(name)s wrote: %(body)s"), name=mara.name, body=typed),
        key="k",
        actor=mara,
    )
    assert "Mara" not in note.text and note.actor_id == mara.pk
    assert people_draw(note.text) == f"Mara Gig wrote: {reader.pk} show"
    mara.display_name = ""
    mara.email = f"erased-{mara.pk}@erased.invalid"
    mara.save()
    assert people_draw(Notification.objects.get().text) == f"Former member wrote: {reader.pk} show"


def test_a_name_is_never_a_part_of_the_email_and_survives_pickling():
    nameless = UserFactory(display_name="", email="gig.player@example.com")
    assert "gig" not in nameless.name.casefold()
    name = pickle.loads(pickle.dumps(UserFactory(display_name="Ana").name))  # noqa: S301 - our own bytes
    assert isinstance(name, PersonName) and name == "Ana" and name.user_id is not None
