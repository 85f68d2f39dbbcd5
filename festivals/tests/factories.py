"""A festival world: a promoter (owner, booker, a juror), its site with two stages, a two-day festival and
an open call for it, and three bands – Kite and Moth share their guitarist Mara; Owl is another band."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from bands.models import Band, Membership
from bands.tests.factories import BandFactory, MembershipFactory
from festivals.models import Festival, FestivalStage, OpenCall, Placement
from festivals.services import calls, timetable
from teams.models import LinkStatus, Organisation, Role, VenueLink
from teams.tests.factories import OrganisationFactory, OrgMemberFactory
from venues.models import Stage, Venue, VenueStaff
from venues.tests.factories import VenueFactory, VenueStaffFactory

BERLIN = "Europe/Berlin"


@dataclass
class World:
    organisation: Organisation
    owner: User
    booker: User
    juror: User
    stranger: User
    venue: Venue
    main: FestivalStage
    tent: FestivalStage
    festival: Festival
    call: OpenCall
    kite: Band
    moth: Band
    owl: Band
    leaders: dict[int, User]
    mara: User
    first_day: dt.date


def band(name: str, slug: str) -> tuple[Band, User]:
    leader = UserFactory(display_name=f"{name} Leader")
    b = BandFactory(name=name, slug=slug)
    MembershipFactory(band=b, user=leader, role=Membership.Role.LEADER, required=True)
    return b, leader


def festival_world(days_ahead: int = 40, tag: str = "") -> World:
    now = timezone.now()
    first_day = (now + dt.timedelta(days=days_ahead)).date()
    organisation = OrganisationFactory(kind=Organisation.Kind.VENUE_GROUP, name=f"Lakeside Promotions{tag}")
    owner = OrgMemberFactory(organisation=organisation, role=Role.OWNER, user__display_name="Olga Owner").user
    booker = OrgMemberFactory(organisation=organisation, role=Role.BOOKER).user
    juror = OrgMemberFactory(organisation=organisation, role=Role.VIEWER, user__display_name="Jules Juror").user
    venue = VenueFactory(
        name=f"Lakeside Park{tag}", slug=f"lakeside{tag}", time_zone=BERLIN, stages=["Main", "Tent"],
        latitude=52.52, longitude=13.405, exact_point=True,
    )  # fmt: skip
    VenueStaffFactory(venue=venue, user=owner, role=VenueStaff.Role.OWNER)
    VenueLink.objects.create(organisation=organisation, venue=venue, asked_by=owner, status=LinkStatus.ACTIVE)
    festival = timetable.festival_create(
        organisation=organisation,
        venue=venue,
        name=f"Lake Fest{tag}",
        first_day=first_day,
        last_day=first_day + dt.timedelta(days=1),
        by=owner,
    )
    main_stage, tent_stage = Stage.objects.filter(venue=venue).order_by("pk")
    main = timetable.festival_stage_add(
        festival=festival, stage=main_stage, opens=dt.time(14), closes=dt.time(1), changeover_minutes=30, by=owner
    )
    tent = timetable.festival_stage_add(
        festival=festival, stage=tent_stage, opens=dt.time(16), closes=dt.time(23), changeover_minutes=15, by=owner
    )
    call = calls.call_create(
        organisation=organisation,
        by=owner,
        now=now,
        data=calls.CallInput(
            title=f"Lake Fest{tag} open call",
            first_day=first_day,
            last_day=first_day + dt.timedelta(days=1),
            time_zone=BERLIN,
            deadline_day=(now + dt.timedelta(days=10)).date(),
            deadline_time=dt.time(23, 59),
            stages="Main, Tent",
            fee_min=200,
            fee_max=800,
            blind=True,
            criteria=("Music", "Live show"),
            festival=festival,
        ),
    )
    calls.question_add(
        call=call, by=owner, kind="choice", text="Set length?", choices=["30", "45", "60"], required=True
    )
    calls.call_publish(call=call, by=owner, now=now)
    kite, kite_leader = band(f"Kite{tag}", f"kite{tag}")
    moth, moth_leader = band(f"Moth{tag}", f"moth{tag}")
    owl, owl_leader = band(f"Owl{tag}", f"owl{tag}")
    mara = UserFactory(display_name="Mara Guitar")
    for b in (kite, moth):
        MembershipFactory(band=b, user=mara, role=Membership.Role.MEMBER, required=True, instrument="guitar")
    return World(
        organisation=organisation,
        owner=owner,
        booker=booker,
        juror=juror,
        stranger=UserFactory(display_name="Sam Stranger"),
        venue=venue,
        main=main,
        tent=tent,
        festival=festival,
        call=call,
        kite=kite,
        moth=moth,
        owl=owl,
        leaders={kite.pk: kite_leader, moth.pk: moth_leader, owl.pk: owl_leader},
        mara=mara,
        first_day=first_day,
    )


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    import zoneinfo

    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(BERLIN))


def placement_book(*, by: User, now: dt.datetime, **offer) -> Placement:
    """A set offered and accepted at once by the act's first leader: what placing an act books."""
    placement = timetable.placement_offer(by=by, now=now, **offer)
    leader = Membership.objects.filter(band=placement.band, role=Membership.Role.LEADER).order_by("pk").first().user
    return timetable.placement_accept(placement=placement, by=leader, now=now)
