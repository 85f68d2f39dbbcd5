"""Reads of the audience: what a person follows and asks for, their shows and feed, what's on in a city,
and the counts a band or venue sees of its followers and asks by city (never who)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext

from accounts.models import User
from bands.demand import CountsShown, counts_shown
from bands.models import ApprovalStatus, Band, Membership
from bookings.models import Booking
from bookings.selectors.bookings import slots_public
from bookings.selectors.shows import PLAYED, shows_hidden_from, shows_listed, shows_with_bill
from places.geo import GreatCircleKm, bounding_box, box_q
from places.models import City
from places.near import Near, near_filter
from venues.models import Slot, Venue, VenueStaff

from .counting import audience_count
from .models import MAX_FAN_RADIUS_KM, Ask, FanProfile, Follow, ShowAlert

SHOWS_PER_PAGE = 20
MY_SHOWS = 60
FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=400)


def profile_of(*, user: User) -> FanProfile | None:
    if not user.is_authenticated:
        return None
    return FanProfile.objects.filter(user_id=user.pk).select_related("city").first()


def profile_by_token(*, token: str) -> FanProfile | None:
    if not token or len(token) > 64:
        return None
    return FanProfile.objects.filter(feed_token=token).select_related("user", "city").first()


def band_followable(*, pk: int) -> Band | None:
    """A band anyone may follow or ask to come: approved (never a suspended or unreviewed one)."""
    return Band.objects.filter(pk=pk, status=ApprovalStatus.APPROVED).first()


def venue_followable(*, pk: int) -> Venue | None:
    return Venue.objects.filter(pk=pk, status=ApprovalStatus.APPROVED).first()


def followable_by_slug(*, kind: str, slug: str) -> Band | Venue | None:
    model = Band if kind == "band" else Venue
    return model.objects.filter(slug=slug[:120], status=ApprovalStatus.APPROVED).first()


def band_of(*, pk: int | None = None, slug: str | None = None) -> Band | None:
    """Any band (to take an ask back, or for its members' audience page)."""
    return Band.objects.filter(pk=pk).first() if pk is not None else Band.objects.filter(slug=slug).first()


def venue_of(*, slug: str) -> Venue | None:
    return Venue.objects.filter(slug=slug).first()


def is_following(*, user: User, band: Band | None = None, venue: Venue | None = None) -> bool:
    if not user.is_authenticated:
        return False
    if band is not None:
        return Follow.objects.filter(user_id=user.pk, band_id=band.pk).exists()
    return Follow.objects.filter(user_id=user.pk, venue_id=venue.pk).exists()


def follows_of(*, user: User) -> list[Follow]:
    return list(Follow.objects.filter(user_id=user.pk).select_related("band", "venue").order_by("-created_at", "-pk"))


def asks_of(*, user: User, band: Band | None = None) -> list[Ask]:
    qs = Ask.objects.filter(user_id=user.pk).select_related("band", "city").order_by("-created_at", "-pk")
    if band is not None:
        qs = qs.filter(band_id=band.pk)
    return list(qs)


def is_band_member(*, user: User, band: Band) -> bool:
    return user.is_authenticated and Membership.objects.filter(user_id=user.pk, band_id=band.pk).exists()


def is_venue_staff(*, user: User, venue: Venue) -> bool:
    return user.is_authenticated and VenueStaff.objects.filter(user_id=user.pk, venue_id=venue.pk).exists()


# ---- A fan's shows ---------------------------------------------------------------------------------


def _followed_q(user_id: int) -> Q:
    """Shows a band the person follows plays, or at a venue they follow."""
    bands = Follow.objects.filter(user_id=user_id, band__isnull=False).values("band_id")
    venues = Follow.objects.filter(user_id=user_id, venue__isnull=False).values("venue_id")
    plays = Booking.objects.filter(slot_id=OuterRef("pk"), band_id__in=bands, status__in=PLAYED)
    return Exists(plays) | Q(venue_id__in=venues) | Q(venue__isnull=True, place_venue_id__in=venues)


def _near_q(profile: FanProfile | None) -> Q | None:
    if profile is None or profile.city is None:
        return None
    box = bounding_box(profile.city.latitude, profile.city.longitude, profile.radius_km)
    return box_q(box, "latitude", "longitude")


def fan_shows(*, user: User, profile: FanProfile | None, now: dt.datetime) -> list[Slot]:
    """The person's shows to come, by date: what they follow (anywhere) and everything within their
    distance of their home city. Each show's `followed` says which; `distance_km` how far (or None)."""
    qs = shows_listed(now=now, viewer=user).annotate(followed=_followed_q(user.pk))
    near = _near_q(profile)
    if near is not None:
        city = profile.city
        qs = qs.annotate(distance_km=GreatCircleKm(city.latitude, city.longitude, F("latitude"), F("longitude")))
        qs = qs.filter(Q(followed=True) | (near & Q(distance_km__lte=profile.radius_km)))
    else:
        qs = qs.filter(followed=True)
    return list(qs.order_by("starts_at", "pk")[:MY_SHOWS])


def feed_shows(*, profile: FanProfile, now: dt.datetime) -> list[Slot]:
    """What the fan's calendar feed holds: their shows (fan_shows' rule) from a month back, and every show
    they were told of, cancelled ones kept (they read CANCELLED there)."""
    user_id = profile.user_id
    told = ShowAlert.objects.filter(user_id=user_id).values("slot_id")
    qs = slots_public().filter(starts_at__gte=now - FEED_PAST, starts_at__lte=now + FEED_AHEAD)
    qs = qs.filter(shows_hidden_from(profile.user))  # a block hides the show from the feed as from the lists
    wanted = Q(pk__in=told) | (Q(headliner_booked=1, cancelled_at__isnull=True) & _followed_q(user_id))
    near = _near_q(profile)
    if near is not None:
        city = profile.city
        qs = qs.annotate(distance_km=GreatCircleKm(city.latitude, city.longitude, F("latitude"), F("longitude")))
        wanted |= Q(headliner_booked=1, cancelled_at__isnull=True) & near & Q(distance_km__lte=profile.radius_km)
    return list(shows_with_bill(qs.filter(wanted), genres=False).order_by("starts_at", "pk"))


# ---- What's on -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhatsOn:
    near: Near | None
    first_day: dt.datetime | None
    last_day: dt.datetime | None
    genre: str = ""


def _whats_on_qs(*, ask: WhatsOn, now: dt.datetime, viewer: User | None = None) -> QuerySet[Slot]:
    qs = shows_listed(now=now, viewer=viewer)
    if ask.near is not None:
        qs = near_filter(qs, ask.near)
    if ask.first_day is not None:
        qs = qs.filter(ends_at__gt=ask.first_day)
    if ask.last_day is not None:
        qs = qs.filter(starts_at__lt=ask.last_day)
    if ask.genre:
        qs = qs.filter(Exists(Slot.genres.through.objects.filter(slot_id=OuterRef("pk"), genre__slug=ask.genre)))
    return qs.order_by("starts_at", "pk")


MAX_PAGE = 10_000


@dataclass(frozen=True)
class ShowsPage:
    """A page of What's on, told without counting every show to come (a count that grows with the shows
    nationwide: 10 ms at 10,000): one row more than the page says whether another follows. Answers what a
    template or the API asks of Django's Page."""

    object_list: list[Slot]
    number: int
    more: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.more or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def _page_number(page: str | int | None) -> int:
    try:
        number = int(page or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def whats_on(*, ask: WhatsOn, now: dt.datetime, page: str | int | None, viewer: User | None = None) -> ShowsPage:
    """Public shows both sides published (the public show page's rule), to come, by date: near a city,
    between two moments, of a genre. A page of SHOWS_PER_PAGE with their bills (none past the last page);
    a fixed number of queries whatever the page holds, none of them counting every show. Shows a block hides
    from `viewer` are left out."""
    number = _page_number(page)
    start = (number - 1) * SHOWS_PER_PAGE
    rows = list(_whats_on_qs(ask=ask, now=now, viewer=viewer)[start : start + SHOWS_PER_PAGE + 1])
    return ShowsPage(object_list=rows[:SHOWS_PER_PAGE], number=number, more=len(rows) > SHOWS_PER_PAGE)


CITY_FEED_MAX = 500


def whats_on_all(*, ask: WhatsOn, now: dt.datetime) -> list[Slot]:
    """What's on as a city's calendar: the next CITY_FEED_MAX shows."""
    return list(_whats_on_qs(ask=ask, now=now)[:CITY_FEED_MAX])


def city_of(*, pk: int) -> City | None:
    return City.objects.filter(pk=pk).first() if 0 < pk < 2**31 else None


# ---- What a band or venue sees: counts by city, never who --------------------------------------------


def _by_city(rows: list[tuple[int | None, str, int]]) -> CountsShown:
    return counts_shown((label or gettext("No home city given"), n) for _city, label, n in rows)


def followers_by_city(*, now: dt.datetime, band: Band | None = None, venue: Venue | None = None) -> CountsShown:
    """How many people with standing (fans.counting) follow the band or venue, by their home city, with the
    total as it may be shown (bands.demand.counts_shown: no hidden city recovered from it). One query."""
    if band is not None:
        return _by_city(audience_count(what="followers", band_id=band.pk, now=now))
    return _by_city(audience_count(what="followers", venue_id=venue.pk, now=now))


def asks_by_city(*, band: Band, now: dt.datetime) -> CountsShown:
    return _by_city(audience_count(what="asks", band_id=band.pk, now=now))


# ---- Who an alert goes to ----------------------------------------------------------------------------


def show_audience(*, slot: Slot) -> QuerySet:
    """The user ids to tell of a new show: who follows a band on its bill or its venue, and either lives
    within their distance of it, chose any distance, or gave no home city. Ordered by id (keyset chunks)."""
    acts = Booking.objects.filter(slot_id=slot.pk, status__in=PLAYED).values("band_id")
    venue_id = slot.venue_id or slot.place_venue_id
    follows = Q(band_id__in=acts) | (Q(venue_id=venue_id) if venue_id else Q(pk__in=[]))
    followers = Follow.objects.filter(follows).values("user_id")
    people = User.objects.filter(pk__in=followers, is_active=True)
    if slot.latitude is None or slot.longitude is None:
        return people.values_list("pk", flat=True).order_by("pk")
    box = bounding_box(slot.latitude, slot.longitude, MAX_FAN_RADIUS_KM)
    close = box_q(box, "fan_profile__city__latitude", "fan_profile__city__longitude") & Q(
        fan_distance__lte=F("fan_profile__radius_km")
    )
    people = people.annotate(
        fan_distance=GreatCircleKm(
            slot.latitude, slot.longitude, F("fan_profile__city__latitude"), F("fan_profile__city__longitude")
        )
    ).filter(
        Q(fan_profile__isnull=True) | Q(fan_profile__city__isnull=True) | Q(fan_profile__any_distance=True) | close
    )
    return people.values_list("pk", flat=True).order_by("pk")
