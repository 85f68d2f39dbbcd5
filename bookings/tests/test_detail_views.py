"""One booking's page and its actions: who sees it, who may act, every transition, conflicts, query budget."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from availability.services import rule_create
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.models import Booking, BookingEvent
from bookings.services import answering, asking
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from stageslot.tests.pseudo import database_words, pseudo_locale, unwrapped_text

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
Status = Booking.Status


def make_world(suffix: str = "") -> SimpleNamespace:
    """A venue and a band with an application between them, a client's request to the band, and outsiders."""
    venue, owner = venue_with_owner(name="Kellerbar", slug=f"kellerbar{suffix}", time_zone="Europe/Berlin")
    band, leader = band_with_leader(name="The Night Shift", slug=f"night-shift{suffix}")
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER, user__display_name="Max Member").user
    other_band, other_leader = band_with_leader(name="Brass Band", slug=f"brass-band{suffix}")
    other_venue, other_owner = venue_with_owner(name="Lido", slug=f"lido{suffix}")
    client_user = UserFactory(display_name="Anna Client", time_zone="Europe/Berlin")
    other_client = UserFactory(display_name="Otto Client")
    slot = SlotFactory(venue=venue, starts_at=in_days(12), ends_at=in_days(12) + timedelta(hours=3), support_places=1)
    application = asking.booking_apply(
        slot=slot, band=band, by=leader, role="headliner", fee=500, message="We bring our own drums."
    )
    request = asking.booking_request(
        band=band,
        client=client_user,
        starts_at=in_days(30, 17),
        ends_at=in_days(30, 22),
        time_zone="Europe/Berlin",
        event_type="Wedding",
        location="Gut Kleinow, Brandenburg",
        guests=80,
        fee=1500,
        message="First dance at nine.",
    )
    return SimpleNamespace(
        venue=venue,
        owner=owner,
        band=band,
        leader=leader,
        member=member,
        other_band=other_band,
        other_leader=other_leader,
        other_venue=other_venue,
        other_owner=other_owner,
        client=client_user,
        other_client=other_client,
        slot=slot,
        application=application,
        request=request,
    )


@pytest.fixture
def world() -> SimpleNamespace:
    return make_world()


def url(name: str, booking: Booking) -> str:
    return reverse(f"bookings:{name}", args=[booking.uid])


def as_user(client, user):
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    return client


def status_of(booking: Booking) -> str:
    booking.refresh_from_db()
    return booking.status


# ---- Who may see it -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("leader", 200),
        ("member", 200),
        ("owner", 200),
        ("other_leader", 404),
        ("other_owner", 404),
        ("client", 404),
        ("other_client", 404),
    ],
)
def test_application_detail_is_for_its_participants_only(client, world, who, expected):
    response = as_user(client, getattr(world, who)).get(url("detail", world.application))
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("client", 200),
        ("leader", 200),
        ("member", 200),
        ("other_client", 404),
        ("owner", 404),
        ("other_leader", 404),
    ],
)
def test_request_detail_is_for_the_client_and_the_band(client, world, who, expected):
    response = as_user(client, getattr(world, who)).get(url("detail", world.request))
    assert response.status_code == expected


def test_anonymous_visitor_is_sent_to_log_in(client, world):
    response = client.get(url("detail", world.application))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_unknown_booking_is_a_404(client, world):
    client.force_login(world.leader)
    response = client.get(reverse("bookings:detail", args=["00000000-0000-0000-0000-000000000000"]))
    assert response.status_code == 404


def test_detail_shows_parties_times_money_message_role_and_the_audit_log(client, world):
    client.force_login(world.owner)
    html = client.get(url("detail", world.application)).content.decode()
    assert "The Night Shift at Kellerbar" in html
    assert reverse("bands:detail", args=["night-shift"]) in html
    assert reverse("venues:detail", args=["kellerbar"]) in html
    assert "Fee asked" in html and "500 EUR" in html
    assert "We bring our own drums." in html
    assert "Headliner" in html
    assert "(Europe/Berlin)" in html
    assert "History of this booking" in html and "Applied" in html
    # Kellerbar's owner is the one to answer, and is told so in plain words.
    assert "Waiting for your answer." in html
    assert 'hx-trigger="every 15s"' in html


