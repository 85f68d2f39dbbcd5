"""Saved finder searches: a band is told once per matching new slot or support call while it is free;
the alert can be turned off in the notification settings; only the band's leaders save and delete."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, NotificationPreference
from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.models import SavedSearch
from bookings.services import alerts, shows
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner

pytestmark = pytest.mark.django_db


def hosted(days=12, city="Leipzig"):
    band, leader = band_with_leader()
    start = in_days(days)
    return shows.show_host(
        band=band,
        by=leader,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        time_zone="Europe/Berlin",
        title="Garden show",
        place_name="Garden",
        place_city=city,
        support_places=2,
    )


def test_a_matching_support_call_is_alerted_once_and_a_busy_band_is_not(settings):
    band, leader = band_with_leader(name="Seekers")
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
    past = timezone.now() - dt.timedelta(minutes=1)
    alerts.saved_search_create(
        band=band, by=leader, filters={"role": "support_call", "city": "Leip"}, label="x", now=past
    )
    busy_band, busy_leader = band_with_leader(name="Busy")
    alerts.saved_search_create(band=busy_band, by=busy_leader, filters={"role": "support_call"}, label="y", now=past)
    show = hosted()
    hosted(city="Hamburg")  # not in the area
    venue, _ = venue_with_owner(city="Leipzig")
    SlotFactory(venue=venue)  # a plain slot is no support call
    BusyInterval.objects.create(
        user=busy_leader, starts_at=show.starts_at, ends_at=show.ends_at, source=BusyInterval.Source.RULE, source_id=1
    )
    assert alerts.saved_search_alerts_send() == 1
    (note,) = Notification.objects.filter(kind="show_alert")
    assert note.recipient == leader and f"/shows/{show.pk}/" == note.link and "Garden show" in note.text
    assert not Notification.objects.filter(kind="show_alert", recipient=member).exists()
    # Once per match: a later run, or a change of the show, tells nobody again.
    show.title = "Garden show, renamed"
    show.save()
    alerts.saved_search_alerts_send()
    assert Notification.objects.filter(kind="show_alert").count() == 1


def test_alerts_can_be_turned_off():
    band, leader = band_with_leader(name="Quiet")
    NotificationPreference.objects.create(
        user=leader, kind="show_alert", in_app=False, email=NotificationPreference.Email.OFF
    )
    alerts.saved_search_create(band=band, by=leader, filters={}, label="all", now=timezone.now() - dt.timedelta(1))
    hosted()
    alerts.saved_search_alerts_send()
    assert not Notification.objects.filter(kind="show_alert").exists()


def test_saving_from_the_finder_and_deleting(client):
    band, leader = band_with_leader(name="Seekers")
    client.force_login(leader)
    html = client.get(reverse("bookings:gig_finder"), {"role": "support_call", "band": band.slug}).content.decode()
    assert "Alert Seekers to new matches" in html
    response = client.post(
        reverse("bookings:saved_searches"), {"band": band.slug, "query": "role=support_call&city=Leipzig"}
    )
    assert response.status_code == 302
    search = SavedSearch.objects.get(band=band)
    assert search.filters == {"role": "support_call", "city": "Leipzig"}
    assert "Support calls only" in search.label
    assert "Support calls only" in client.get(reverse("bookings:saved_searches")).content.decode()
    other = UserFactory()
    client.force_login(other)
    assert client.post(reverse("bookings:saved_search_delete", args=[search.pk])).status_code == 404
    assert client.post(reverse("bookings:saved_searches"), {"band": band.slug, "query": ""}).status_code == 403
    client.force_login(leader)
    assert client.post(reverse("bookings:saved_search_delete", args=[search.pk])).status_code == 302
    assert not SavedSearch.objects.exists()


def test_a_plain_member_cannot_save_and_anonymous_is_sent_to_log_in(client):
    band, _ = band_with_leader()
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
    client.force_login(member)
    assert client.post(reverse("bookings:saved_searches"), {"band": band.slug, "query": ""}).status_code == 403
    client.logout()
    assert client.get(reverse("bookings:saved_searches")).status_code == 302
    assert not SavedSearch.objects.exists()


def test_pausing_and_resuming_from_the_page(client):
    band, leader = band_with_leader(name="Seekers")
    search = alerts.saved_search_create(band=band, by=leader, filters={}, label="All slots")
    client.force_login(UserFactory())
    pause = reverse("bookings:saved_search_pause", args=[search.pk])
    assert client.post(pause, {"paused": "1"}).status_code == 404
    search.refresh_from_db()
    assert search.paused_at is None
    client.force_login(leader)
    assert client.post(pause, {"paused": "1"}).status_code == 302
    search.refresh_from_db()
    assert search.paused_at is not None
    html = client.get(reverse("bookings:saved_searches")).content.decode()
    assert "(paused)" in html and "Resume “All slots”" in html
    assert client.post(pause, {"paused": "0"}).status_code == 302
    search.refresh_from_db()
    assert search.paused_at is None
    assert "Pause “All slots”" in client.get(reverse("bookings:saved_searches")).content.decode()
