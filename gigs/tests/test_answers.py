"""Who plays: each member answers "Can you play?" for each booked gig; the leaders are told of a required
member's "can't"; the band's pages, calendar and feeds show who is in; nobody else sees the answers."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.people import people_draw
from bands.models import BandBlock, Membership
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.models import Webhook, WebhookDelivery
from bookings.services import answering, asking, ending
from bookings.tests.factories import in_days
from gigs.models import Answer, GigAnswer
from gigs.selectors.answers import who_is_in
from gigs.services.answers import (
    answer_link_token,
    gig_answer_set,
    gig_lineup_open,
    gig_lineups_open,
    gig_reminders_send,
    gigs_without_lineup,
)
from gigs.tests.factories import gig_world, hosted_show

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = gig_world()
    w.drummer = MembershipFactory(
        band=w.band, role=Membership.Role.MEMBER, instrument="Drums", required=True, user__display_name="Dana Drums"
    ).user
    return w


def _place(gig, user) -> GigAnswer:
    return GigAnswer.objects.get(booking=gig, member=user)


# ---- Opening the line-up --------------------------------------------------------------------------------


def test_the_round_gives_every_member_a_place_and_asks_each_once(world):
    assert gigs_without_lineup(now=timezone.now()).filter(pk=world.gig.pk).exists()
    gig_lineups_open()
    places = GigAnswer.objects.filter(booking=world.gig)
    assert {p.member_id for p in places} == {world.leader.pk, world.member.pk, world.drummer.pk}
    assert _place(world.gig, world.drummer).instrument == "Drums"
    asked = Notification.objects.filter(kind="rsvp_asked", recipient=world.drummer)
    # The venue gig and the client's private event are both booked and ahead; the pending one is not.
    assert asked.count() == 2
    assert {a["answer"] for a in asked.first().data["actions"]} == set(Answer.values)
    gig_lineups_open()
    assert Notification.objects.filter(kind="rsvp_asked", recipient=world.drummer).count() == 2
    assert not GigAnswer.objects.filter(booking=world.pending).exists()
    assert not gigs_without_lineup(now=timezone.now()).filter(band=world.band).exists()


def test_a_member_who_joins_later_gets_a_place_while_the_gig_is_ahead(world):
    gig_lineup_open(booking=world.gig)
    late = MembershipFactory(band=world.band, instrument="Keys").user
    assert gig_lineup_open(booking=world.gig) == 1
    assert _place(world.gig, late).instrument == "Keys"
    block = BandBlock.objects.get(pk=world.gig.block_id)
    assert block.lineup["of"] == 4


def test_a_hosted_show_gets_a_line_up_too(world):
    _slot, show = hosted_show(world.band, world.leader)
    assert gig_lineup_open(booking=show) == 3


# ---- Answering ------------------------------------------------------------------------------------------


def test_an_answer_is_saved_and_summed_on_the_gig_block(world):
    gig_lineup_open(booking=world.gig)
    gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer="definitely", comment=" Yes! ")
    place = _place(world.gig, world.member)
    assert (place.answer, place.comment) == ("definitely", "Yes!")
    assert place.answered_at is not None
    lineup = BandBlock.objects.get(pk=world.gig.block_id).lineup
    assert lineup["in"] == 1 and lineup["of"] == 3 and lineup["at_risk"] is False
    assert lineup["answers"][str(world.member.pk)] == "definitely"
    # The leaders hear of it (a low-priority notification); the member who answered does not.
    assert Notification.objects.filter(kind="rsvp_answered", recipient=world.leader).count() == 1
    assert not Notification.objects.filter(kind="rsvp_answered", recipient=world.member).exists()


def test_a_required_members_cant_puts_the_gig_at_risk_and_warns_the_leaders_at_once(world):
    gig_lineup_open(booking=world.gig)
    gig_answer_set(booking=world.gig, member=world.drummer, by=world.drummer, answer="cant", comment="Wedding")
    assert BandBlock.objects.get(pk=world.gig.block_id).lineup["at_risk"] is True
    warning = Notification.objects.get(kind="rsvp_at_risk", recipient=world.leader)
    assert "Dana Drums can't play" in people_draw(warning.text)
    assert warning.email_state == Notification.Email.PENDING
    # Changing the answer back covers the gig again, and the leaders are told so.
    gig_answer_set(booking=world.gig, member=world.drummer, by=world.drummer, answer="probably")
    assert BandBlock.objects.get(pk=world.gig.block_id).lineup["at_risk"] is False
    assert Notification.objects.filter(kind="rsvp_at_risk", recipient=world.leader).count() == 2


def test_a_member_who_is_not_required_does_not_put_the_gig_at_risk(world):
    Membership.objects.filter(band=world.band, user=world.member).update(required=False)
    gig_lineup_open(booking=world.gig)
    gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer="cant")
    assert BandBlock.objects.get(pk=world.gig.block_id).lineup["at_risk"] is False
    assert not Notification.objects.filter(kind="rsvp_at_risk").exists()


def test_nobody_answers_for_another_member(world):
    gig_lineup_open(booking=world.gig)
    with pytest.raises(BookingPermissionError):
        gig_answer_set(booking=world.gig, member=world.member, by=world.leader, answer="cant")
    assert _place(world.gig, world.member).answer == ""


def test_someone_outside_the_band_has_no_place_to_answer(world):
    with pytest.raises(BookingPermissionError):
        gig_answer_set(booking=world.gig, member=world.stranger, by=world.stranger, answer="definitely")


@pytest.mark.parametrize("answer", ["maybe", "", "DEFINITELY"])
def test_an_answer_outside_the_five_is_refused(world, answer):
    gig_lineup_open(booking=world.gig)
    with pytest.raises(ValidationError):
        gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer=answer)
    assert _place(world.gig, world.member).answer == ""


def test_no_answer_after_the_gig_or_once_it_is_cancelled(world):
    gig_lineup_open(booking=world.gig)
    later = world.gig.ends_at + dt.timedelta(minutes=1)
    with pytest.raises(BookingConflict, match="over"):
        gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer="definitely", now=later)
    ending.booking_cancel(booking=world.gig, by=world.owner, reason="Flooded cellar")
    with pytest.raises(BookingConflict, match="cancelled"):
        gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer="definitely")
    assert _place(world.gig, world.member).answer == ""


def test_answers_reach_the_bands_webhooks_only(world):
    band_hook = Webhook.objects.create(
        band=world.band, url="https://example.com/h", events=["rsvp.answered", "rsvp.at_risk"]
    )
    venue_hook = Webhook.objects.create(
        venue=world.venue, url="https://example.com/v", events=["rsvp.answered", "rsvp.at_risk"]
    )
    gig_lineup_open(booking=world.gig)
    gig_answer_set(booking=world.gig, member=world.drummer, by=world.drummer, answer="cant")
    assert sorted(WebhookDelivery.objects.filter(webhook=band_hook).values_list("event", flat=True)) == [
        "rsvp.answered",
        "rsvp.at_risk",
    ]
    assert not WebhookDelivery.objects.filter(webhook=venue_hook).exists()


# ---- Reminders -------------------------------------------------------------------------------------------


def test_silent_members_are_reminded_once_within_the_bands_days(world):
    gig_lineup_open(booking=world.gig)  # twelve days ahead
    GigAnswer.objects.filter(booking=world.gig).update(created_at=timezone.now() - dt.timedelta(days=3))
    gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer="definitely")
    world.band.rsvp_reminder_days = 7
    world.band.save(update_fields=["rsvp_reminder_days"])
    assert gig_reminders_send() == 0  # twelve days ahead: not yet
    later = world.gig.starts_at - dt.timedelta(days=6)
    assert gig_reminders_send(now=later) == 2  # the leader and the drummer; the member answered
    assert gig_reminders_send(now=later) == 0
    assert Notification.objects.filter(kind="rsvp_reminder", recipient=world.drummer).count() == 1
    world.band.rsvp_reminder_days = 0
    world.band.save(update_fields=["rsvp_reminder_days"])
    GigAnswer.objects.update(reminded_at=None)
    assert gig_reminders_send(now=later) == 0


# ---- The one-click links of the email ----------------------------------------------------------------------


def _link(world, answer="definitely", member=None):
    member = member or world.member
    return reverse("gigs:answer_link", args=[answer_link_token(booking=world.gig, member_id=member.pk, answer=answer)])


def test_the_email_carries_five_one_click_links(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        gig_lineup_open(booking=world.gig)
    body = next(m for m in mail.outbox if world.drummer.email in m.to).body
    links = re.findall(r"/gigs/answer/[^/\s]+/", body)
    assert len(links) == 5


def test_a_link_only_shows_the_answer_and_saves_it_by_post_without_signing_in(client, world):
    gig_lineup_open(booking=world.gig)
    url = _link(world, "probably")
    response = client.get(url)
    assert response.status_code == 200
    assert "data-answer-autosubmit" in response.content.decode()
    assert _place(world.gig, world.member).answer == ""  # a mail scanner following the link changes nothing
    response = client.post(url)
    assert response.status_code == 200
    assert _place(world.gig, world.member).answer == "probably"
    # The page of a link shows nothing of the other members.
    assert world.leader.name not in response.content.decode()
    client.post(url, {"comment": "If I find a sitter"})
    assert _place(world.gig, world.member).comment == "If I find a sitter"


def test_a_link_after_the_gig_says_so_and_changes_nothing(client, world):
    gig_lineup_open(booking=world.gig)
    url = _link(world)
    ending.booking_cancel(booking=world.gig, by=world.owner, reason="Flooded cellar")
    response = client.post(url)
    assert response.status_code == 409
    assert "cancelled" in response.content.decode()
    assert _place(world.gig, world.member).answer == ""


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "x:y:z"])
def test_a_link_we_did_not_send_is_a_404(client, world, token):
    assert client.get(reverse("gigs:answer_link", args=[token])).status_code == 404
    assert client.post(reverse("gigs:answer_link", args=[token])).status_code == 404


def test_a_comment_too_long_from_the_link_is_told_and_nothing_changes(client, world):
    gig_lineup_open(booking=world.gig)
    response = client.post(_link(world), {"comment": "x" * 301})
    assert response.status_code == 400
    assert _place(world.gig, world.member).answer == ""


# ---- The pages ----------------------------------------------------------------------------------------------


def test_the_gig_page_is_for_the_bands_members_only(client, world):
    url = reverse("gigs:gig", args=[world.gig.uid])
    for outsider in (world.other_leader, world.stranger, world.owner, world.client, world.staff):
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider
        assert client.post(url, {"answer": "definitely"}).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    for member in (world.member, world.leader):
        client.force_login(member)
        response = client.get(url)
        assert response.status_code == 200
        assert "Can you play?" in response.content.decode()


def test_a_member_answers_on_the_gig_page_and_a_bad_answer_is_a_400(client, world):
    client.force_login(world.drummer)
    url = reverse("gigs:gig", args=[world.gig.uid])
    response = client.post(url, {"answer": "nope"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert _place(world.gig, world.drummer).answer == ""
    response = client.post(url, {"answer": "cant", "comment": "Sick"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "At risk" in html and "Sick" in html
    client.force_login(world.leader)
    html = client.get(url).content.decode()
    assert reverse("gigs:stand_in_request", args=[world.gig.uid, _place(world.gig, world.drummer).pk]) in html


def test_the_who_is_in_table_is_for_members_and_its_queries_do_not_grow(client, world, django_assert_max_num_queries):
    url = reverse("gigs:band_gigs", args=[world.band.slug])
    for outsider in (world.other_leader, world.stranger, world.owner):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(world.member)
    gig_lineups_open()
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    for days in range(60, 90):
        slot_gig = asking.booking_request(
            band=world.band,
            client=world.client,
            starts_at=in_days(days, 17),
            ends_at=in_days(days, 22),
            time_zone="Europe/Berlin",
            event_type="Party",
            location="Berlin",
            guests=20,
            fee=500,
            message="",
        )
        answering.booking_accept(booking=slot_gig, by=world.leader)
    MembershipFactory.create_batch(5, band=world.band)
    gig_lineups_open()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="wii__cell wii__cell--mine"') == 32


def test_the_who_is_in_table_puts_the_readers_own_column_first(client, world):
    # By instrument and name the member would come third and the leader last, off a phone's screen.
    Membership.objects.filter(band=world.band, user=world.leader).update(instrument="Vocals")
    Membership.objects.filter(band=world.band, user=world.member).update(instrument="Guitar")
    MembershipFactory(band=world.band, instrument="Guitar", user__display_name="Aaron Axe")
    gig_lineups_open()
    url = reverse("gigs:band_gigs", args=[world.band.slug])

    def columns(html: str) -> tuple[list[str], list[str], set[str]]:
        """The instrument groups and the member columns in order, and each row's first answer cell."""
        groups = re.findall(r'class="wii__instrument">([^<]*)<', html)
        names = re.findall(r'<th scope="col" class="wii__member[^"]*">\s*([^<]+?)\s*(?:<|$)', html)
        firsts = set(re.findall(r'<td class="wii__count wii__confirmed">.*?</td>\s*<td class="([^"]*)"', html, re.S))
        return groups, names, firsts

    client.force_login(world.member)
    groups, names, firsts = columns(client.get(url).content.decode())
    assert groups == ["Guitar", "Drums", "Vocals"]
    assert names == ["Max Member", "Aaron Axe", "Dana Drums", world.leader.name]
    # In every gig's row the first answer after the count is the reader's own, with its control.
    assert firsts == {"wii__cell wii__cell--mine"}

    client.force_login(world.leader)
    groups, names, firsts = columns(client.get(url).content.decode())
    assert groups == ["Vocals", "Drums", "Guitar"]
    assert names == [world.leader.name, "Dana Drums", "Aaron Axe", "Max Member"]
    assert firsts == {"wii__cell wii__cell--mine"}


