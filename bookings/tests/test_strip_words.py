"""The band page's free/booked strip and the inbox's role filter speak the reader's language: every
word of them is marked (drawn in the pseudo-locale, none shows outside ⟦…⟧), and a German reader
reads the German of the words the catalogue holds."""

import re

import pytest
from django.urls import reverse

from bookings.services import asking
from stageslot.tests.pseudo import OPEN, database_words, pseudo_locale, unwrapped_text
from stageslot.tests.words import words

from .factories import band_with_leader, in_days
from .journey import band_party

pytestmark = pytest.mark.django_db

STATUS = re.compile(r'<span class="strip__status">([^<]*)</span>')
DAY_WORDS = ["Free", "Partly free", "Booked", "Not free", "Past"]


def _strip(client, band, **headers):
    response = client.get(reverse("bookings:band_strip", args=[band.slug]), headers={"HX-Request": "true", **headers})
    assert response.status_code == 200
    return response.content.decode()


def test_every_word_of_the_strip_is_marked(client):
    p = band_party()
    with pseudo_locale():
        html = _strip(client, p.band)
    statuses = STATUS.findall(html)
    assert statuses and all(s.startswith(OPEN) for s in statuses)
    assert unwrapped_text(html, data=database_words()) == []


def test_a_german_reader_reads_the_strip_in_german(client):
    p = band_party()
    t = words("de")
    statuses = set(STATUS.findall(_strip(client, p.band, accept_language="de")))
    assert statuses <= {t(word) for word in DAY_WORDS}
    # "Free" is in the catalogue: its German shows, not the English.
    assert t("Free") != "Free" and t("Free") in statuses


def test_the_inbox_role_filter_is_marked(client):
    _band, leader = band_with_leader(name="Party Band")
    other, _ = band_with_leader(name="Other Band")
    asking.booking_request(
        band=other,
        client=leader,
        starts_at=in_days(60, 18),
        ends_at=in_days(60, 22),
        time_zone="Europe/Berlin",
        event_type="Birthday",
    )
    client.force_login(leader)
    with pseudo_locale():
        html = client.get(reverse("bookings:inbox"), {"tab": "waiting"}).content.decode()
    assert re.search(r'<option value="client"[^>]*>' + re.escape(f"{OPEN}My private requests"), html)
