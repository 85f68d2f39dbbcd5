"""choice_label gives what get_FOO_display() gives, in the reader's language."""

import pytest
from django.utils import translation

from bookings.models import Booking
from stageslot.choices import choice_label


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_choice_reads_as_django_labels_it(language):
    with translation.override(language):
        for status, _label in Booking.Status.choices:
            for kind, _kind_label in Booking.Kind.choices:
                booking = Booking(status=status, kind=kind)
                assert choice_label(booking, "status") == booking.get_status_display()
                assert choice_label(booking, "kind") == booking.get_kind_display()


def test_a_value_outside_the_choices_reads_as_itself():
    booking = Booking(status="no-such-state")
    assert choice_label(booking, "status") == booking.get_status_display() == "no-such-state"


def test_the_label_follows_the_language_after_the_first_read():
    booking = Booking(status=Booking.Status.BOOKED)
    with translation.override("en"):
        english = choice_label(booking, "status")
    with translation.override("de"):
        german = choice_label(booking, "status")
    assert english == "Booked" and german != english
