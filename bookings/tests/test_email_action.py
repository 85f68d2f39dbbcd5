"""The page behind an email's Accept / Decline link: login first, the right person only, a week
long and once; a confirmation page before anything changes, then the same services and refusals
as the booking page."""

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from bands.models import ApprovalStatus
from bands.services import band_set_status
from bookings.models import Booking
from bookings.services import answering
from bookings.services.email_actions import MAX_AGE, email_action_token, email_actions_for
from bookings.tests.factories import BookingFactory
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db

Status = Booking.Status


@pytest.fixture
def world():
    return make_world()


def link(booking: Booking, user, action: str = "accept") -> str:
    return reverse("bookings:email_action", args=[email_action_token(booking=booking, user=user, action=action)])


def fresh(booking: Booking) -> Booking:
    booking.refresh_from_db()
    return booking


# ---- Who may open it -----------------------------------------------------------------------


def test_anonymous_visitor_logs_in_and_comes_back_to_the_link(client, world):
    path = link(world.application, world.owner)

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 302
        target = urlsplit(response.url)
        assert target.path == reverse("account_login")
        assert parse_qs(target.query)["next"] == [path]
    assert fresh(world.application).status == Status.PENDING


def test_a_link_we_did_not_sign_is_a_404(client, world):
    client.force_login(world.owner)
    path = link(world.application, world.owner)
    token = path.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    assert client.get(reverse("bookings:email_action", args=[tampered])).status_code == 404
    assert client.get(reverse("bookings:email_action", args=["not-a-token"])).status_code == 404
    assert client.post(reverse("bookings:email_action", args=[tampered])).status_code == 404
    assert fresh(world.application).status == Status.PENDING


def test_an_expired_link_says_so_and_leads_to_the_booking(client, world, monkeypatch):
    sent = time.time() - MAX_AGE.total_seconds() - 60
    with monkeypatch.context() as m:
        m.setattr(time, "time", lambda: sent)
        path = link(world.application, world.owner)
    client.force_login(world.owner)

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 410
        html = response.content.decode()
        assert "This link has expired – open the booking to answer" in html
        assert reverse("bookings:detail", args=[world.application.uid]) in html
    assert fresh(world.application).status == Status.PENDING


@pytest.mark.parametrize("who", ["other_leader", "leader", "member", "other_owner"])
def test_a_link_opened_by_anyone_but_its_recipient_is_refused(client, world, who):
    """The other band's leader, the band (of the right booking) and outsiders all hold someone else's link."""
    path = link(world.application, world.owner)
    client.force_login(getattr(world, who))

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 403
        html = response.content.decode()
        assert f"This answer is for {escape(world.owner.name)}" in html
        assert f"You are logged in as {escape(getattr(world, who).name)}" in html
    assert fresh(world.application).status == Status.PENDING


def test_logging_out_from_the_refusal_leads_through_the_login_back_to_the_link(client, world):
    path = link(world.application, world.owner)
    client.force_login(world.leader)
    assert client.get(path).status_code == 403

    response = client.post(reverse("account_logout"), {"next": path})
    assert response.url == path
    response = client.get(path)

    assert response.status_code == 302
    assert parse_qs(urlsplit(response.url).query)["next"] == [path]
    client.force_login(world.owner)
    assert client.get(path).status_code == 200
    assert fresh(world.application).status == Status.PENDING


def test_a_right_band_member_who_is_not_the_links_recipient_cannot_use_the_leaders_link(client, world):
    path = link(world.request, world.leader)
    client.force_login(world.member)

    response = client.post(path)

    assert response.status_code == 403
    assert f"This answer is for {escape(world.leader.name)}" in response.content.decode()
    assert fresh(world.request).status == Status.PENDING


def test_a_link_naming_someone_outside_the_booking_finds_nothing(client, world):
    path = link(world.application, world.other_leader)
    client.force_login(world.other_leader)

    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert fresh(world.application).status == Status.PENDING


def test_a_member_who_may_not_answer_is_refused_even_with_their_own_link(client, world):
    path = link(world.request, world.member)
    client.force_login(world.member)

    assert client.get(path).status_code == 403
    response = client.post(path)
    assert response.status_code == 403
    assert "leaders and admins" in response.content.decode()
    assert fresh(world.request).status == Status.PENDING


# ---- Confirm, then act ---------------------------------------------------------------------------


def test_the_link_opens_a_confirmation_in_the_viewers_zone_and_changes_nothing(
    client, world, django_assert_max_num_queries
):
    world.owner.time_zone = "America/New_York"
    world.owner.save(update_fields=["time_zone"])
    path = link(world.application, world.owner)
    client.force_login(world.owner)

    with django_assert_max_num_queries(7):
        response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Accept this gig?" in html
    for text in ("The Night Shift", "Kellerbar", "Fee asked", "500 EUR", "Accept the gig", "csrfmiddlewaretoken"):
        assert text in html
    ny = timezone.localtime(world.application.starts_at, world.owner.zone)
    assert f"{ny:%H:%M}–" in html and "(America/New_York)" in html
    assert "Local time there" in html and "(Europe/Berlin)" in html
    assert f'action="{path}"' in html
    assert fresh(world.application).status == Status.PENDING


