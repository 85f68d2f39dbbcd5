"""Joining a band, becoming required, standing in, a member's own yes and a part given are doors that give a person
a place at gigs: none of them leaves a person shown as playing two places at once (decision 0094, issue 81).

The scan finds every door from the code: each function of every services module of the project that writes a
Membership (creates one, or saves its "required"), a gig's guests (its stand-ins) or a place's answer or part,
and follows its callers up to the functions that call the rule (checks.person_gig_clash through
gigs.services.joins.member_time_settle, gigs.services.playing.playing_elsewhere_check or
checks.stand_in_free_check) under the people locks (bookings.services.locks). A new writer, or a new caller of
an old one, that reaches no rule fails here on the day it is added. The behaviour is then tried through the
doors a person uses: the join link, the member page, a stand-in's yes."""

import ast
import datetime as dt
import functools
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.selectors import band_invite_path
from bands.tests.factories import BandInviteFactory, MembershipFactory
from bookings.errors import MembersBusy
from bookings.models import Booking
from bookings.services import answering, locks
from bookings.tests.factories import band_with_leader
from bookings.tests.test_member_race import race, request_of, slow_check, starts
from festivals.tests.factories import festival_world, local, placement_book
from gigs.models import Answer, GigAnswer
from gigs.services.joins import band_invite_join

from . import source as shared
from .test_layers import LAYERS, MODULES

ROOT = Path(__file__).resolve().parents[2]
# The rule's functions: the one question (checks.person_gig_clash) and the two services that ask it.
RULES = {"person_gig_clash", "member_time_settle", "stand_in_free_check", "playing_elsewhere_check"}
LOCKS = {"people_lock", "booking_lock", "gig_people_lock"}
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create"}
# What a door writes: a membership's existence or "required", a gig's guests (BandBlock.guests), a member's
# answer at a gig or the part they play there (gigs.GigAnswer: a yes takes their time, issue 81).
WRITTEN_FIELDS = {"required", "guests", "answer", "part"}


def _code_modules() -> dict[str, Path]:
    return {
        name: path
        for name, path in MODULES.items()
        if ".tests" not in name and ".migrations" not in name and not name.endswith(".tests")
    }


def _functions(path: Path) -> list[ast.FunctionDef]:
    return [n for n in shared.walk_file(path) if isinstance(n, ast.FunctionDef)]


