"""Webhook events for every state change of a gig after it is booked: in progress, completed, disputed
(and the staff's outcome), rescheduled, a file shared, the reviews published. Each is one delivery row
per webhook that asked for it, written in the change's transaction."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import UserFactory
from bands.packages import package_price
from bookings.forms.webhooks import WebhookForm
from bookings.models import Webhook, WebhookDelivery
from bookings.services import answering, life, periodic, reschedule, shows
from bookings.services.files import booking_file_add
from bookings.services.instant import booking_instant
from bookings.services.venue_slots import slot_cancel
from bookings.services.webhooks import webhook_create
from bookings.tests.factories import band_with_leader
from reviews.tests.factories import completed_gig, review_of

from .journey import band_party, local
from .test_shows import apply, host_show

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:8471/hook"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _local_listener(settings):
    settings.WEBHOOK_ALLOW_HOSTS = ("127.0.0.1:8471",)


def _party_with_hook():
    p = band_party()
    booking = booking_instant(
        band=p.band, package=p.instant, client=p.client, starts_at=local(10, 20), price=package_price(p.instant)
    )
    hook = webhook_create(by=p.leader, band=p.band, url=URL, events=Webhook.Event.values)
    return p, booking, hook


def _events(hook) -> list[dict]:
    return [json.loads(d.body) for d in WebhookDelivery.objects.filter(webhook=hook).order_by("pk")]


def test_the_new_events_are_offered_on_the_webhook_form():
    band_events = dict(WebhookForm(bands=[], venues=[]).fields["events"].choices)
    for event in ("booking.in_progress", "booking.completed", "booking.disputed", "booking.rescheduled",
                  "file.added", "review.published"):  # fmt: skip
        assert event in band_events


def test_the_gig_starting_and_ending_are_events():
    _, booking, hook = _party_with_hook()
    periodic.bookings_start(now=booking.starts_at + dt.timedelta(minutes=1))
    periodic.bookings_complete(now=booking.ends_at)
    events = _events(hook)
    assert [e["type"] for e in events] == ["booking.in_progress", "booking.completed"]
    assert [e["data"]["booking"]["status"] for e in events] == ["in_progress", "completed"]
    assert {e["data"]["booking"]["uid"] for e in events} == {str(booking.uid)}


def test_a_hook_hears_only_the_events_it_asked_for():
    p, booking, _ = _party_with_hook()
    only = webhook_create(by=p.leader, band=p.band, url=URL + "2", events=["booking.completed"])
    periodic.bookings_start(now=booking.starts_at + dt.timedelta(minutes=1))
    periodic.bookings_complete(now=booking.ends_at)
    assert [e["type"] for e in _events(only)] == ["booking.completed"]


@pytest.mark.parametrize(("outcome", "event"), [("completed", "booking.completed"), ("cancelled", "booking.cancelled")])
def test_a_dispute_and_its_outcome_are_events(outcome, event):
    p, booking, hook = _party_with_hook()
    ended = booking.ends_at + dt.timedelta(days=2)
    life.booking_dispute(booking=booking, by=p.client, reason="They played one set.", now=ended)
    life.booking_dispute_resolve(booking=booking, by=UserFactory(is_staff=True), outcome=outcome, note="Settled.")
    events = _events(hook)
    assert [e["type"] for e in events] == ["booking.disputed", event]
    assert events[0]["data"]["booking"]["status"] == "disputed"
    assert events[1]["data"]["booking"]["status"] == outcome


def test_an_accepted_reschedule_is_an_event_and_a_declined_one_is_not():
    p, booking, hook = _party_with_hook()
    declined = reschedule.reschedule_propose(
        booking=booking, by=p.client, starts_at=local(12, 19), ends_at=local(12, 20, 45), reason="Maybe"
    )
    reschedule.reschedule_decline(proposal=declined, by=p.leader)
    assert _events(hook) == []
    proposal = reschedule.reschedule_propose(
        booking=booking, by=p.client, starts_at=local(11, 19), ends_at=local(11, 20, 45), reason="Rain date"
    )
    reschedule.reschedule_accept(proposal=proposal, by=p.leader)
    [event] = _events(hook)
    assert event["type"] == "booking.rescheduled"
    assert event["data"]["booking"]["starts_at"] == local(11, 19).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def test_a_shared_file_and_its_new_version_are_events():
    p, booking, hook = _party_with_hook()
    rider = booking_file_add(
        booking=booking, by=p.client, upload=SimpleUploadedFile("rider.pdf", PDF), title="Rider", kind="rider"
    )
    booking_file_add(
        booking=booking,
        by=p.leader,
        upload=SimpleUploadedFile("rider2.pdf", PDF),
        title="Rider",
        kind="rider",
        replaces=rider,
    )
    events = _events(hook)
    assert [e["type"] for e in events] == ["file.added", "file.added"]
    assert [e["data"]["file"]["version"] for e in events] == [1, 2]
    assert events[0]["data"]["file"] == {
        "id": rider.pk, "document": str(rider.document), "version": 1, "kind": "rider", "title": "Rider",
        "content_type": "application/pdf", "size": len(PDF), "side": "client",
    }  # fmt: skip


def test_a_refused_file_is_no_event():
    p, booking, hook = _party_with_hook()
    exe = SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 20)
    with pytest.raises(ValidationError):
        booking_file_add(booking=booking, by=p.leader, upload=exe, title="x", kind="rider")
    assert _events(hook) == []


def test_reviews_are_an_event_once_both_are_published_never_before():
    gig = completed_gig()
    band_hook = webhook_create(by=gig["leader"], band=gig["band"], url=URL, events=["review.published"])
    venue_hook = webhook_create(by=gig["owner"], venue=gig["venue"], url=URL, events=["review.published"])
    first = review_of(gig["booking"], gig["leader"], "venue", overall=4)
    assert _events(band_hook) == [] and _events(venue_hook) == []  # double-blind: nothing tells of it yet
    second = review_of(gig["booking"], gig["owner"], "band", overall=5)
    for hook in (band_hook, venue_hook):
        [event] = _events(hook)
        assert event["type"] == "review.published"
        assert event["data"]["booking"]["uid"] == str(gig["booking"].uid)
        reviews = {r["id"]: r for r in event["data"]["reviews"]}
        assert reviews[first.pk]["overall"] == 4 and reviews[first.pk]["author_side"] == "band"
        assert reviews[second.pk]["overall"] == 5 and reviews[second.pk]["subject_side"] == "band"


# ---- Shows ----------------------------------------------------------------------------------------


def _types(hook) -> list[str]:
    return [e["type"] for e in _events(hook)]


def test_a_hosted_shows_life_is_events_to_the_host_and_its_opener():
    host, host_leader = band_with_leader(name="The Hosts")
    opener, opener_leader = band_with_leader(name="Openers")
    host_hook = webhook_create(
        by=host_leader, band=host, url=URL, events=[e for e in Webhook.Event.values if e.startswith("show.")]
    )
    opener_hook = webhook_create(
        by=opener_leader, band=opener, url=URL, events=["show.opener_picked", "show.cancelled"]
    )
    show = host_show(host, host_leader)
    assert _types(host_hook) == ["show.created"]
    assert _events(host_hook)[0]["data"]["show"]["id"] == show.pk
    booking = apply(show, opener, opener_leader)
    assert _types(opener_hook) == []  # asking is a booking event, not a show's
    answering.booking_accept(booking=booking, by=host_leader)
    assert _types(host_hook)[-1] == "show.opener_picked" and _types(opener_hook) == ["show.opener_picked"]
    assert _events(opener_hook)[0]["data"]["booking"]["band"] == opener.slug
    with pytest.raises(ValidationError):
        shows.show_tickets_set(slot=show, by=host_leader, entry="nonsense", sold_out=False, tickets=[])
    assert _types(host_hook)[-1] == "show.opener_picked"  # refused: nothing changed, no event
    shows.show_tickets_set(slot=show, by=host_leader, entry="free", sold_out=True, tickets=[])
    changed = _events(host_hook)[-1]
    assert changed["type"] == "show.changed" and changed["data"]["show"]["sold_out"] is True
    slot_cancel(slot=show, by=host_leader, reason="The roof leaks")
    assert _types(host_hook)[-1] == "show.cancelled" and _types(opener_hook)[-1] == "show.cancelled"
    assert _events(opener_hook)[-1]["data"]["show"]["cancelled"] is True
