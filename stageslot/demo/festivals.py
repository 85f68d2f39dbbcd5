"""A demo festival: Riverside Rooms (the venue group of demo_teams) runs "Riverside Summer Nights" on two
stages of Kellerbar and an open call for it. Four bands applied; Rafael (the promoter) and Pia scored
them; after the deadline two were shortlisted and one rejected. The Night Owls were offered the main
stage on the first evening and accepted; a band that never applied is invited to the courtyard and has not
answered yet; release 1 of the timetable is published with the accepted set, so the public page, its
calendars and the schedule files are there to read. Brass & Bones, shortlisted too, share their drummer
and bassist with The Night Owls, so placing them on the courtyard at the same hour is refused with both
names – the clash to try. A band
whose members are busy on both days (the demo's other gigs) cannot apply and is left out; then the next
pair that shares a player (The Low End Theory and Grey Harbour share Hana) takes their place.

Everything goes through the festivals services, as on the pages (the deadline is moved into the past by
hand: a call's deadline must be in the future when it is made). Idempotent: once the festival exists
nothing is done.
"""

import datetime as dt
import zoneinfo

from accounts.models import Notification, User
from bands.models import ApprovalStatus, Band, Membership
from bookings.errors import BookingConflict, BookingError
from festivals.models import Application, Festival, FestivalStage, OpenCall
from festivals.services import calls, jury, releases, timetable
from festivals.services.errors import FestivalError
from teams.models import Organisation
from venues import services as venue_services
from venues.models import Stage, Venue

SLUG = "riverside-summer-nights"
NAME = "Riverside Summer Nights"
VENUE = "kellerbar"
COURTYARD = "Courtyard"
# (band, pitch, scores of the two jurors)
APPLICANTS = [
    ("the-night-owls", "Indie rock for warm nights: three-part harmonies.", ((5, 4), (4, 5))),
    ("brass-and-bones", "A horn section that makes a courtyard dance.", ((4, 5), (5, 5))),
    ("grey-harbour", "Sea shanties with a fiddle.", ((3, 3), (3, 4))),
    ("the-low-end-theory", "Jazz meets live hip hop.", ((5, 3), (4, 4))),
    ("luz-de-madrugada", "Folk pop in Spanish and English.", ((4, 3), (3, 3))),
    ("velours", "Velvet synth pop for the late set.", ((3, 4), (4, 3))),
    ("nordlys", "Northern lights in four chords.", ((4, 4), (3, 4))),
]
# Two acts that share players (Ayla and Jonas; Hana): the first pair whose both acts could apply is
# shortlisted, its first act placed and its second left to clash. One other act is rejected.
PAIRS = [("the-night-owls", "brass-and-bones"), ("the-low-end-theory", "grey-harbour")]
REJECTED = "velours"
DAYS_AHEAD = 75


def _leader(band: Band) -> User:
    return Membership.objects.filter(band=band, role=Membership.Role.LEADER).select_related("user").first().user


def festival_days(*, now: dt.datetime) -> frozenset[dt.date]:
    """The festival's two days, as seed_festivals sets them: the stories seeded before it keep out of them."""
    first_day = (now + dt.timedelta(days=DAYS_AHEAD)).date()
    return frozenset({first_day, first_day + dt.timedelta(days=1)})


