"""A band's public share link: its availability (green zone and booked days, nothing private)."""

import datetime as dt

from bands.models import Band

from .feeds import FeedEvent


def band_availability_events(*, band: Band, now: dt.datetime, booked: bool = True) -> list[FeedEvent]:
    """The band's green-zone windows as "Available" events (and, with `booked`, its booked gigs as
    plain "Booked" events without any detail), from today on; the same state gives the same events."""
    raise NotImplementedError
