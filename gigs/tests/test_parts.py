"""A gig's line-up by section: counts against the band's minimum (a doubler counts once), the parts the
leader gives for a gig, the warning when a section falls short (once per shortfall), a stand-in filling the
section of the place they take, and who may read and give the parts."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Notification
from bands.models import Membership
from bands.sections import lineup_set, membership_sections_set, section_add
from bands.services import membership_remove
from bands.tests.factories import MembershipFactory
from bands.tests.pseudo_pages import words_left_unmarked
from bookings.errors import BookingPermissionError
from gigs.models import Answer, GigAnswer, SectionShort
from gigs.selectors.answers import lineup_of
from gigs.selectors.parts import OK, OPEN, SHORT, gig_sections
from gigs.services.answers import gig_answer_set, gig_lineup_open
from gigs.services.parts import gig_part_set, gig_shortfalls_round
from gigs.services.stand_ins import stand_in_add, stand_in_ask_reply, stand_in_request_create
from gigs.tests.factories import gig_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """The Night Shift with Trumpets (2 needed), Saxes (1) and Tuba (1): two trumpets, a doubler on trumpet
    (usual) and sax, one tuba. The leader and Max play in no section."""
    w = gig_world()
    band, leader = w.band, w.leader
    w.trumpets = section_add(band=band, by=leader, name="Trumpets")
    w.saxes = section_add(band=band, by=leader, name="Saxes")
    w.tuba = section_add(band=band, by=leader, name="Tuba")
    lineup_set(band=band, by=leader, needs={w.trumpets.pk: 2, w.saxes.pk: 1, w.tuba.pk: 1}, total=None)
    players = {}
    for name, usual, doubles in (
        ("Tia Trumpet", w.trumpets, []),
        ("Tom Trumpet", w.trumpets, []),
        ("Dora Doubler", w.trumpets, [w.saxes.pk]),
        ("Ute Tuba", w.tuba, []),
    ):
        membership = MembershipFactory(band=band, role=Membership.Role.MEMBER, user__display_name=name)
        membership_sections_set(membership=membership, by=leader, usual=usual.pk, doubles=doubles)
        players[name.split()[0].lower()] = membership.user
    w.__dict__.update(players)
    band.refresh_from_db()
    w.gig.band.refresh_from_db()
    gig_lineup_open(booking=w.gig)
    return w


def _answer(w, user, answer=Answer.DEFINITELY) -> None:
    gig_answer_set(booking=w.gig, member=user, by=user, answer=answer)


def _rows(w) -> dict:
    w.gig.band.refresh_from_db()
    counted = gig_sections(booking=w.gig, places=lineup_of(booking=w.gig))
    return {row.name: row for row in counted.rows}


def _told(section=None) -> list:
    notes = Notification.objects.filter(kind="section_short")
    if section:
        notes = notes.filter(text__startswith=section)
    return sorted(notes.values_list("recipient_id", flat=True))


def test_counts_by_section_against_the_minimum_with_a_doubler_counted_once(world):
    for user in (world.tia, world.tom, world.dora, world.ute):
        _answer(world, user)
    rows = _rows(world)
    assert [(n, r.have, r.need, r.state) for n, r in rows.items()] == [
        ("Trumpets", 2, 2, OK),
        ("Saxes", 1, 1, OK),
        ("Tuba", 1, 1, OK),
    ]
    # Dora is needed on sax: she is counted there, not twice.
    assert [p.member_id for p in rows["Saxes"].places] == [world.dora.pk]


def test_a_section_waits_for_answers_before_it_is_short(world):
    _answer(world, world.tia)
    _answer(world, world.ute, Answer.PROBABLY)
    rows = _rows(world)
    assert (rows["Trumpets"].have, rows["Trumpets"].state) == (1, OPEN)
    assert (rows["Tuba"].have, rows["Tuba"].maybe, rows["Tuba"].state) == (0, 1, OPEN)
    assert not Notification.objects.filter(kind="section_short").exists()


def test_a_no_warns_the_leader_and_the_short_section_once_and_again_after_it_was_covered(world):
    _answer(world, world.ute, Answer.CANT)
    assert _rows(world)["Tuba"].state == SHORT
    assert _told("Tuba") == sorted([world.leader.pk])  # Ute said it herself: she is not told
    assert "1 of 1" not in Notification.objects.get(kind="section_short").text
    _answer(world, world.ute, Answer.PROBABLY_NOT)  # still short: nobody is told again
    gig_shortfalls_round()
    assert len(_told()) == 1
    _answer(world, world.ute, Answer.DEFINITELY)
    assert not SectionShort.objects.filter(booking=world.gig).exists()
    _answer(world, world.ute, Answer.CANT)
    assert len(_told("Tuba")) == 2


def test_a_trumpet_out_leaves_the_doubler_one_place_short_and_tells_that_sections_players(world):
    _answer(world, world.tom, Answer.CANT)
    rows = _rows(world)
    short = [n for n, r in rows.items() if r.state == SHORT]
    assert len(short) == 1 and short[0] in ("Trumpets", "Saxes")
    players = {"Trumpets": [world.tia, world.dora], "Saxes": [world.dora]}[short[0]]
    assert _told() == sorted([world.leader.pk, *(u.pk for u in players)])


def test_the_leader_gives_a_doubler_a_part_and_the_counts_follow(world):
    for user in (world.tia, world.tom, world.dora, world.ute):
        _answer(world, user)
    place = GigAnswer.objects.get(booking=world.gig, member=world.tia)
    gig_part_set(place=place, by=world.leader, section=world.saxes)
    rows = _rows(world)
    assert world.tia.pk in [p.member_id for p in rows["Saxes"].places]
    assert (rows["Trumpets"].have, rows["Trumpets"].state) == (2, OK)  # Tom and Dora
    gig_part_set(place=place, by=world.leader, section=None)
    assert GigAnswer.objects.get(pk=place.pk).part_id is None


def test_only_leaders_give_parts_and_only_the_bands_own_sections(world):
    place = GigAnswer.objects.get(booking=world.gig, member=world.tia)
    with pytest.raises(BookingPermissionError):
        gig_part_set(place=place, by=world.tia, section=world.saxes)
    other = section_add(band=world.other_band, by=world.other_leader, name="Strings")
    with pytest.raises(BookingPermissionError):
        gig_part_set(place=place, by=world.leader, section=other)
    assert GigAnswer.objects.get(pk=place.pk).part_id is None


def test_a_stand_in_fills_the_section_of_the_place_they_take(world):
    _answer(world, world.tia)
    _answer(world, world.dora)
    _answer(world, world.tom, Answer.CANT)
    assert SectionShort.objects.filter(booking=world.gig).exists()
    sam = stand_in_add(band=world.band, by=world.leader, name="Sam Horn", email="sam@example.com", instrument="Trp")
    place = GigAnswer.objects.get(booking=world.gig, member=world.tom)
    request = stand_in_request_create(place=place, by=world.leader, stand_ins=[sam])
    stand_in_ask_reply(ask=request.asks.get(), reply="yes")
    rows = _rows(world)
    assert (rows["Trumpets"].have, rows["Trumpets"].state) == (2, OK)
    assert (rows["Saxes"].have, rows["Saxes"].state) == (1, OK)
    assert not SectionShort.objects.filter(booking=world.gig).exists()


def test_a_member_who_leaves_leaves_the_section_short_and_the_round_tells_once(world):
    _answer(world, world.ute)
    assert not _told()
    membership_remove(membership=Membership.objects.get(band=world.band, user=world.ute), by=world.leader)
    assert gig_shortfalls_round() == 1
    assert gig_shortfalls_round() == 0
    assert _told("Tuba") == [world.leader.pk]


def test_a_band_without_sections_is_counted_as_before(world):
    gig_lineup_open(booking=world.request)
    world.gig.band.lineup = {}
    assert gig_sections(booking=world.gig, places=lineup_of(booking=world.gig)) is None


# ---- Pages ---------------------------------------------------------------------------------------------------


def test_the_gig_page_shows_the_sections_table_in_english_and_german(world, client):
    for user in (world.tia, world.tom, world.dora):
        _answer(world, user)
    _answer(world, world.ute, Answer.CANT)
    client.force_login(world.tia)
    page = client.get(reverse("gigs:gig", args=[world.gig.uid])).content.decode()
    assert "The line-up by section" in page and "2 of 2" in page and "enough" in page and "short" in page
    assert reverse("gigs:parts", args=[world.gig.uid]) in page
    with translation.override("de"):
        page = client.get(reverse("gigs:gig", args=[world.gig.uid]), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "2 von 2" in page and "reicht" in page


def test_who_reads_and_who_gives_the_parts(world, client):
    url = reverse("gigs:parts", args=[world.gig.uid])
    place = GigAnswer.objects.get(booking=world.gig, member=world.tia)
    body = {"place": place.pk, "part": world.saxes.pk}
    assert client.get(url).status_code == 302  # anonymous: sign in
    for outsider in (world.stranger, world.other_leader, world.owner, world.client):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, body).status_code == 404
    client.force_login(world.tom)
    page = client.get(url)
    assert page.status_code == 200 and b'name="part"' not in page.content
    assert client.post(url, body).status_code == 403
    assert GigAnswer.objects.get(pk=place.pk).part_id is None
    client.force_login(world.leader)
    assert b'name="part"' in client.get(url).content
    assert client.post(url, {"place": place.pk, "part": 999999}).status_code == 400
    assert client.post(url, {"place": "x", "part": ""}).status_code == 400
    other = GigAnswer.objects.filter(booking=world.request).first() or place
    if other.pk != place.pk:
        assert client.post(url, {"place": other.pk, "part": world.saxes.pk}).status_code == 400
    assert GigAnswer.objects.get(pk=place.pk).part_id is None
    assert client.post(url, body).status_code == 302
    assert GigAnswer.objects.get(pk=place.pk).part_id == world.saxes.pk
    swapped = client.post(url, {"place": place.pk, "part": ""}, HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200 and b'id="gig-parts"' in swapped.content
    assert GigAnswer.objects.get(pk=place.pk).part_id is None


def test_every_word_of_the_sections_and_the_parts_is_marked(world, client):
    for user in (world.tia, world.dora):
        _answer(world, user)
    _answer(world, world.tom, Answer.PROBABLY)
    _answer(world, world.ute, Answer.CANT)
    dora = GigAnswer.objects.get(booking=world.gig, member=world.dora)
    gig_part_set(place=dora, by=world.leader, section=world.saxes)
    urls = [reverse("gigs:gig", args=[world.gig.uid]), reverse("gigs:parts", args=[world.gig.uid])]
    for person in (world.leader, world.tia):
        client.force_login(person)
        assert words_left_unmarked(client, urls) == {}


# ---- The band's total (Band.min_players) -------------------------------------------------------------


def _told_total() -> list:
    return list(
        Notification.objects.filter(kind="section_short", text__startswith="Too few players").values_list(
            "recipient_id", flat=True
        )
    )


def test_a_gig_below_the_bands_total_warns_the_leaders_once_per_crossing(world, client):
    needs = {world.trumpets.pk: 2, world.saxes.pk: 1, world.tuba.pk: 1}
    lineup_set(band=world.band, by=world.leader, needs=needs, total=6)  # all six of them
    world.gig.band.refresh_from_db()
    for user in (world.tia, world.tom, world.dora, world.ute, world.member):
        _answer(world, user)
    assert _told_total() == []
    _answer(world, world.member, Answer.CANT)
    assert _told_total() == [world.leader.pk]
    assert SectionShort.objects.filter(booking=world.gig, section__isnull=True).count() == 1
    _answer(world, world.tia, Answer.PROBABLY_NOT)  # still short: not told again
    assert _told_total() == [world.leader.pk]
    client.force_login(world.leader)
    html = client.get(reverse("gigs:gig", args=[world.gig.uid])).content.decode()
    assert "Too few players" in html and "Only 4 can play: the band needs at least 6 players." in html
    _answer(world, world.member)
    _answer(world, world.tia)  # covered again: the mark goes
    assert not SectionShort.objects.filter(booking=world.gig, section__isnull=True).exists()
    _answer(world, world.tom, Answer.CANT)  # a new crossing is told again
    assert _told_total() == [world.leader.pk, world.leader.pk]


def test_a_band_with_only_a_total_is_warned_too():
    w = gig_world()
    lineup_set(band=w.band, by=w.leader, needs={}, total=3)  # two members, no sections
    w.gig.band.refresh_from_db()
    gig_lineup_open(booking=w.gig)
    _answer(w, w.member)
    assert _told_total() == [w.leader.pk]


def _summary(page: str) -> str:
    start = page.index('id="gig-total"')
    return page[start : page.index("</p>", start)]


def test_the_gig_has_one_verdict_a_short_section_outweighs_a_total_that_is_met(world, client):
    """Four players in all are enough for the band's total, but the tuba can't: the summary says the gig is short
    and names the section, never "enough" above a section marked short."""
    lineup_set(
        band=world.band, by=world.leader, needs={world.trumpets.pk: 2, world.saxes.pk: 1, world.tuba.pk: 1}, total=3
    )
    for user in (world.tia, world.tom, world.dora, world.leader):
        _answer(world, user)
    _answer(world, world.ute, Answer.CANT)
    world.gig.band.refresh_from_db()
    counted = gig_sections(booking=world.gig, places=lineup_of(booking=world.gig))
    assert counted.total_count.state == OK and counted.verdict == SHORT
    for reader in (world.tia, world.leader):  # a player and the leader read the same verdict
        client.force_login(reader)
        summary = _summary(client.get(reverse("gigs:gig", args=[world.gig.uid])).content.decode())
        assert "Too few players" in summary and "Tuba is short: 0 of at least 1 can play." in summary
        assert "enough" not in summary
    _answer(world, world.ute)  # the tuba can after all: enough, in one voice
    summary = _summary(client.get(reverse("gigs:gig", args=[world.gig.uid])).content.decode())
    assert "enough" in summary and "short" not in summary