def seed_festivals(*, now: dt.datetime) -> None:
    if Festival.objects.filter(slug=SLUG).exists():
        return
    group = Organisation.objects.filter(slug="riverside-rooms").first()
    venue = Venue.objects.filter(slug=VENUE).first()
    promoter = User.objects.filter(email="promoter@demo.stageslot.test").first()
    owner = User.objects.filter(email="group-owner@demo.stageslot.test").first()
    if group is None or venue is None or promoter is None or owner is None:
        return
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    main = Stage.objects.filter(venue=venue).order_by("pk").first()
    courtyard = Stage.objects.filter(venue=venue, name=COURTYARD).first() or venue_services.stage_add(
        venue=venue, name=COURTYARD, capacity=300
    )
    first_day = (now + dt.timedelta(days=DAYS_AHEAD)).date()
    festival = timetable.festival_create(
        organisation=group, venue=venue, name=NAME, first_day=first_day, last_day=first_day + dt.timedelta(days=1),
        by=promoter,
    )  # fmt: skip
    if festival.slug != SLUG:
        Festival.objects.filter(pk=festival.pk).update(slug=SLUG)
        festival.slug = SLUG
    main_stage = timetable.festival_stage_add(
        festival=festival, stage=main, opens=dt.time(16), closes=dt.time(1), changeover_minutes=30, by=promoter
    )
    courtyard_stage = timetable.festival_stage_add(
        festival=festival, stage=courtyard, opens=dt.time(17), closes=dt.time(23), changeover_minutes=20, by=promoter
    )
    call = calls.call_create(
        organisation=group,
        by=promoter,
        now=now,
        data=calls.CallInput(
            title=f"{NAME}: open call",
            description="Two evenings, two stages, one courtyard. Send us what makes a summer night.",
            first_day=first_day,
            last_day=first_day + dt.timedelta(days=1),
            time_zone=venue.time_zone,
            deadline_day=(now + dt.timedelta(days=20)).date(),
            deadline_time=dt.time(23, 59),
            stages=f"{main.name}, {COURTYARD}",
            fee_min=300,
            fee_max=1200,
            travel_paid=True,
            criteria=("Music", "Live show"),
            festival=festival,
        ),
    )
    calls.call_publish(call=call, by=promoter, now=now)
    jury.juror_add(call=call, user=promoter, by=promoter)
    jury.juror_add(call=call, user=owner, by=promoter)
    applied = {}
    for slug, pitch, scores in APPLICANTS:
        band = Band.objects.filter(slug=slug).first()
        if band is None:
            continue
        try:
            application = calls.application_submit(
                call=call, band=band, by=_leader(band), pitch=pitch, blind_text=pitch, answers={}, now=now
            )
        except (FestivalError, BookingError):
            continue  # a band busy on both days cannot apply
        for juror, (music, live) in zip((promoter, owner), scores, strict=True):
            values = {"Music": music, "Live show": live}
            jury.score_save(application=application, juror=juror, values=values, comment="")
        applied[slug] = application
    # The deadline has passed: the decisions, and the first act of a pair on the main stage.
    call.deadline = now - dt.timedelta(hours=1)
    OpenCall.objects.filter(pk=call.pk).update(deadline=call.deadline)
    pair = next(((applied[a], applied[b]) for a, b in PAIRS if a in applied and b in applied), ())
    for application in pair:
        jury.application_decide(application=application, by=promoter, decision="shortlisted", now=now)
    if REJECTED in applied:
        jury.application_decide(application=applied[REJECTED], by=promoter, decision="rejected", now=now)
    if pair:
        _place(main_stage, pair[0].band, first_day, venue.time_zone, promoter, now, accept=True)
    # An act that never applied is invited to the courtyard: the offer waits for its answer.
    for band in Band.objects.filter(status=ApprovalStatus.APPROVED).exclude(slug__in=applied).order_by("name")[:5]:
        if _place(courtyard_stage, band, first_day, venue.time_zone, promoter, now, accept=False):
            break
    # The first release: the accepted set goes public (the invited act's offer waits outside it).
    releases.release_publish(festival=festival, by=promoter, note="The first evening's headliner.", now=now)
    Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )


def _place(
    fstage: FestivalStage, band: Band, day: dt.date, zone: str, by: User, now: dt.datetime, *, accept: bool
) -> bool:
    """The act offered a set on the stage at the first evening hour it is free (its members' other gigs stay
    theirs); `accept`: its leader accepts, so the set is booked. False when no hour was free."""
    application = Application.objects.filter(call__festival=fstage.festival, band=band).first()
    for day_offset in (0, 1):
        for hour in (20, 21, 19, 22, 18):
            starts_at = dt.datetime.combine(
                day + dt.timedelta(days=day_offset), dt.time(hour), tzinfo=zoneinfo.ZoneInfo(zone)
            )
            try:
                placement = timetable.placement_offer(
                    fstage=fstage, band=band, starts_at=starts_at.astimezone(dt.UTC),
                    set_minutes=60, by=by, now=now, application=application,
                )  # fmt: skip
            except (BookingConflict, BookingError, FestivalError):
                continue
            if accept:
                try:
                    timetable.placement_accept(placement=placement, by=_leader(band), now=now)
                except (BookingConflict, BookingError, FestivalError):
                    timetable.placement_withdraw(placement=placement, by=by, now=now)
                    continue
            return True
    return False