def test_a_member_answers_from_the_table(client, world):
    gig_lineup_open(booking=world.gig)
    client.force_login(world.member)
    url = reverse("gigs:table_answer", args=[world.gig.uid])
    response = client.post(url, {"answer": "dont_know"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert _place(world.gig, world.member).answer == "dont_know"
    client.force_login(world.stranger)
    assert client.post(url, {"answer": "cant"}).status_code == 404
    assert _place(world.gig, world.member).answer == "dont_know"


def test_the_booking_pages_card_shows_who_plays_to_members_only(client, world):
    url = reverse("gigs:booking_card", args=[world.gig.uid])
    client.force_login(world.owner)
    assert client.get(url).status_code == 204
    client.logout()
    assert client.get(url).status_code == 204
    client.force_login(world.member)
    response = client.get(url)
    assert response.status_code == 200
    assert "0 of 3 confirmed" in response.content.decode()


def test_the_table_row_counts_and_marks_risk(world):
    gig_lineup_open(booking=world.gig)
    gig_answer_set(booking=world.gig, member=world.drummer, by=world.drummer, answer="cant")
    gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer="definitely")
    viewer = Membership.objects.get(band=world.band, user=world.member)
    table = who_is_in(band=world.band, viewer=viewer, now=timezone.now())
    row = next(r for r in table.rows if r.gig.pk == world.gig.pk)
    assert (row.sure, row.at_risk, row.mine.answer) == (1, True, "definitely")


def test_the_member_feed_says_who_is_in_and_the_members_own_answer(world):
    from bookings.selectors.feeds import band_feed_events, member_feed_events

    gig_lineup_open(booking=world.gig)
    gig_answer_set(booking=world.gig, member=world.drummer, by=world.drummer, answer="cant")
    gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer="definitely")
    event = next(e for e in member_feed_events(user=world.drummer, now=timezone.now()) if str(world.gig.uid) in e.uid)
    assert "1 of 3 confirmed" in event.description
    assert "At risk" in event.description
    assert "Your answer: Can't" in event.description
    band_event = next(e for e in band_feed_events(band=world.band, now=timezone.now()) if str(world.gig.uid) in e.uid)
    assert "1 of 3 confirmed" in band_event.description and "Your answer" not in band_event.description