def test_request_detail_shows_client_event_location_guests_and_budget(client, world):
    client.force_login(world.leader)
    html = client.get(url("detail", world.request)).content.decode()
    for text in ("Anna Client", "Wedding", "Gut Kleinow, Brandenburg", "80", "Budget", "1500 EUR", "First dance"):
        assert text in html


def test_times_are_in_the_viewers_zone_and_the_events_zone_when_they_differ(client, world):
    world.owner.time_zone = "America/New_York"
    world.owner.save(update_fields=["time_zone"])
    client.force_login(world.owner)
    html = client.get(url("detail", world.application)).content.decode()
    ny = timezone.localtime(world.application.starts_at, world.owner.zone)
    berlin = timezone.localtime(world.application.starts_at, world.application.zone)
    assert f"{ny:%H:%M}–" in html and "(America/New_York)" in html
    assert "Local time there" in html and f"{berlin:%H:%M}–" in html and "(Europe/Berlin)" in html


def test_pending_detail_says_whether_the_band_is_free_then(client, world):
    client.force_login(world.owner)
    assert "free for the whole time" in client.get(url("detail", world.application)).content.decode()
    answering.booking_accept(booking=world.request, by=world.leader)  # another day: still free
    assert "free for the whole time" in client.get(url("detail", world.application)).content.decode()
    start = timezone.localtime(world.slot.starts_at, world.member.zone)
    rule_create(
        user=world.member,
        title="Dentist",
        start_date=start.date(),
        start_time=start.time(),
        end_date=start.date(),
        end_time=(start + timedelta(minutes=30)).time(),
    )
    html = client.get(url("detail", world.application)).content.decode()
    assert "is busy during this time" in html
    assert "Dentist" not in html


def test_lineup_lists_the_other_booked_acts_of_the_slot(client, world):
    support_band, support_leader = band_with_leader(name="Support Act")
    support = asking.booking_apply(slot=world.slot, band=support_band, by=support_leader, role="support")
    answering.booking_accept(booking=support, by=world.owner)
    client.force_login(world.leader)
    html = client.get(url("detail", world.application)).content.decode()
    assert "Lineup" in html and "Support Act" in html


# ---- Which actions are offered --------------------------------------------------------------


def test_actions_follow_side_and_state(client, world):
    accept_url, withdraw_url = url("accept", world.application), url("withdraw", world.application)
    html = as_user(client, world.owner).get(url("detail", world.application)).content.decode()
    assert accept_url in html and url("decline", world.application) in html and withdraw_url not in html
    html = as_user(client, world.leader).get(url("detail", world.application)).content.decode()
    assert withdraw_url in html and accept_url not in html
    html = as_user(client, world.member).get(url("detail", world.application)).content.decode()
    assert accept_url not in html and withdraw_url not in html
    assert "leaders and admins of The Night Shift answer" in html
    html = as_user(client, world.client).get(url("detail", world.request)).content.decode()
    assert url("withdraw", world.request) in html and url("accept", world.request) not in html
    answering.booking_accept(booking=world.request, by=world.leader)
    html = as_user(client, world.client).get(url("detail", world.request)).content.decode()
    assert url("cancel", world.request) in html and url("withdraw", world.request) not in html


# ---- Permission matrix for every action ---------------------------------------------------

# (who, expected status for accept/decline, for withdraw) on the pending application.
PENDING_MATRIX = [
    ("owner", 302, 403),
    ("leader", 403, 302),
    ("member", 403, 403),
    ("other_leader", 404, 404),
    ("other_owner", 404, 404),
    ("client", 404, 404),
    ("other_client", 404, 404),
]


