"""Shared set-up of the client journey tests: a band with packages, its leader, a member and a client."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from bands.models import Band, Membership, Package
from bands.tests.factories import BandFactory, MembershipFactory

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@dataclass
class Party:
    band: Band
    leader: User
    member: User
    client: User
    instant: Package
    on_request: Package


def band_party(**band_fields) -> Party:
    band = BandFactory(load_in_minutes=60, pack_down_minutes=30, **band_fields)
    leader, member, client = (
        UserFactory(time_zone="Europe/Berlin"),
        UserFactory(),
        UserFactory(time_zone="Europe/London"),
    )
    if member.display_name.split()[0] == leader.display_name.split()[0]:
        # Two of one first name keep their full names in the band's calendar; the tests read first names.
        first = "Sasha" if leader.display_name.startswith("Robin ") else "Robin"
        member.display_name = f"{first} {member.display_name.split()[-1]}"
        member.save(update_fields=["display_name"])
    MembershipFactory(band=band, user=leader, role=Membership.Role.LEADER)
    MembershipFactory(band=band, user=member)
    instant = Package.objects.create(
        band=band, name="Party set", sets=2, set_minutes=45, break_minutes=15, price=900, instant=True
    )
    on_request = Package.objects.create(
        band=band, name="Wedding day", sets=3, set_minutes=45, price=250, price_unit="hour", travel_fee=80
    )
    return Party(band, leader, member, client, instant, on_request)


def local(days: int, hour: int = 20, minute: int = 0) -> dt.datetime:
    """`days` from today at `hour`:`minute` Berlin time, as an aware datetime."""
    day = timezone.localtime(timezone.now(), BERLIN).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)
