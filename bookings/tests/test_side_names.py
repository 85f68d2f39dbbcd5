"""A booking's sides are named in the reader's language wherever they show: beside a thread's message,
beside a shared file and beside proposed new times. One set of names (BookingSide) serves them all."""

from django.utils import translation

from bookings.models import BookingFile, BookingSide, RescheduleProposal
from bookings.selectors.threads import Side


def test_a_thread_names_each_side_in_the_readers_language():
    with translation.override("en"):
        assert Side("venue", "Kellerbar").label() == "Kellerbar (venue)"
        assert Side("band", "The Night Owls").label() == "The Night Owls (band)"
        assert Side("client", "").label() == "Client"
        assert Side("", "").label() == ""
    with translation.override("de"):
        assert Side("venue", "Kellerbar").label() == "Kellerbar (Spielstätte)"
        assert Side("band", "The Night Owls").label() == "The Night Owls (Band)"
        assert Side("client", "").label() == "Kund:in"
        assert Side("host", "The Night Owls").label() == "The Night Owls (Gastgeber)"


def test_files_and_proposals_name_their_side_from_the_same_choices():
    for model in (BookingFile, RescheduleProposal):
        assert model._meta.get_field("side").choices == BookingSide.choices
    with translation.override("de"):
        assert BookingFile(side="venue").get_side_display() == "Spielstätte"
        assert RescheduleProposal(side="client").get_side_display() == "Kund:in"