@pytest.mark.parametrize(("who", "answer", "withdraw"), PENDING_MATRIX)
@pytest.mark.parametrize("action", ["accept", "decline", "withdraw"])
def test_pending_action_permissions(client, world, who, answer, withdraw, action):
    expected = withdraw if action == "withdraw" else answer
    events = BookingEvent.objects.count()
    response = as_user(client, getattr(world, who)).post(url(action, world.application), {"reason": "No"})
    assert response.status_code == expected
    if expected != 302:
        assert status_of(world.application) == Status.PENDING
        assert BookingEvent.objects.count() == events


@pytest.mark.parametrize("action", ["accept", "decline", "withdraw", "cancel"])
def test_anonymous_actions_go_to_login_and_change_nothing(client, world, action):
    response = client.post(url(action, world.application), {"reason": "x"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert status_of(world.application) == Status.PENDING


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("owner", 302),
        ("leader", 302),
        ("member", 403),
        ("other_leader", 404),
        ("other_owner", 404),
        ("client", 404),
    ],
)
def test_cancel_permissions_on_a_booked_gig(client, world, who, expected):
    answering.booking_accept(booking=world.application, by=world.owner)
    response = as_user(client, getattr(world, who)).post(url("cancel", world.application), {"reason": "Flooded"})
    assert response.status_code == expected
    assert status_of(world.application) == (Status.CANCELLED if expected == 302 else Status.BOOKED)


@pytest.mark.parametrize(("who", "expected"), [("client", 302), ("leader", 302), ("member", 403), ("owner", 404)])
def test_cancel_permissions_on_a_booked_request(client, world, who, expected):
    answering.booking_accept(booking=world.request, by=world.leader)
    response = as_user(client, getattr(world, who)).post(url("cancel", world.request), {"reason": "Rain"})
    assert response.status_code == expected


def test_actions_only_take_post(client, world):
    client.force_login(world.owner)
    assert client.get(url("accept", world.application)).status_code == 405


# ---- Each transition through the views ------------------------------------------------------


def test_venue_accepts_an_application_then_the_band_cancels_with_a_reason(client, world):
    client.force_login(world.owner)
    response = client.post(url("accept", world.application), follow=True)
    assert response.redirect_chain[-1][0] == url("detail", world.application)
    assert "Accepted: The Night Shift is booked" in response.content.decode()
    assert status_of(world.application) == Status.BOOKED
    client.force_login(world.leader)
    response = client.post(url("cancel", world.application), {"reason": "Our singer lost her voice"}, follow=True)
    assert status_of(world.application) == Status.CANCELLED
    html = response.content.decode()
    assert "Our singer lost her voice" in html
    assert [e.to_status for e in world.application.events.order_by("pk")] == ["pending", "booked", "cancelled"]


def test_band_leader_accepts_an_offer(client, world):
    other_slot = SlotFactory(venue=world.venue, starts_at=in_days(40), ends_at=in_days(40) + timedelta(hours=2))
    offer = asking.booking_offer(slot=other_slot, band=world.band, by=world.owner, role="headliner", fee=700)
    client.force_login(world.leader)
    assert client.post(url("accept", offer)).status_code == 302
    assert status_of(offer) == Status.BOOKED


def test_band_declines_a_request_with_a_reason_the_client_reads(client, world):
    client.force_login(world.leader)
    assert client.post(url("decline", world.request), {"reason": "We are on tour then"}).status_code == 302
    assert status_of(world.request) == Status.DECLINED
    client.force_login(world.client)
    html = client.get(url("detail", world.request)).content.decode()
    assert "Reason:" in html and "We are on tour then" in html
    assert "Nothing left to do" in html


def test_decline_without_a_reason_is_fine(client, world):
    client.force_login(world.owner)
    assert client.post(url("decline", world.application)).status_code == 302
    assert status_of(world.application) == Status.DECLINED


def test_client_withdraws_a_pending_request(client, world):
    client.force_login(world.client)
    response = client.post(url("withdraw", world.request), follow=True)
    assert status_of(world.request) == Status.WITHDRAWN
    assert "Withdrawn" in response.content.decode()


