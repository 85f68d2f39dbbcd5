"""Calls, the jury and the timetable through their services: a band busy on every day is refused, the
deadline closes everything, a juror reads others' scores only after scoring, blind cards name no band,
rejections wait for a civil hour, and placements refuse a shared player on two stages at once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notification
from availability.models import BusyInterval
from bookings.errors import BookingConflict
from bookings.models import Booking
from festivals.models import Application, Placement
from festivals.services import calls, jury, timetable
from festivals.services.errors import FestivalError, FestivalPermissionError

from .factories import festival_world, local, placement_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return festival_world()


def apply(w, band, **kwargs):
    values = {"pitch": "Loud and kind.", "answers": {f"q{w.call.questions.get().pk}": "45"}, "blind_text": "Krautrock"}
    values.update(kwargs)
    return calls.application_submit(call=w.call, band=band, by=w.leaders[band.pk], now=timezone.now(), **values)


def test_a_band_applies_edits_and_withdraws_until_the_deadline_and_nothing_after(w):
    application = apply(w, w.kite)
    assert application.status == Application.Status.SUBMITTED
    apply(w, w.kite, pitch="Louder.")
    application.refresh_from_db()
    assert application.pitch == "Louder." and Application.objects.count() == 1
    with pytest.raises(FestivalPermissionError):
        calls.application_submit(
            call=w.call, band=w.kite, by=w.leaders[w.owl.pk], pitch="x", answers={}, now=timezone.now()
        )
    with pytest.raises(ValidationError) as caught:
        apply(w, w.owl, answers={f"q{w.call.questions.get().pk}": "90"})
    assert "Choose one of the answers offered." in str(caught.value)
    later = w.call.deadline + dt.timedelta(seconds=1)
    with pytest.raises(FestivalError, match="deadline"):
        calls.application_submit(call=w.call, band=w.owl, by=w.leaders[w.owl.pk], pitch="x", answers={}, now=later)
    with pytest.raises(FestivalError, match="deadline"):
        calls.application_withdraw(application=application, by=w.leaders[w.kite.pk], now=later)
    calls.application_withdraw(application=application, by=w.leaders[w.kite.pk], now=timezone.now())
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN


def test_a_band_busy_on_every_day_of_the_call_is_refused(w):
    leader = w.leaders[w.owl.pk]
    start = local(w.first_day, 0) - dt.timedelta(days=1)
    BusyInterval.objects.create(
        user=leader, starts_at=start, ends_at=start + dt.timedelta(days=4), source=BusyInterval.Source.RULE, source_id=1
    )
    days = calls.call_green_days(call=w.call, band=w.owl, today=timezone.now().date())
    assert [d.status for d in days] == ["red", "red"]
    with pytest.raises(FestivalError, match="busy on every day"):
        apply(w, w.owl)
    assert not Application.objects.filter(band=w.owl).exists()


def test_jurors_score_blind_and_see_others_only_after_scoring(w):
    kite, owl = apply(w, w.kite), apply(w, w.owl)
    jury.juror_add(call=w.call, user=w.juror, by=w.owner)
    jury.juror_add(call=w.call, user=w.booker, by=w.owner)
    with pytest.raises(FestivalError):
        jury.juror_add(call=w.call, user=w.stranger, by=w.owner)
    with pytest.raises(FestivalPermissionError):
        jury.score_save(application=kite, juror=w.stranger, values={"Music": 5, "Live show": 5}, comment="")
    with pytest.raises(ValidationError):
        jury.score_save(application=kite, juror=w.juror, values={"Music": 9, "Live show": 5}, comment="")
    jury.score_save(application=kite, juror=w.booker, values={"Music": 5, "Live show": 3}, comment="Great hooks")
    cards = {c.code: c for c in jury.jury_cards(call=w.call, viewer=w.juror, organiser=False)}
    assert cards[kite.code].others == [] and cards[kite.code].median is None
    assert all(c.name == "" for c in cards.values()), "a blind call names no band"
    assert cards[owl.code].pitch == "Krautrock"
    jury.score_save(application=kite, juror=w.juror, values={"Music": 1, "Live show": 1}, comment="")
    cards = {c.code: c for c in jury.jury_cards(call=w.call, viewer=w.juror, organiser=False)}
    assert [s.comment for s in cards[kite.code].others] == ["Great hooks"]
    assert (cards[kite.code].median, cards[kite.code].spread) == (2.5, 3.0)


def test_decisions_wait_for_the_deadline_and_rejections_for_a_civil_hour(w):
    kite, owl = apply(w, w.kite), apply(w, w.owl)
    with pytest.raises(FestivalError, match="after the deadline"):
        jury.application_decide(application=kite, by=w.owner, decision="shortlisted", now=timezone.now())
    after = w.call.deadline + dt.timedelta(hours=1)
    with pytest.raises(FestivalPermissionError):
        jury.application_decide(application=kite, by=w.juror, decision="shortlisted", now=after)
    jury.application_decide(application=kite, by=w.owner, decision="shortlisted", now=after)
    jury.application_decide(application=owl, by=w.owner, decision="rejected", message="Next year!", now=after)
    with pytest.raises(FestivalError, match="decided already"):
        jury.application_decide(application=owl, by=w.owner, decision="shortlisted", now=after)
    night = dt.datetime(2030, 1, 10, 23, 30, tzinfo=dt.UTC)  # 00:30 in Berlin
    assert jury.civil_moment(night, "Europe/Berlin") == dt.datetime(2030, 1, 11, 8, 0, tzinfo=dt.UTC)
    assert jury.decisions_send(call=w.call, by=w.owner, now=after) == 1
    owl.refresh_from_db()
    assert jury.notices_due_send(now=owl.notice_due_at - dt.timedelta(minutes=1)) == 0
    assert jury.notices_due_send(now=owl.notice_due_at) == 1
    assert jury.notices_due_send(now=owl.notice_due_at) == 0
    note = Notification.objects.get(recipient=w.leaders[w.owl.pk], kind="call_decision")
    assert "Next year!" in note.text


def test_placements_refuse_a_shared_player_on_two_stages_and_a_short_changeover(w):
    day = w.first_day
    kite = placement_book(
        fstage=w.main, band=w.kite, starts_at=local(day, 20), set_minutes=60, by=w.owner, now=timezone.now()
    )
    assert kite.booking.status == Booking.Status.BOOKED
    assert kite.booking.slot.stage_id == w.main.stage_id
    with pytest.raises(BookingConflict) as caught:
        placement_book(
            fstage=w.tent, band=w.moth, starts_at=local(day, 20, 30), set_minutes=45, by=w.owner, now=timezone.now()
        )
    assert "Mara Guitar" in str(caught.value) and "Kite" in str(caught.value) and "Moth" in str(caught.value)
    with pytest.raises(BookingConflict, match="between stages"):
        placement_book(
            fstage=w.tent, band=w.moth, starts_at=local(day, 21, 5), set_minutes=45, by=w.owner, now=timezone.now()
        )
    with pytest.raises(BookingConflict, match="changeover"):
        placement_book(
            fstage=w.main, band=w.owl, starts_at=local(day, 21, 10), set_minutes=45, by=w.owner, now=timezone.now()
        )
    with pytest.raises(BookingConflict, match="open from"):
        placement_book(
            fstage=w.tent, band=w.owl, starts_at=local(day, 22, 30), set_minutes=60, by=w.owner, now=timezone.now()
        )
    # Far enough for the festival's rule, not for the band's usual load-in: every gig's own check refuses.
    with pytest.raises(BookingConflict, match="Mara Guitar is busy"):
        placement_book(
            fstage=w.tent, band=w.moth, starts_at=local(day, 21, 15), set_minutes=45, by=w.owner, now=timezone.now()
        )
    second = day + dt.timedelta(days=1)
    moth = placement_book(
        fstage=w.tent, band=w.moth, starts_at=local(second, 17), set_minutes=45, by=w.owner, now=timezone.now()
    )
    assert Placement.objects.count() == 2 and Booking.objects.filter(status=Booking.Status.BOOKED).count() == 2
    verdict = timetable.placement_try(
        fstage=w.main, band=w.moth, starts_at=local(second, 23), set_minutes=45, now=timezone.now()
    )
    assert verdict.refusals == [] and "twice" in verdict.warnings[0]
    with pytest.raises(BookingConflict, match="open from"):
        timetable.placement_move(
            placement=moth, fstage=w.tent, starts_at=local(second, 15), by=w.owner, now=timezone.now()
        )
    timetable.placement_move(placement=moth, fstage=w.main, starts_at=local(second, 15), by=w.owner, now=timezone.now())
    moth.booking.refresh_from_db()
    assert moth.booking.starts_at == local(second, 15) and moth.booking.sequence >= 1
    assert moth.booking.slot.stage_id == w.main.stage_id
    assert Notification.objects.filter(recipient=w.mara, text__contains="now plays").exists()
    with pytest.raises(FestivalPermissionError):
        placement_book(
            fstage=w.main, band=w.owl, starts_at=local(day, 15), set_minutes=45, by=w.juror, now=timezone.now()
        )


def test_a_radius_clause_refuses_a_gig_30_km_away_a_week_later_unless_waived(w):
    from bookings.selectors.finder import finder_slots
    from bookings.services import answering
    from bookings.services.radius import radius_waiver_add
    from bookings.tests.factories import BookingFactory, SlotFactory, venue_with_owner

    placed = placement_book(
        fstage=w.main, band=w.owl, starts_at=local(w.first_day, 18), set_minutes=45, by=w.owner, now=timezone.now(),
        radius=(50, 14, 14),
    )  # fmt: skip
    clause = placed.booking.radius_clauses.get()
    near_venue, near_owner = venue_with_owner(latitude=52.79, longitude=13.405, exact_point=True, name="Northtown Club")
    far_venue, _far_owner = venue_with_owner(latitude=48.14, longitude=11.58, exact_point=True, name="Munich Hall")
    week_later = local(w.first_day + dt.timedelta(days=7), 20)
    near_slot = SlotFactory(venue=near_venue, starts_at=week_later, ends_at=week_later + dt.timedelta(hours=2))
    far_slot = SlotFactory(venue=far_venue, starts_at=week_later, ends_at=week_later + dt.timedelta(hours=2))
    ask = BookingFactory(band=w.owl, slot=near_slot, requested_by=w.leaders[w.owl.pk])
    with pytest.raises(BookingConflict) as caught:
        answering.booking_accept(booking=ask, by=near_owner)
    assert "Lake Fest" in str(caught.value) and "50 km" in str(caught.value) and "30 km away" in str(caught.value)
    ask.refresh_from_db()
    assert ask.status == Booking.Status.PENDING
    playable = set(finder_slots(now=timezone.now(), band_id=w.owl.pk, playable=True).values_list("pk", flat=True))
    assert far_slot.pk in playable and near_slot.pk not in playable
    radius_waiver_add(clause=clause, day=week_later.date(), text="Fine by us – Lake Fest", by=w.owner)
    assert answering.booking_accept(booking=ask, by=near_owner).status == Booking.Status.BOOKED