def test_the_band_calendar_shows_who_is_in_to_members_only(client, world):
    gig_lineup_open(booking=world.gig)
    gig_answer_set(booking=world.gig, member=world.drummer, by=world.drummer, answer="cant")
    day = timezone.localtime(world.gig.starts_at).date()
    client.force_login(world.member)
    url = reverse("bands:calendar", args=[world.band.slug]) + f"?view=week&date={day.isoformat()}"
    html = client.get(url).content.decode()
    assert "0 of 3 confirmed, at risk" in html
    public = client.get(reverse("bands:detail", args=[world.band.slug])).content.decode()
    assert "confirmed" not in public


# ---- The API ------------------------------------------------------------------------------------------------


def test_the_api_gives_the_line_up_and_takes_my_own_answer(world):
    from bookings.tests.api_helpers import ApiClient, token_for

    api = ApiClient(token_for(world.drummer))
    body = api.put(f"/api/v1/gigs/{world.gig.uid}/answer", {"answer": "cant", "comment": "Away"}).json()
    assert body["at_risk"] is True and body["places"] == 3
    mine = next(p for p in body["lineup"] if p["member_id"] == world.drummer.pk)
    assert (mine["answer"], mine["comment"], mine["instrument"]) == ("cant", "Away", "Drums")
    bad = api.put(f"/api/v1/gigs/{world.gig.uid}/answer", {"answer": "nope"})
    assert bad.status_code == 422
    assert _place(world.gig, world.drummer).answer == "cant"
    outsider = ApiClient(token_for(world.other_leader))
    assert outsider.get(f"/api/v1/gigs/{world.gig.uid}/lineup").status_code == 404
    assert ApiClient(token_for(world.owner)).get(f"/api/v1/gigs/{world.gig.uid}/lineup").status_code == 404


def test_a_member_feed_polled_again_after_an_answer_is_built_anew(client, world):
    from bookings.models import CalendarFeed

    feed = CalendarFeed.objects.create(scope=CalendarFeed.Scope.MEMBER, user=world.drummer)
    gig_lineup_open(booking=world.gig)
    url = reverse("bookings:feed", args=[feed.token])
    first = client.get(url)
    etag = first["ETag"]
    gig_answer_set(booking=world.gig, member=world.drummer, by=world.drummer, answer="cant")
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert b"Your answer: Can't" in again.content


def test_the_reminder_round_uses_the_days_the_leader_set_on_the_band_page(world, client):
    gig_lineup_open(booking=world.gig)  # twelve days ahead
    GigAnswer.objects.filter(booking=world.gig).update(created_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(world.leader)
    answer = client.post(
        reverse("bands:gig_times", args=[world.band.slug]),
        {"load_in_minutes": "120", "pack_down_minutes": "60", "rsvp_reminder_days": "2"},
    )
    assert answer.status_code == 302
    assert gig_reminders_send(now=world.gig.starts_at - dt.timedelta(days=6)) == 0  # 7 by default: not now
    assert gig_reminders_send(now=world.gig.starts_at - dt.timedelta(days=1, hours=23)) == 3
