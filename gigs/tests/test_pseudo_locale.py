"""Every word on the pages of a gig's own life is marked for translation: who plays, stand-ins, songs and
set lists, each page drawn in the pseudo-locale with every kind of content on it."""

import pytest
from django.urls import reverse

from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bands.tests.pseudo_pages import words_left_unmarked
from gigs.models import Answer, GigAnswer, StandInAsk
from gigs.services.answers import answer_link_token, gig_answer_set, gig_lineups_open
from gigs.services.set_lists import set_list_save, song_create
from gigs.services.stand_ins import stand_in_add, stand_in_request_create
from gigs.tests.factories import gig_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = gig_world()
    w.drummer = MembershipFactory(
        band=w.band, role=Membership.Role.MEMBER, instrument="Drums", required=True, user__display_name="Dana Drums"
    ).user
    gig_lineups_open()
    gig_answer_set(booking=w.gig, member=w.member, by=w.member, answer=Answer.PROBABLY, comment="If the van works.")
    gig_answer_set(booking=w.gig, member=w.drummer, by=w.drummer, answer=Answer.CANT, comment="On holiday.")
    w.kim = stand_in_add(band=w.band, by=w.leader, name="Kim Sticks", email="kim@example.com", instrument="Drums")
    w.place = GigAnswer.objects.get(booking=w.gig, member=w.drummer)
    stand_in_request_create(place=w.place, by=w.leader, stand_ins=[w.kim], message="Two sets, easy songs.")
    w.ask = StandInAsk.objects.get(stand_in=w.kim)
    w.song = song_create(band=w.band, by=w.leader, title="Night Train", length="4:30", key="Am", notes="Slow intro.")
    set_list_save(booking=w.gig, by=w.leader, entries=[(w.song.pk, 1, "segue"), (w.song.pk, 2, "")])
    return w


def test_the_band_members_gig_pages_are_all_marked(client, world):
    client.force_login(world.leader)
    band, gig = world.band, world.gig
    urls = [
        reverse("gigs:band_gigs", args=[band.slug]),
        reverse("gigs:gig", args=[gig.uid]),
        reverse("gigs:stand_ins", args=[band.slug]),
        reverse("gigs:stand_in_request", args=[gig.uid, world.place.pk]),
        reverse("gigs:songs", args=[band.slug]),
        reverse("gigs:song_edit", args=[band.slug, world.song.pk]),
        reverse("gigs:set_list", args=[gig.uid]),
        reverse("gigs:set_list_print", args=[gig.uid]),
        reverse("notifications:settings"),
        reverse("dashboard"),
    ]
    assert words_left_unmarked(client, urls) == {}


def test_the_pages_of_links_and_stand_ins_are_all_marked(client, world):
    token = answer_link_token(booking=world.gig, member_id=world.member.pk, answer=Answer.DEFINITELY)
    answer_link = reverse("gigs:answer_link", args=[token])
    urls = [
        answer_link,
        reverse("gigs:stand_in_ask", args=[world.ask.token]),
        reverse("gigs:stand_in_home", args=[world.kim.token]),
    ]
    assert words_left_unmarked(client, urls) == {}