def test_only_the_asking_side_withdraws(client, world):
    client.force_login(world.leader)
    assert client.post(url("withdraw", world.request)).status_code == 403
    assert status_of(world.request) == Status.PENDING


def test_cancel_needs_a_reason(client, world):
    answering.booking_accept(booking=world.application, by=world.owner)
    client.force_login(world.owner)
    events = BookingEvent.objects.count()
    for data in ({}, {"reason": "   "}):
        response = client.post(url("cancel", world.application), data)
        assert response.status_code == 400
        html = response.content.decode()
        assert "Say why the gig is cancelled" in html
        assert '<details class="bk-actions__more" open>' in html
    assert status_of(world.application) == Status.BOOKED
    assert BookingEvent.objects.count() == events


def test_too_long_reason_is_refused_next_to_the_field(client, world):
    client.force_login(world.owner)
    response = client.post(url("decline", world.application), {"reason": "x" * 301})
    assert response.status_code == 400
    assert "at most 300 characters" in response.content.decode()
    assert status_of(world.application) == Status.PENDING


# ---- Conflicts: 409 with the message, nothing changed ----------------------------------------


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_accepting_a_declined_booking_is_a_409(client, world, headers):
    answering.booking_decline(booking=world.application, by=world.owner, reason="Full")
    events = BookingEvent.objects.count()
    client.force_login(world.owner)
    response = client.post(url("accept", world.application), **headers)
    assert response.status_code == 409
    html = response.content.decode()
    assert "already declined" in html and "nothing was changed" in html
    assert ("<html" in html) is not bool(headers)
    assert status_of(world.application) == Status.DECLINED
    assert BookingEvent.objects.count() == events


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_accepting_when_the_band_is_booked_elsewhere_is_a_409(client, world, headers):
    elsewhere = SlotFactory(
        venue=world.other_venue, starts_at=world.slot.starts_at + timedelta(hours=1), ends_at=world.slot.ends_at
    )
    offer = asking.booking_offer(slot=elsewhere, band=world.band, by=world.other_owner, role="headliner")
    # A racer won the evening meanwhile (accepting through the service would decline the offer as well).
    Booking.objects.filter(pk=world.application.pk).update(status=Status.BOOKED)
    events = BookingEvent.objects.count()
    client.force_login(world.leader)
    response = client.post(url("accept", offer), **headers)
    assert response.status_code == 409
    assert "The Night Shift is already booked" in response.content.decode()
    assert status_of(offer) == Status.PENDING
    assert Booking.objects.filter(band=world.band, status=Status.BOOKED).count() == 1
    assert BookingEvent.objects.count() == events