def test_the_decline_page_asks_for_an_optional_reason(client, world):
    client.force_login(world.owner)

    html = client.get(link(world.application, world.owner, "decline")).content.decode()

    assert "Decline this gig?" in html
    assert "Reason (optional)" in html and "<textarea" in html
    assert "Decline the gig" in html


def test_accepting_books_the_gig_and_the_link_then_works_no_more(client, world):
    path = link(world.application, world.owner)
    decline = link(world.application, world.owner, "decline")
    client.force_login(world.owner)

    response = client.post(path)

    assert response.status_code == 302
    assert response.url == reverse("bookings:detail", args=[world.application.uid])
    assert fresh(world.application).status == Status.BOOKED
    assert "Accepted: The Night Shift is booked." in client.get(response.url).content.decode()

    for again in (client.post(path), client.get(path), client.post(decline)):
        assert again.status_code == 410
        html = again.content.decode()
        assert "This booking changed since the email – here is where it stands now" in html
        assert "Booked" in html
    assert fresh(world.application).status == Status.BOOKED


def test_declining_with_a_reason_tells_the_band(client, world):
    client.force_login(world.owner)

    response = client.post(link(world.application, world.owner, "decline"), {"reason": "We booked a DJ."})

    assert response.status_code == 302
    booking = fresh(world.application)
    assert booking.status == Status.DECLINED
    assert booking.status_note == "We booked a DJ."


def test_a_reason_that_is_too_long_changes_nothing(client, world):
    client.force_login(world.owner)

    response = client.post(link(world.application, world.owner, "decline"), {"reason": "x" * 301})

    assert response.status_code == 400
    assert "at most 300 characters" in response.content.decode()
    assert fresh(world.application).status == Status.PENDING


def test_the_band_answers_a_clients_request_from_its_link(client, world):
    client.force_login(world.leader)

    response = client.post(link(world.request, world.leader))

    assert response.status_code == 302
    assert fresh(world.request).status == Status.BOOKED


def test_a_booking_answered_on_the_site_retires_the_emailed_links(client, world):
    path = link(world.application, world.owner)
    answering.booking_withdraw(booking=world.application, by=world.leader)
    client.force_login(world.owner)

    response = client.get(path)

    assert response.status_code == 410
    assert "Withdrawn" in response.content.decode()


def test_the_links_in_a_notification_are_the_recipients_own(client, world):
    actions = email_actions_for(world.application)(world.owner)
    client.force_login(world.owner)

    assert [a["label"] for a in actions] == ["Accept", "Decline"]
    assert client.get(actions[0]["path"]).status_code == 200
    assert client.get(actions[1]["path"]).status_code == 200


def test_a_conflict_is_explained_with_a_409(client, world):
    # The band got booked at an overlapping time without this application being declined.
    BookingFactory(
        kind=Booking.Kind.REQUEST,
        band=world.band,
        slot=None,
        venue=None,
        client=world.other_client,
        requested_by=world.other_client,
        starts_at=world.application.starts_at - timedelta(hours=1),
        ends_at=world.application.starts_at + timedelta(hours=1),
        status=Status.BOOKED,
    )
    client.force_login(world.owner)

    response = client.post(link(world.application, world.owner))

    assert response.status_code == 409
    assert "already booked" in response.content.decode()
    assert fresh(world.application).status == Status.PENDING


def test_a_refusal_of_the_service_is_a_400_with_its_message(client, world):
    path = link(world.application, world.owner)
    band_set_status(band=world.band, status=ApprovalStatus.SUSPENDED, reason="Fake profile")
    client.force_login(world.owner)

    response = client.post(path)

    assert response.status_code == 400
    assert "suspended" in response.content.decode()
    assert fresh(world.application).status == Status.PENDING


def test_a_gig_that_has_begun_can_no_longer_be_accepted_from_the_link(client, world):
    now = timezone.now()
    Booking.objects.filter(pk=world.application.pk).update(
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )
    path = link(world.application, world.owner)
    client.force_login(world.owner)

    page = client.get(path)
    assert page.status_code == 200
    assert "can no longer be accepted" in page.content.decode()
    assert "Accept the gig" not in page.content.decode()
    assert client.post(path).status_code == 400
    assert fresh(world.application).status == Status.PENDING


def test_the_form_is_csrf_protected(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.owner)

    response = browser.post(link(world.application, world.owner))

    assert response.status_code == 403
    assert fresh(world.application).status == Status.PENDING
