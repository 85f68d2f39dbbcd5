"""What the API's resources look like. Every moment is UTC (ISO 8601, "Z"); the IANA zone it is meant
in is given beside it (`time_zone`)."""

import datetime as dt

from ninja import Field, Schema

from .core import Page


def utc(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.astimezone(dt.UTC)


class Window(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str


class BandOut(Schema):
    slug: str
    name: str
    tagline: str
    genres: list[str]
    city: str
    region: str
    country: str
    time_zone: str
    fee_min: int | None
    fee_max: int | None
    currency: str
    member_count: int | None = None
    rating: float | None = Field(None, description="Average stars of its published reviews; null without any")
    rating_count: int = 0
    url: str
    free: Window | None = None  # with a free-date search: when the band is free, on its own clock
    travel_km: int | None = Field(None, description="How far from home the band travels for a gig; null if unsaid")
    distance_km: float | None = Field(None, description="With near: km from that city (great circle); else null")


class BandPage(Page):
    items: list[BandOut]


class VenueOut(Schema):
    slug: str
    name: str
    city: str
    region: str
    country: str
    time_zone: str
    capacity: int | None
    rating: float | None = Field(None, description="Average stars of its published reviews; null without any")
    rating_count: int = 0
    genres: list[str]
    url: str
    distance_km: float | None = Field(None, description="With near: km from that city (great circle); else null")


class VenuePage(Page):
    items: list[VenueOut]


class DayOut(Schema):
    date: dt.date
    state: str  # "booked", "pending", "available" or "" (not available)
    gigs: list[str]  # the public venues' names of gigs that day


class MonthOut(Schema):
    band: str
    month: str
    time_zone: str
    min_gig_minutes: int
    days: list[DayOut]
    previous: str | None
    next: str | None


class SlotOut(Schema):
    id: int
    title: str
    venue: str | None = Field(description="The venue's slug; null for a show a band hosts (see host_band)")
    venue_name: str | None
    stage: str | None
    host_band: str | None = Field(None, description="A show a band hosts: the band's slug (its page: url)")
    place: str = Field("", description="Where it is: the venue, or the hosted show's place")
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    genres: list[str]
    fee: int | None
    currency: str
    support_places: int
    status: str
    headliner_open: bool
    support_open: bool
    band_free: bool | None = None  # with `band`: every needed member of that band is free for the slot
    url: str
    distance_km: float | None = Field(None, description="With near: km from that city (great circle); else null")


class SlotPage(Page):
    items: list[SlotOut]
