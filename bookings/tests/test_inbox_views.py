"""The bookings inbox: four tabs by who must answer, the role filter, history paging, zones, query budget."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.services import answering, asking
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db

INBOX = reverse("bookings:inbox")
HTMX = {"HTTP_HX_REQUEST": "true"}
Status = Booking.Status


@pytest.fixture
def world():
    return make_world()


def tab(client, user, name: str, **params) -> str:
    client.force_login(user)
    response = client.get(INBOX, {"tab": name, **params})
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> list[str]:
    """The booking links of the list, in order."""
    return re.findall(r'<th scope="row" data-label="Band">\s*<a href="/bookings/([0-9a-f-]+)/"', html)


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_venue_staff_answer_applications_and_the_band_waits(client, world):
    uid = str(world.application.uid)
    assert uid in rows(tab(client, world.owner, "answer"))
    assert uid not in rows(tab(client, world.owner, "waiting"))
    assert uid in rows(tab(client, world.leader, "waiting"))
    assert uid not in rows(tab(client, world.leader, "answer"))


def test_band_leaders_answer_requests_and_the_client_waits(client, world):
    uid = str(world.request.uid)
    assert uid in rows(tab(client, world.leader, "answer"))
    assert uid in rows(tab(client, world.client, "waiting"))
    assert uid not in rows(tab(client, world.client, "answer"))


def test_a_plain_member_sees_the_bands_bookings_but_none_needs_their_answer(client, world):
    assert rows(tab(client, world.member, "answer")) == []
    waiting = rows(tab(client, world.member, "waiting"))
    assert str(world.request.uid) in waiting and str(world.application.uid) in waiting


def test_an_offer_the_user_sent_themselves_waits_even_if_they_lead_the_band(client, world):
    """A venue owner who also leads the band cannot answer their own offer: it waits for the other leaders."""
    MembershipFactory(band=world.band, user=world.owner, role="admin")
    slot = SlotFactory(venue=world.venue, starts_at=in_days(50), ends_at=in_days(50) + timedelta(hours=2))
    offer = asking.booking_offer(slot=slot, band=world.band, by=world.owner, role="headliner")
    assert str(offer.uid) in rows(tab(client, world.owner, "waiting"))
    assert str(offer.uid) not in rows(tab(client, world.owner, "answer"))
    assert str(offer.uid) in rows(tab(client, world.leader, "answer"))


def test_booked_gigs_are_upcoming_and_ended_ones_are_history(client, world):
    answering.booking_accept(booking=world.request, by=world.leader)
    answering.booking_decline(booking=world.application, by=world.owner, reason="Full")
    assert rows(tab(client, world.client, "upcoming")) == [str(world.request.uid)]
    assert rows(tab(client, world.leader, "history")) == [str(world.application.uid)]
    html = tab(client, world.leader, "history")
    assert "Declined" in html and "badge--danger" in html


def test_history_is_newest_first_and_paged(client):
    band, leader = band_with_leader()
    now = timezone.now()
    made = []
    for i in range(25):
        booking = BookingFactory(band=band, status=Status.DECLINED)
        Booking.objects.filter(pk=booking.pk).update(status_changed_at=now - timedelta(hours=i))
        made.append(str(booking.uid))
    first = rows(tab(client, leader, "history"))
    assert first == made[:20]
    second = rows(tab(client, leader, "history", page=2))
    assert second == made[20:]
    assert rows(tab(client, leader, "history", page=99)) == made[20:]
    assert rows(tab(client, leader, "history", page="x")) == made[:20]


def test_other_peoples_bookings_never_show(client, world):
    stranger = UserFactory()
    client.force_login(stranger)
    html = client.get(INBOX).content.decode()
    assert rows(html) == []
    assert "No bookings yet" in html
    for name in ("answer", "waiting", "upcoming", "history"):
        assert rows(tab(client, world.other_leader, name)) == []
        assert rows(tab(client, world.other_client, name)) == []


def test_the_client_sees_requests_and_their_history(client, world):
    assert rows(tab(client, world.client, "waiting")) == [str(world.request.uid)]
    answering.booking_withdraw(booking=world.request, by=world.client)
    html = tab(client, world.client, "history")
    assert rows(html) == [str(world.request.uid)]
    assert "Withdrawn" in html and "Wedding" in html


def test_default_tab_is_the_first_with_something_in_it(client, world):
    client.force_login(world.owner)
    assert 'id="inbox-tab-answer"' in client.get(INBOX).content.decode()
    html = client.get(INBOX).content.decode()
    assert re.search(r'id="inbox-tab-answer"[^>]*aria-current="page"', html)
    client.force_login(world.client)
    html = client.get(INBOX).content.decode()
    assert re.search(r'id="inbox-tab-waiting"[^>]*aria-current="page"', html)


def test_a_row_names_band_place_time_in_the_viewers_zone_kind_role_status(client, world):
    world.owner.time_zone = "America/New_York"
    world.owner.save(update_fields=["time_zone"])
    html = tab(client, world.owner, "answer")
    local = timezone.localtime(world.application.starts_at, world.owner.zone)
    assert "When (America/New_York)" in html
    assert f"{local:%H:%M}–" in html
    for text in ("The Night Shift", "Kellerbar", "Application", "Headliner", "Pending", "Venue: Kellerbar"):
        assert text in html


def test_filter_by_role_appears_for_several_roles_and_narrows_the_list(client, world):
    # The leader also asks another band to play their birthday: two roles.
    party_band, _ = band_with_leader(name="Party Band")
    mine = asking.booking_request(
        band=party_band,
        client=world.leader,
        starts_at=in_days(60, 18),
        ends_at=in_days(60, 22),
        time_zone="Europe/Berlin",
        event_type="Birthday",
    )
    client.force_login(world.leader)
    html = client.get(INBOX, {"tab": "waiting"}).content.decode()
    assert 'name="show"' in html and "My private requests" in html
    assert set(rows(html)) == {str(world.application.uid), str(mine.uid)}
    only_mine = rows(tab(client, world.leader, "waiting", show="client"))
    assert only_mine == [str(mine.uid)]
    only_band = rows(tab(client, world.leader, "waiting", show=f"band:{world.band.pk}"))
    assert only_band == [str(world.application.uid)]
    # Someone else's band in the filter is not a choice: the whole list shows.
    assert set(rows(tab(client, world.leader, "waiting", show=f"band:{world.other_band.pk}"))) == set(
        rows(tab(client, world.leader, "waiting"))
    )
    assert rows(tab(client, world.leader, "waiting", show="venue:abc")) == rows(tab(client, world.leader, "waiting"))


def test_one_role_no_filter(client, world):
    client.force_login(world.client)
    assert 'name="show"' not in client.get(INBOX).content.decode()


def test_venue_staff_with_a_band_get_the_filter(client, world):
    MembershipFactory(band=world.other_band, user=world.owner)
    client.force_login(world.owner)
    html = client.get(INBOX).content.decode()
    assert "Venue: Kellerbar" in html and "Band: Brass Band" in html


def test_unknown_tab_falls_back(client, world):
    client.force_login(world.owner)
    assert client.get(INBOX, {"tab": "nope"}).status_code == 200


def test_htmx_tab_switch_returns_the_list_only(client, world):
    client.force_login(world.owner)
    response = client.get(INBOX, {"tab": "history"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="inbox-list"' in html


@pytest.mark.parametrize("name", ["answer", "waiting", "upcoming", "history"])
def test_query_count_is_the_same_for_1_and_20_rows(client, django_assert_max_num_queries, name):
    counts = []
    for n in (1, 20):
        venue, owner = venue_with_owner()
        band, leader = band_with_leader()
        status = {"answer": Status.PENDING, "waiting": Status.PENDING, "upcoming": Status.BOOKED}.get(
            name, Status.CANCELLED
        )
        for i in range(n):
            slot = SlotFactory(venue=venue, starts_at=in_days(5 + i), ends_at=in_days(5 + i) + timedelta(hours=2))
            BookingFactory(band=band, slot=slot, status=status, requested_by=leader)
        viewer = owner if name == "answer" else leader
        client.force_login(viewer)
        client.get(INBOX, {"tab": name})
        # Session, user, memberships, venue roles, agency links, counts, rows, unread counts.
        with django_assert_max_num_queries(8) as ctx:
            response = client.get(INBOX, {"tab": name})
        assert len(rows(response.content.decode())) == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_waiting_rows_name_whose_answer_they_wait_for(client):
    import datetime as dt

    from bookings.models import Booking
    from bookings.services import asking
    from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner

    venue, owner = venue_with_owner(name="Kellerbar")
    band, leader = band_with_leader(name="The Night Owls")
    slot = SlotFactory(venue=venue, starts_at=in_days(10), ends_at=in_days(10) + dt.timedelta(hours=3))
    asking.booking_apply(slot=slot, band=band, by=leader, role=Booking.Role.HEADLINER)
    client.force_login(leader)
    html = client.get(reverse("bookings:inbox"), {"tab": "waiting"}).content.decode()
    assert "Waiting for Kellerbar" in html
    assert "Waiting for others" in html and "Waiting for the other side" not in html
    client.force_login(owner)
    html = client.get(reverse("bookings:inbox"), {"tab": "answer"}).content.decode()
    assert "Waiting for your answer" in html and "Needs your answer" not in html