def test_a_conflict_answers_with_its_reason_alone_and_the_booking_redraws_itself(client, world):
    """A loser of a decided race hears the reason without the booking drawn again: over HTMX a short
    alert aimed above the booking, which is told to redraw itself; without JavaScript a short page
    that leads back to the booking. Either costs three queries, whatever the booking holds: the
    session, the viewer, and the booking read with where the viewer stands in it and the names the
    page shows (booking_for_action)."""
    answering.booking_decline(booking=world.application, by=world.owner, reason="Full")
    client.force_login(world.owner)
    with CaptureQueriesContext(connection) as partial_queries:
        response = client.post(url("accept", world.application), **HTMX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#booking-alert"
    assert response["HX-Reswap"] == "outerHTML"
    assert "booking-changed" in response["HX-Trigger"]
    html = response.content.decode()
    assert 'id="booking-alert"' in html and 'role="alert"' in html and "already declined" in html
    assert len(html) < 600
    with CaptureQueriesContext(connection) as page_queries:
        page = client.post(url("accept", world.application))
    assert page.status_code == 409
    html = page.content.decode()
    assert "already declined" in html and "<html" in html
    assert f'href="{url("detail", world.application)}"' in html
    assert (len(partial_queries), len(page_queries)) == (3, 3)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_the_loser_of_a_decided_race_reads_its_409_in_words_marked_for_translation(client, world, headers):
    """The time was just taken: what the loser reads says so in words a translator can reach (the
    pseudo-locale wraps every marked word; only the data – names, the zone – stands outside)."""
    elsewhere = SlotFactory(
        venue=world.other_venue, starts_at=world.slot.starts_at + timedelta(hours=1), ends_at=world.slot.ends_at
    )
    offer = asking.booking_offer(slot=elsewhere, band=world.band, by=world.other_owner, role="headliner")
    Booking.objects.filter(pk=world.application.pk).update(status=Status.BOOKED)
    client.force_login(world.leader)
    with pseudo_locale():
        response = client.post(url("accept", offer), **headers)
    assert response.status_code == 409
    html = response.content.decode()
    assert "⟦The Night Shift is already booked" in html
    if not headers:  # the page: its title and its main part (the site's frame is the base page's)
        title, main = html.split("<title>", 1)[1], html.split("<main", 1)[1].split(">", 1)[1]
        html = title.split("</title>", 1)[0] + main.split("</main>", 1)[0]
    assert [str(u) for u in unwrapped_text(html, data=database_words())] == []


def test_an_answer_in_place_clears_an_earlier_conflicts_alert(client, world):
    """The booking page keeps a place for a conflict's reason above the booking; the next action
    answered in place empties it (out of band), the redraw after a conflict does not."""
    client.force_login(world.owner)
    assert '<div id="booking-alert"></div>' in client.get(url("detail", world.application)).content.decode()
    redraw = client.get(url("detail", world.application), **HTMX).content.decode()
    assert "booking-alert" not in redraw
    answer = client.post(url("decline", world.application), {"reason": "Full"}, **HTMX)
    assert answer.status_code == 200
    assert '<div id="booking-alert" hx-swap-oob="true"></div>' in answer.content.decode()


def test_withdrawing_twice_is_a_409(client, world):
    client.force_login(world.client)
    assert client.post(url("withdraw", world.request)).status_code == 302
    response = client.post(url("withdraw", world.request))
    assert response.status_code == 409
    assert "already withdrawn" in response.content.decode()


def test_accepting_a_gig_that_has_started_is_a_400(client, world):
    past_slot = SlotFactory(venue=world.venue, starts_at=in_days(-2), ends_at=in_days(-2) + timedelta(hours=2))
    stale = BookingFactory(slot=past_slot, band=world.band, requested_by=world.leader)
    client.force_login(world.owner)
    response = client.post(url("accept", stale))
    assert response.status_code == 400
    assert "already started" in response.content.decode()
    assert status_of(stale) == Status.PENDING


# ---- HTMX: the partial, the live status ------------------------------------------------------


def test_htmx_action_returns_the_booking_partial_with_the_notice(client, world):
    client.force_login(world.owner)
    response = client.post(url("accept", world.application), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="booking"' in html
    assert "Accepted: The Night Shift is booked" in html


def test_the_status_block_polls_and_asks_for_a_redraw_after_a_change(client, world):
    client.force_login(world.client)
    seq = world.request.sequence
    status_url = f"{url('detail', world.request)}?part=status&seq={seq}"
    response = client.get(status_url, **HTMX)
    assert response.status_code == 200
    assert "HX-Trigger" not in response.headers
    assert 'id="booking-status"' in response.content.decode() and "<html" not in response.content.decode()
    answering.booking_accept(booking=world.request, by=world.leader)
    response = client.get(status_url, **HTMX)
    assert "booking-changed" in response.headers["HX-Trigger"]
    assert "Booked" in response.content.decode()


def test_a_finished_booking_stops_polling(client, world):
    answering.booking_withdraw(booking=world.request, by=world.client)
    client.force_login(world.client)
    assert 'hx-trigger="every 15s"' not in client.get(url("detail", world.request)).content.decode()


def test_the_status_poll_is_private_too(client, world):
    client.force_login(world.other_client)
    assert client.get(f"{url('detail', world.request)}?part=status&seq=0", **HTMX).status_code == 404


def _status_url(html: str) -> str:
    """The address the page's live status block polls (with its sequence and change stamp)."""
    return re.search(r'id="booking-status"[^>]*hx-get="([^"]+)"', html, re.S).group(1).replace("&amp;", "&")


def _own_queries(captured) -> list[str]:
    """The queries beyond the floor of any signed-in request (its session and its user)."""
    return [q["sql"] for q in captured if "django_session" not in q["sql"] and '"accounts_user"' not in q["sql"]]


def test_an_unchanged_status_answers_204_from_its_stamp_without_a_query(client, world):
    client.force_login(world.client)
    status_url = _status_url(client.get(url("detail", world.request)).content.decode())
    assert "stamp=" in status_url
    with CaptureQueriesContext(connection) as polled:
        response = client.get(status_url, **HTMX)
    assert response.status_code == 204 and response.content == b""
    assert _own_queries(polled.captured_queries) == []
    assert len(polled.captured_queries) <= 2  # the session and the user, what any signed-in request reads


def test_a_status_change_through_the_service_moves_the_status_stamp(client, world):
    client.force_login(world.client)
    status_url = _status_url(client.get(url("detail", world.request)).content.decode())
    answering.booking_accept(booking=world.request, by=world.leader)
    response = client.get(status_url, **HTMX)
    assert response.status_code == 200 and "Booked" in response.content.decode()
    assert "booking-changed" in response.headers["HX-Trigger"]


def test_a_booking_declined_with_the_losers_moves_its_status_stamp(client, world):
    rival = asking.booking_apply(slot=world.slot, band=world.other_band, by=world.other_leader, role="headliner")
    client.force_login(world.other_leader)
    status_url = _status_url(client.get(url("detail", rival)).content.decode())
    assert client.get(status_url, **HTMX).status_code == 204
    answering.booking_accept(booking=world.application, by=world.owner)
    rival.refresh_from_db()
    assert rival.status == Booking.Status.DECLINED
    response = client.get(status_url, **HTMX)
    assert response.status_code == 200 and "booking-changed" in response.headers["HX-Trigger"]


def test_a_page_drawn_before_a_change_gets_no_stamp_of_the_newer_sequence(client, world):
    client.force_login(world.client)
    status_url = _status_url(client.get(url("detail", world.request)).content.decode())
    stamp = status_url.split("stamp=")[1]
    # A poll from a page of an older sequence with the current stamp is not "nothing changed".
    older = status_url.replace(f"seq={world.request.sequence}", f"seq={world.request.sequence - 1}")
    assert client.get(older, **HTMX).status_code == 200
    assert stamp.startswith(f"{world.request.sequence}.")


@pytest.mark.parametrize("who", ["other_client", "other_leader", "owner"])
def test_an_outsider_guessing_a_status_stamp_still_gets_a_404(client, world, who):
    client.force_login(world.client)
    status_url = _status_url(client.get(url("detail", world.request)).content.decode())
    client.force_login(getattr(world, who))
    guessed = status_url[:-1] + ("A" if status_url[-1] != "A" else "B")
    for poll in (guessed, status_url.split("&stamp=")[0]):
        assert client.get(poll, **HTMX).status_code == 404


# ---- Query budget -----------------------------------------------------------------------------


def _grow(booking: Booking, world, n: int) -> None:
    """n more audit rows and n more acts on the slot."""
    BookingEvent.objects.bulk_create(
        BookingEvent(booking=booking, actor=world.owner, from_status="pending", to_status="pending", note=f"n{i}")
        for i in range(n)
    )
    world.slot.support_places = min(6, n)
    world.slot.save(update_fields=["support_places"])
    for _ in range(min(6, n)):
        act, act_leader = band_with_leader()
        answering.booking_accept(
            booking=asking.booking_apply(slot=world.slot, band=act, by=act_leader, role="support"), by=world.owner
        )


def test_detail_query_count_does_not_grow_with_the_log_or_the_lineup(client, django_assert_max_num_queries):
    counts = []
    for n in (1, 20):
        world = make_world(suffix=str(n))
        _grow(world.application, world, n)
        client.force_login(world.owner)
        client.get(url("detail", world.application))
        with django_assert_max_num_queries(9) as ctx:
            assert client.get(url("detail", world.application)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_loser_of_a_decided_race_costs_four_queries_however_many_bookings_are_pending(client, headers):
    """The band is booked for the evening and its other pending bookings are not declined yet (the
    worker's part): accepting one of them is a 409 after four queries – the session, the viewer, the
    booking with where the viewer stands in it, the gig in the way – with 2 pending or 30."""
    counts = []
    for n in (2, 30):
        world = make_world(suffix=str(n))
        start = in_days(50, 18)
        pending = [
            BookingFactory(
                kind=Booking.Kind.REQUEST,
                band=world.band,
                client=world.client,
                requested_by=world.client,
                slot=None,
                starts_at=start + timedelta(minutes=i),
                ends_at=start + timedelta(minutes=i, hours=3),
            )
            for i in range(n)
        ]
        Booking.objects.filter(pk=pending[0].pk).update(status=Status.BOOKED)  # the winner
        client.force_login(world.leader)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url("accept", pending[-1]), **headers)
        assert response.status_code == 409
        assert "The Night Shift is already booked" in response.content.decode()
        assert status_of(pending[-1]) == Status.PENDING
        counts.append(len(queries))
    assert counts == [4, 4]


def test_action_query_count_is_bounded(client, world, django_assert_max_num_queries):
    client.force_login(world.client)
    client.get(url("detail", world.request))
    with django_assert_max_num_queries(30):
        assert client.post(url("withdraw", world.request), **HTMX).status_code == 200


# ---- In the browser -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_a_stale_accept_shows_the_409_in_place_and_a_fresh_one_books(live_server, browser, axe_check):
    from bands.tests.test_browser import log_in

    world = make_world()
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, world.owner.email)
    page.goto(f"{live_server.url}{url('detail', world.application)}")
    axe_check(page)
    # Someone else declined it while the page was open.
    answering.booking_decline(booking=world.application, by=world.owner, reason="Full")
    page.get_by_text("Accept…").click()
    page.get_by_role("button", name="Yes, accept this gig").click()
    page.get_by_text("already declined, so nothing was changed").wait_for()
    # The answer takes the focus.
    # (Asked through a locator: a polled JavaScript string would need 'unsafe-eval', which our CSP refuses.)
    expect(page.locator(":focus")).to_have_attribute("role", "alert")
    # The booking below the reason redraws itself as it now stands; the reason and its focus stay.
    expect(page.locator("#booking-status .badge")).to_have_text("Declined")
    expect(page.get_by_text("Accept…")).to_have_count(0)
    expect(page.locator("#booking-alert [role=alert]")).to_be_focused()
    axe_check(page, what="the booking after a 409 in place")
    assert status_of(world.application) == Status.DECLINED
    # A fresh application is accepted in place.
    slot = SlotFactory(venue=world.venue, starts_at=in_days(45), ends_at=in_days(45) + timedelta(hours=2))
    fresh = asking.booking_apply(slot=slot, band=world.band, by=world.leader, role="headliner")
    page.goto(f"{live_server.url}{url('detail', fresh)}")
    page.get_by_text("Accept…").click()
    # What is agreed shows before anything is booked.
    step = page.locator("details[data-confirm][open]")
    assert "Kellerbar" in step.inner_text() and "You agree to this gig" in step.inner_text()
    assert status_of(fresh) == Status.PENDING
    page.get_by_role("button", name="Yes, accept this gig").click()
    page.get_by_text("Accepted: The Night Shift is booked").wait_for()
    expect(page.locator(":focus")).to_have_attribute("role", "status")
    assert status_of(fresh) == Status.BOOKED
    axe_check(page, what="the booking accepted in place")
    context.close()


# ---- Accepting shows what is agreed; withdrawing and cancelling ask once --------------------------


def confirm_step(html: str, action_url: str) -> str:
    """The <details> step holding the form that posts to `action_url`."""
    import re

    for block in re.findall(r"<details[^>]*>.*?</details>", html, flags=re.S):
        if f'action="{action_url}"' in block:
            return block
    raise AssertionError(f"no confirm step for {action_url}")


def test_accepting_first_shows_the_date_place_fee_and_terms(client, world):
    client.force_login(world.owner)
    html = client.get(url("detail", world.application)).content.decode()
    step = confirm_step(html, url("accept", world.application))
    # The button that commits sits behind the step, after what is agreed.
    assert step.index("<summary") < step.index("You agree to this gig") < step.index("Yes, accept this gig")
    start = timezone.localtime(world.application.starts_at, world.owner.zone)
    assert f"{start:%H:%M}" in step
    assert "Kellerbar" in step and "500 EUR" in step and "Terms" in step
    assert "The Night Shift (headliner)" in step


def test_accepting_a_request_shows_the_clients_place_and_budget(client, world):
    client.force_login(world.leader)
    step = confirm_step(client.get(url("detail", world.request)).content.decode(), url("accept", world.request))
    assert "Gut Kleinow, Brandenburg" in step and "1500" in step and "Wedding, 80 guests" in step


def test_withdrawing_and_cancelling_ask_once_before_they_happen(client, world):
    client.force_login(world.leader)
    html = client.get(url("detail", world.application)).content.decode()
    step = confirm_step(html, url("withdraw", world.application))
    assert "This cannot be undone" in step and "Yes, withdraw the application" in step
    answering.booking_accept(booking=world.application, by=world.owner)
    html = client.get(url("detail", world.application)).content.decode()
    assert "Yes, cancel the gig" in confirm_step(html, url("cancel", world.application))


def test_the_result_of_an_action_takes_the_focus(client, world):
    client.force_login(world.owner)
    html = client.post(url("accept", world.application), **HTMX).content.decode()
    assert 'role="status" tabindex="-1" data-focus>Accepted: The Night Shift is booked' in html


# ---- Plain words: whose answer, and what happened -------------------------------------------------


def test_the_asking_side_reads_whose_answer_it_waits_for(client, world):
    client.force_login(world.leader)
    html = client.get(url("detail", world.application)).content.decode()
    assert "Waiting for Kellerbar." in html and "Waiting for your answer" not in html
    # The polled status block says the same to each side.
    status = client.get(url("detail", world.application), {"part": "status"}, **HTMX).content.decode()
    assert "Waiting for Kellerbar." in status
    client.force_login(world.owner)
    status = client.get(url("detail", world.application), {"part": "status"}, **HTMX).content.decode()
    assert "Waiting for your answer." in status


def history(html: str) -> list[str]:
    import re

    table = re.search(r'<table class="bk-table bk-log">.*?</table>', html, flags=re.S)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]


def test_the_history_says_what_happened_and_who_did_it(client, world):
    rival_band, rival_leader = band_with_leader(name="The Rivals")
    rival = asking.booking_apply(slot=world.slot, band=rival_band, by=rival_leader, role="headliner")
    answering.booking_accept(booking=world.application, by=world.owner)
    client.force_login(world.leader)
    rows = history(client.get(url("detail", world.application)).content.decode())
    assert rows[0].endswith(f"Applied by {world.leader.name}")
    assert rows[1].endswith(f"Accepted by {world.owner.name}")
    assert not any("→" in row for row in rows)
    rows = history(client.get(url("detail", world.request)).content.decode())
    assert rows[0].endswith("Requested by Anna Client")
    client.force_login(rival_leader)
    rows = history(client.get(url("detail", rival)).content.decode())
    assert rows[-1].endswith("Declined automatically: the headliner place went to another band.")
