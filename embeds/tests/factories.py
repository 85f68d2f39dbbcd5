"""A listed band with what its widget shows: members (one required), an instant package or none, and
public shows it plays."""

import datetime as dt

from bands.models import Membership, Package
from bookings.services import shows
from bookings.tests.factories import band_with_leader, in_days


def band_for_widget(*, name: str = "Neon Owls", instant: bool = False, **kwargs):
    """(band, leader): a listed band in Europe/Berlin led by a fresh user."""
    band, leader = band_with_leader(name=name, **kwargs)
    Membership.objects.filter(band=band).update(required=True)
    if instant:
        Package.objects.create(
            band=band, name="Party set", sets=2, set_minutes=45, break_minutes=15, price=90000, instant=True
        )
    return band, leader


def show_of(band, leader, *, title: str, days: int):
    """A public show the band hosts `days` from now at 20:00 UTC."""
    start = in_days(days, 20)
    return shows.show_host(
        band=band,
        by=leader,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        doors_at=start - dt.timedelta(hours=1),
        time_zone="Europe/Berlin",
        title=title,
        place_name="Zukunft",
        place_address="Laskerstraße 5",
        place_city="Berlin",
        support_places=0,
        fee=150,
    )
