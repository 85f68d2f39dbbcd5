"""Nobody is shown in two places at once, whoever acts (issue 81): a member who plays one band's gig cannot
say "definitely" or "probably" to another band's gig at the same time – on the gig page, in the who-is-in
table, by the email's one-click link, over the API – nor be given a part there; the refusal names the other
gig. A gig takes the time only of those who play it: not of a member who can't, whose stand-in plays, or who
plays another gig then (joining, being made required, a member nobody checked).

Xenia plays in Alpha (required) and in Beta (not required). Alpha plays 19:00–22:00 UTC, Beta 20:00–23:00 UTC
on the same day."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.models import BandBlock, Membership
from bands.sections import membership_sections_set, section_add
from bands.selectors import band_invite_path
from bands.tests.factories import BandInviteFactory, MembershipFactory
from bookings.errors import BookingConflict
from bookings.models import Booking
from bookings.services import answering
from bookings.tests.factories import band_with_leader
from bookings.tests.test_member_race import request_of, starts
from gigs.models import Answer, GigAnswer
from gigs.services.answers import answer_link_token, gig_answer_set, gig_lineup_open
from gigs.services.parts import gig_part_set
from gigs.services.stand_ins import stand_in_add, stand_in_ask_reply, stand_in_request_create

pytestmark = pytest.mark.django_db


class World:
    pass


def _gig_blocks_of(user) -> set[int]:
    """The gig blocks that take `user`'s time (their own calendar's busy time from gigs)."""
    return set(
        BusyInterval.objects.filter(user=user, source=BusyInterval.Source.GIG).values_list("source_id", flat=True)
    )


@pytest.fixture
def w():
    w = World()
    w.alpha, w.alpha_leader = band_with_leader(name="Alpha Brass")
    w.beta, w.beta_leader = band_with_leader(name="Beta Strings")
    w.xenia = UserFactory(display_name="Xenia Shared", time_zone="Europe/Berlin")
    MembershipFactory(band=w.alpha, user=w.xenia, required=True)
    w.booker = UserFactory(time_zone="Europe/Berlin")
    w.gig_a = answering.booking_accept(booking=request_of(w.alpha, w.booker, starts(3)), by=w.alpha_leader)
    return w


def _beta_gig(w):
    """Beta's gig an hour after Alpha's starts (overlapping), booked by its leader."""
    return answering.booking_accept(
        booking=request_of(w.beta, w.booker, starts(3) + dt.timedelta(hours=1)), by=w.beta_leader
    )


def _xenia_in_beta(w, *, required=False):
    MembershipFactory(band=w.beta, user=w.xenia, required=required)
    gig_b = _beta_gig(w)
    gig_lineup_open(booking=gig_b)
    return gig_b


# ---- A member nobody checked -------------------------------------------------------------------------------


def test_a_member_nobody_checked_who_plays_another_gig_then_sits_the_new_one_out(w):
    gig_b = _xenia_in_beta(w)

    assert Booking.objects.get(pk=gig_b.pk).status == Booking.Status.BOOKED
    block_b = BandBlock.objects.get(pk=gig_b.block_id)
    assert w.xenia.pk in block_b.absent
    assert _gig_blocks_of(w.xenia) == {w.gig_a.block_id}, "her calendar is busy for Alpha's gig only"
    assert w.beta_leader.pk in {
        *BusyInterval.objects.filter(source_id=block_b.pk, source=BusyInterval.Source.GIG).values_list(
            "user_id", flat=True
        )
    }, "Beta's other members are busy for it"


def test_a_member_free_then_is_busy_for_the_gig_as_before(w):
    MembershipFactory(band=w.beta, user=w.xenia, required=False)
    gig_b = answering.booking_accept(booking=request_of(w.beta, w.booker, starts(5)), by=w.beta_leader)  # another day

    assert _gig_blocks_of(w.xenia) == {w.gig_a.block_id, gig_b.block_id}


# ---- Her own answer, at every door -------------------------------------------------------------------------


def test_her_own_yes_is_refused_naming_the_other_gig_and_changes_nothing(w):
    gig_b = _xenia_in_beta(w)

    for answer in (Answer.DEFINITELY, Answer.PROBABLY):
        with pytest.raises(BookingConflict, match="Alpha Brass"):
            gig_answer_set(booking=gig_b, member=w.xenia, by=w.xenia, answer=answer)

    place = GigAnswer.objects.get(booking=gig_b, member=w.xenia)
    assert place.answer == ""
    assert BandBlock.objects.get(pk=gig_b.block_id).lineup["in"] == 0
    assert _gig_blocks_of(w.xenia) == {w.gig_a.block_id}


def test_an_answer_that_does_not_play_is_taken(w):
    gig_b = _xenia_in_beta(w)

    gig_answer_set(booking=gig_b, member=w.xenia, by=w.xenia, answer=Answer.DONT_KNOW)
    gig_answer_set(booking=gig_b, member=w.xenia, by=w.xenia, answer=Answer.CANT, comment="Alpha then")

    assert GigAnswer.objects.get(booking=gig_b, member=w.xenia).answer == Answer.CANT
    assert _gig_blocks_of(w.xenia) == {w.gig_a.block_id}


def test_saying_cant_to_the_first_gig_frees_her_to_play_the_second(w):
    gig_b = _xenia_in_beta(w)
    gig_lineup_open(booking=w.gig_a)

    gig_answer_set(booking=w.gig_a, member=w.xenia, by=w.xenia, answer=Answer.CANT)
    assert _gig_blocks_of(w.xenia) == set(), "she plays neither: neither takes her time"
    gig_answer_set(booking=gig_b, member=w.xenia, by=w.xenia, answer=Answer.DEFINITELY)

    assert _gig_blocks_of(w.xenia) == {gig_b.block_id}, "Beta's gig takes her time now, Alpha's does not"
    assert BandBlock.objects.get(pk=gig_b.block_id).lineup["in"] == 1
    # And back: now Alpha's yes is the one refused, naming Beta.
    with pytest.raises(BookingConflict, match="Beta Strings"):
        gig_answer_set(booking=w.gig_a, member=w.xenia, by=w.xenia, answer=Answer.DEFINITELY)


def test_the_gig_page_refuses_her_yes_with_the_other_gig_named(client, w):
    gig_b = _xenia_in_beta(w)
    client.force_login(w.xenia)
    url = reverse("gigs:gig", args=[gig_b.uid])

    page = client.post(url, {"answer": "definitely", "comment": ""})
    partial = client.post(url, {"answer": "probably", "comment": ""}, HTTP_HX_REQUEST="true")

    assert page.status_code == 409 and partial.status_code == 409
    assert "Alpha Brass" in page.content.decode() and "Alpha Brass" in partial.content.decode()
    assert GigAnswer.objects.get(booking=gig_b, member=w.xenia).answer == ""


def test_the_who_is_in_table_refuses_her_yes(client, w):
    gig_b = _xenia_in_beta(w)
    client.force_login(w.xenia)

    cell = client.post(reverse("gigs:table_answer", args=[gig_b.uid]), {"answer": "definitely"}, HTTP_HX_REQUEST="true")

    assert cell.status_code == 409 and "Alpha Brass" in cell.content.decode()
    assert GigAnswer.objects.get(booking=gig_b, member=w.xenia).answer == ""


def test_the_emails_one_click_yes_is_refused_without_signing_in(client, w):
    gig_b = _xenia_in_beta(w)
    token = answer_link_token(booking=gig_b, member_id=w.xenia.pk, answer=Answer.DEFINITELY)

    page = client.post(reverse("gigs:answer_link", args=[token]))

    assert page.status_code == 409
    assert "Alpha Brass" in page.content.decode()
    assert GigAnswer.objects.get(booking=gig_b, member=w.xenia).answer == ""


def test_the_api_refuses_her_yes_with_a_409(w):
    from bookings.tests.api_helpers import ApiClient, token_for

    gig_b = _xenia_in_beta(w)
    api = ApiClient(token_for(w.xenia))

    answer = api.put(f"/api/v1/gigs/{gig_b.uid}/answer", {"answer": "definitely"})

    assert answer.status_code == 409
    assert "Alpha Brass" in answer.content.decode()
    assert GigAnswer.objects.get(booking=gig_b, member=w.xenia).answer == ""


def test_an_outsider_learns_nothing_of_her_other_gig(client, w):
    gig_b = _xenia_in_beta(w)
    stranger = UserFactory()
    client.force_login(stranger)

    assert client.post(reverse("gigs:gig", args=[gig_b.uid]), {"answer": "definitely"}).status_code == 404
    token = answer_link_token(booking=gig_b, member_id=w.xenia.pk, answer=Answer.DEFINITELY)
    page = client.post(reverse("gigs:answer_link", args=[token]))
    assert "Alpha Brass" not in page.content.decode(), "someone signed in as another person changes nothing"
    assert GigAnswer.objects.get(booking=gig_b, member=w.xenia).answer == ""


# ---- Joining, being made required, a part, a stand-in ------------------------------------------------------


def test_joining_marks_her_out_and_the_joined_bands_gig_takes_none_of_her_time(client, w):
    gig_b = _beta_gig(w)
    invite = BandInviteFactory(band=w.beta, created_by=w.beta_leader)
    client.force_login(w.xenia)

    client.post(band_invite_path(invite=invite), follow=True)

    assert Membership.objects.filter(band=w.beta, user=w.xenia).exists()
    assert GigAnswer.objects.get(booking=gig_b, member=w.xenia).answer == Answer.CANT
    assert _gig_blocks_of(w.xenia) == {w.gig_a.block_id}
    with pytest.raises(BookingConflict, match="Alpha Brass"):
        gig_answer_set(booking=gig_b, member=w.xenia, by=w.xenia, answer=Answer.DEFINITELY)


def test_being_made_required_marks_her_out_and_takes_none_of_her_time(client, w):
    membership = MembershipFactory(band=w.beta, user=w.xenia, required=False)
    gig_b = _beta_gig(w)
    client.force_login(w.beta_leader)

    client.post(
        reverse("gigs:member_edit", args=[w.beta.slug, membership.pk]),
        {"role": "member", "instrument": "Bass", "required": "on"},
    )

    assert Membership.objects.get(pk=membership.pk).required
    assert GigAnswer.objects.get(booking=gig_b, member=w.xenia).answer == Answer.CANT
    assert _gig_blocks_of(w.xenia) == {w.gig_a.block_id}


def test_a_part_for_her_at_the_same_time_is_refused_naming_the_other_gig(w):
    membership = MembershipFactory(band=w.beta, user=w.xenia, required=False)
    section = section_add(band=w.beta, by=w.beta_leader, name="Low strings")
    membership_sections_set(membership=membership, by=w.beta_leader, usual=section.pk, doubles=[])
    gig_b = _beta_gig(w)
    gig_lineup_open(booking=gig_b)
    place = GigAnswer.objects.get(booking=gig_b, member=w.xenia)

    with pytest.raises(BookingConflict, match="Xenia Shared plays Alpha Brass"):
        gig_part_set(place=place, by=w.beta_leader, section=section)

    assert GigAnswer.objects.get(pk=place.pk).part_id is None
    gig_part_set(place=place, by=w.beta_leader, section=None)  # her usual sections: nothing to refuse


def test_a_member_whose_stand_in_plays_is_not_busy_for_the_gig(w):
    drummer = MembershipFactory(band=w.beta, required=True, instrument="Drums").user
    gig_b = answering.booking_accept(booking=request_of(w.beta, w.booker, starts(6)), by=w.beta_leader)
    gig_lineup_open(booking=gig_b)
    assert gig_b.block_id in _gig_blocks_of(drummer)
    gig_answer_set(booking=gig_b, member=drummer, by=drummer, answer=Answer.PROBABLY_NOT)
    assert gig_b.block_id in _gig_blocks_of(drummer), "a 'probably not' still holds the time"
    kim = UserFactory(email="kim.kit@example.com", display_name="Kim Kit")
    pool = stand_in_add(band=w.beta, by=w.beta_leader, name="Kim Kit", email=kim.email, instrument="Drums")
    place = GigAnswer.objects.get(booking=gig_b, member=drummer)

    request = stand_in_request_create(place=place, by=w.beta_leader, stand_ins=[pool])
    stand_in_ask_reply(ask=request.asks.get(), reply="yes")

    assert gig_b.block_id not in _gig_blocks_of(drummer), "the stand-in plays: the member's time is theirs again"
    assert gig_b.block_id in _gig_blocks_of(kim)


def test_the_refusal_reads_in_her_language(client, w):
    gig_b = _xenia_in_beta(w)
    w.xenia.language = "de"
    w.xenia.save(update_fields=["language"])
    client.force_login(w.xenia)

    page = client.post(reverse("gigs:gig", args=[gig_b.uid]), {"answer": "definitely"}, HTTP_ACCEPT_LANGUAGE="de")

    text = re.sub(r"\s+", " ", page.content.decode())
    assert page.status_code == 409
    assert "Alpha Brass" in text and "You play" not in text


def test_an_answer_replayed_from_the_phone_offline_is_refused_the_same_way(client, w):
    """The show-day page keeps a yes made offline and sends it again when the phone is back (the
    Idempotency-Key door): it meets the same check, and the refusal is what the replay shows."""
    gig_b = _xenia_in_beta(w)
    client.force_login(w.xenia)
    url = reverse("gigs:gig", args=[gig_b.uid])
    headers = {"HTTP_IDEMPOTENCY_KEY": "offline-1", "HTTP_X_STAGESLOT_AS": str(w.xenia.pk)}

    first = client.post(url, {"answer": "definitely"}, **headers)
    again = client.post(url, {"answer": "definitely"}, **headers)

    assert first.status_code == again.status_code == 409
    assert "Alpha Brass" in again.content.decode()
    assert GigAnswer.objects.get(booking=gig_b, member=w.xenia).answer == ""