def _called(fn: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names


def _writes_membership_or_guests(fn: ast.FunctionDef) -> bool:
    for node in ast.walk(fn):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "Membership":
            return True
        if isinstance(func, ast.Attribute) and func.attr in WRITES:
            owner = func.value
            if isinstance(owner, ast.Attribute) and ast.unparse(owner.value) == "Membership":
                return True
        if isinstance(func, ast.Attribute) and func.attr in ("save", "update"):
            fields = {kw.arg for kw in node.keywords}
            for kw in node.keywords:
                if kw.arg == "update_fields" and isinstance(kw.value, ast.List | ast.Tuple):
                    fields |= {e.value for e in kw.value.elts if isinstance(e, ast.Constant)}
            if fields & WRITTEN_FIELDS:
                return True
    return False


def _creates_a_band(fn: ast.FunctionDef) -> bool:
    """A band made in the same function has no gigs: its first member takes no time from anyone."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "Band" for n in ast.walk(fn))


@functools.cache
def _graph():
    """Every function of the project's code: (module, name) -> node, and name -> the functions that call it."""
    functions, callers = {}, {}
    for module, path in _code_modules().items():
        for fn in _functions(path):
            functions[(module, fn.name)] = fn
            for name in _called(fn):
                callers.setdefault(name, set()).add((module, fn.name))
    return functions, callers


def _is_services(module: str) -> bool:
    return module.split(".")[0] in LAYERS and "services" in module.split(".")


def doors() -> list[tuple[str, str]]:
    """Every function of a services module that writes a membership or a gig's guests."""
    functions, _callers = _graph()
    return sorted(key for key, fn in functions.items() if _is_services(key[0]) and _writes_membership_or_guests(fn))


def _guarded(key, functions, callers, seen=frozenset()) -> tuple[bool, str]:
    """Whether every way into `key` asks the rule under a lock; else the path that does not."""
    module, name = key
    fn = functions[key]
    called = _called(fn)
    if name in RULES or _creates_a_band(fn):
        return True, ""
    if called & RULES:
        if not called & LOCKS:
            return False, f"{module}.{name} asks the rule without the people locks"
        return True, ""
    ups = [c for c in callers.get(name, ()) if c != key and c not in seen]
    if not ups:
        return False, f"{module}.{name} is reached without the rule"
    for up in sorted(ups):
        ok, why = _guarded(up, functions, callers, seen | {key})
        if not ok:
            return False, f"{why} (through {module}.{name})"
    return True, ""


def test_every_door_that_writes_a_membership_or_a_stand_in_asks_the_rule_under_the_locks():
    found = doors()
    names = {name for _module, name in found}
    # The scan sees the doors there are today (it can fail: it is not empty).
    assert {
        "band_invite_accept",
        "membership_update",
        "band_gig_guest_add",
        "gig_answer_set",
        "gig_part_set",
    } <= names, found
    functions, callers = _graph()
    unguarded = [why for key in found for ok, why in [_guarded(key, functions, callers)] if not ok]
    assert unguarded == [], unguarded
    print(f"{len(found)} doors: {', '.join(f'{m}.{n}' for m, n in found)}")


def test_a_writer_without_the_rule_is_found():
    code = ast.parse("def member_sneak_in(band, user):\n    Membership.objects.create(band=band, user=user)\n")
    fn = code.body[0]
    assert _writes_membership_or_guests(fn)
    functions = {("bands.services", "member_sneak_in"): fn}
    assert _guarded(("bands.services", "member_sneak_in"), functions, {}) == (
        False,
        "bands.services.member_sneak_in is reached without the rule",
    )


# ---- What a person sees -----------------------------------------------------------------------------


def _join(client, user, invite):
    client.force_login(user)
    return client.post(band_invite_path(invite=invite), follow=True)


@pytest.mark.django_db
def test_a_player_at_a_festival_who_joins_a_band_on_another_stage_then_is_marked_out_of_its_set(client):
    w = festival_world()
    day = w.first_day
    kite = placement_book(
        fstage=w.main, band=w.kite, starts_at=local(day, 20), set_minutes=60, by=w.owner, now=timezone.now()
    )
    owl = placement_book(
        fstage=w.tent, band=w.owl, starts_at=local(day, 20, 15), set_minutes=45, by=w.owner, now=timezone.now()
    )
    later = placement_book(
        fstage=w.tent, band=w.owl, starts_at=local(day + dt.timedelta(days=1), 18), set_minutes=45, by=w.owner,
        now=timezone.now(),
    )  # fmt: skip
    mara = Membership.objects.filter(band=w.kite, user__display_name="Mara Guitar").get().user
    invite = BandInviteFactory(band=w.owl, created_by=w.leaders[w.owl.pk])

    page = _join(client, mara, invite)

    assert page.status_code == 200
    assert Membership.objects.filter(band=w.owl, user=mara).exists(), "she joins"
    text = page.content.decode()
    assert "marked out" in text and "Owl" in text
    place = GigAnswer.objects.get(booking=owl.booking, member=mara)
    assert (place.answer, place.required) == (Answer.CANT, False)
    assert "Kite" in place.comment
    assert not GigAnswer.objects.filter(booking=later.booking, member=mara, answer=Answer.CANT).exists()
    assert not GigAnswer.objects.filter(booking=kite.booking, member=mara, answer=Answer.CANT).exists()
    told = set(Notification.objects.filter(kind="rsvp_at_risk", dedupe_key__contains="two-places").values_list(
        "recipient_id", flat=True
    ))  # fmt: skip
    assert {mara.pk, w.leaders[w.owl.pk].pk, w.leaders[w.kite.pk].pk} <= told


@pytest.mark.django_db
def test_a_member_made_required_while_playing_another_band_then_is_marked_out(client):
    band_a, leader_a = band_with_leader(name="Alpha")
    band_b, leader_b = band_with_leader(name="Beta")
    player = UserFactory(display_name="Xenia Shared")
    MembershipFactory(band=band_a, user=player, required=True)
    optional = MembershipFactory(band=band_b, user=player, required=False)
    booker = UserFactory(time_zone="Europe/Berlin")
    gig_a = request_of(band_a, booker, starts(1))
    answering.booking_accept(booking=gig_a, by=leader_a)
    gig_b = request_of(band_b, booker, starts(1) + dt.timedelta(hours=1))
    answering.booking_accept(booking=gig_b, by=leader_b)  # she is not required here: booked
    assert Booking.objects.get(pk=gig_b.pk).status == Booking.Status.BOOKED

    client.force_login(leader_b)
    url = reverse("gigs:member_edit", args=[band_b.slug, optional.pk])
    page = client.post(url, {"role": "member", "instrument": "Bass", "required": "on"}, follow=True)

    assert page.status_code == 200
    assert Membership.objects.get(pk=optional.pk).required
    assert "marked out" in page.content.decode()
    place = GigAnswer.objects.get(booking=gig_b, member=player)
    assert (place.answer, place.required) == (Answer.CANT, False) and "Alpha" in place.comment
    assert not GigAnswer.objects.filter(booking=gig_a, member=player, answer=Answer.CANT).exists()


@pytest.mark.django_db
def test_joining_a_band_whose_gigs_do_not_overlap_changes_nothing(client):
    band_a, leader_a = band_with_leader(name="Alpha")
    band_b, leader_b = band_with_leader(name="Beta")
    player = UserFactory(display_name="Xenia Free")
    MembershipFactory(band=band_a, user=player, required=True)
    booker = UserFactory(time_zone="Europe/Berlin")
    answering.booking_accept(booking=request_of(band_a, booker, starts(1)), by=leader_a)
    answering.booking_accept(booking=request_of(band_b, booker, starts(2)), by=leader_b)
    invite = BandInviteFactory(band=band_b, created_by=leader_b)

    page = _join(client, player, invite)

    assert Membership.objects.filter(band=band_b, user=player).exists()
    assert "marked out" not in page.content.decode()
    assert not GigAnswer.objects.filter(member=player, answer=Answer.CANT).exists()


# ---- At the same moment (PostgreSQL: real locks) -------------------------------------------------------

slow_check = slow_check  # the fixture: each check waits a moment after it reads, before its door writes


def _join_and_accept_round(n: int):
    """Xenia plays in Alpha, whose leader accepts a gig; at the same moment she joins Beta, which plays then."""
    band_a, leader_a = band_with_leader(name=f"Alpha {n}")
    band_b, leader_b = band_with_leader(name=f"Beta {n}")
    player = UserFactory(display_name=f"Xenia Racer{n}")
    MembershipFactory(band=band_a, user=player, required=True)
    booker = UserFactory(time_zone="Europe/Berlin")
    gig_b = answering.booking_accept(booking=request_of(band_b, booker, starts(n)), by=leader_b)
    gig_a = request_of(band_a, booker, starts(n) + dt.timedelta(hours=1))
    invite = BandInviteFactory(band=band_b, created_by=leader_b)
    results = race(
        lambda: band_invite_join(invite=invite, user=player),
        lambda: answering.booking_accept(booking=gig_a, by=leader_a),
    )
    a_booked = Booking.objects.filter(pk=gig_a.pk, status=Booking.Status.BOOKED).exists()
    joined = Membership.objects.filter(band=band_b, user=player).exists()
    out = GigAnswer.objects.filter(booking=gig_b, member=player, answer=Answer.CANT).exists()
    return results, a_booked, joined, out


def _plays_two_places(a_booked: bool, joined: bool, out: bool) -> bool:
    return a_booked and joined and not out


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("slow_check")
def test_joining_a_band_while_another_band_accepts_a_gig_leaves_the_player_in_one_place():
    for n in range(3):
        results, a_booked, joined, out = _join_and_accept_round(n)
        assert joined, results
        refused = [r for r in results if isinstance(r, Exception)]
        assert all(isinstance(r, MembersBusy) for r in refused), results
        assert not _plays_two_places(a_booked, joined, out), f"she plays two places: {results}"


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_without_the_people_lock_the_join_race_leaves_her_in_two_places(slow_check, monkeypatch):
    """The race is real: without the people lock both doors read before either writes."""
    monkeypatch.setattr(locks, "people_lock", lambda user_ids: sorted(set(user_ids)))
    _results, a_booked, joined, out = _join_and_accept_round(0)
    assert _plays_two_places(a_booked, joined, out)
