"""Writes of the audience: a fan's account and settings, following, asking a band to come, the demand those
make for the band (counts by city through bands.demand), and the feed's secret address."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import HereFor, User
from accounts.policy import policy_accept
from bands.demand import city_demand_replace
from bands.models import ApprovalStatus, Band, CityDemand
from bookings.errors import ContactRefused
from bookings.selectors.blocks import side_parties
from bookings.services.checks import contact_check
from places.models import City
from venues.models import Venue

from .counting import audience_count
from .models import MAX_FAN_RADIUS_KM, Ask, FanProfile, Follow, new_fan_token
from .selectors import is_band_member

# The most a person may follow, and ask for (beyond the per-hour limits): a flood is refused, not stored.
MAX_FOLLOWS = 1000
MAX_ASKS = 200


class FanError(Exception):
    """The action cannot be done (a suspended band, a show that is not public…): nothing changed; the
    message says why."""


def _contact_check(*, user: User, band: Band | None = None, venue: Venue | None = None) -> None:
    """A follow or an ask is contact with the band or venue (it counts in their audience and reaches their
    demand): refused, in the one contact check's words, when either side blocked the other (decision 0096)."""
    asked = side_parties(band_ids=[band.pk]) if band is not None else side_parties(venue_ids=[venue.pk])
    try:
        contact_check(asking=side_parties(user_ids=[user.pk]), asked=asked, name=(band or venue).name)
    except ContactRefused as exc:
        raise FanError(str(exc)) from exc


def fan_account_for_email(*, email: str, display_name: str = "", time_zone: str = "UTC", language: str = "") -> User:
    """The account of `email`, made with the name given and the browser's zone and language when there is none
    (a fan signs in by an emailed code; confirming the code confirms the address); an account that exists keeps
    its own. Never says whether it existed."""
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            # Signing up here is signing up to follow bands: the dashboard leads to a fan's first steps.
            user = User.objects.create_user(
                email=email,
                password=None,
                display_name=display_name.strip()[:80],
                time_zone=time_zone,
                language=language,
                here_for=HereFor.FAN,
            )
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    except IntegrityError:
        return User.objects.get(email__iexact=email)
    policy_accept(user=user)
    return user


def fan_profile_get(*, user: User) -> FanProfile:
    profile, _created = FanProfile.objects.select_related("city").get_or_create(user_id=user.pk)
    return profile


def fan_profile_update(
    *, user: User, city: City | None, radius_km: int, any_distance: bool, weekly: bool
) -> FanProfile:
    if not 1 <= radius_km <= MAX_FAN_RADIUS_KM:
        raise FanError(_("Pick a distance from 1 to %(km)s km.") % {"km": MAX_FAN_RADIUS_KM})
    profile = fan_profile_get(user=user)
    moved = profile.city_id != (city.pk if city else None)
    profile.city, profile.radius_km, profile.any_distance, profile.weekly = city, radius_km, any_distance, weekly
    profile.save()
    if moved:
        for band_id in Follow.objects.filter(user_id=user.pk, band__isnull=False).values_list("band_id", flat=True):
            demand_refresh(band_id=band_id)
    return profile


def fan_feed_rotate(*, user: User) -> FanProfile:
    """A new secret address for the fan's feed; the old one stops working at once."""
    profile = fan_profile_get(user=user)
    profile.feed_token = new_fan_token()
    profile.save(update_fields=["feed_token", "updated_at"])
    return profile


def _check_band(band: Band) -> None:
    if band.status != ApprovalStatus.APPROVED:
        raise FanError(_("This band cannot be followed or asked right now."))


def follow_set(*, user: User, on: bool, band: Band | None = None, venue: Venue | None = None) -> bool:
    """Follow (on) or stop following one band or venue; returns whether the person follows it now. Only
    approved bands and venues; following what one follows already changes nothing."""
    if (band is None) == (venue is None):
        raise FanError(_("Follow a band or a venue."))
    if band is not None:
        _check_band(band)
    elif venue.status != ApprovalStatus.APPROVED:
        raise FanError(_("This venue cannot be followed right now."))
    what = {"band_id": band.pk} if band is not None else {"venue_id": venue.pk}
    if on:
        _contact_check(user=user, band=band, venue=venue)
        if Follow.objects.filter(user_id=user.pk).count() >= MAX_FOLLOWS:
            raise FanError(_("You follow %(n)s bands and venues, the most we keep.") % {"n": MAX_FOLLOWS})
        try:
            with transaction.atomic():
                Follow.objects.create(user_id=user.pk, **what)
        except IntegrityError:
            return True  # followed already (or a second tap at once)
    else:
        Follow.objects.filter(user_id=user.pk, **what).delete()
    if band is not None:
        demand_refresh(band_id=band.pk)
    return on


def ask_set(*, user: User, band: Band, city: City, on: bool) -> bool:
    """Ask the band to play `city` (on) or take the ask back; one ask per person, band and city."""
    _check_band(band)
    if on and is_band_member(user=user, band=band):
        raise FanError(_("You play in this band: ask other bands to come."))
    if on:
        _contact_check(user=user, band=band)
        if Ask.objects.filter(user_id=user.pk).count() >= MAX_ASKS:
            raise FanError(_("You have %(n)s asks open, the most we keep.") % {"n": MAX_ASKS})
        try:
            with transaction.atomic():
                Ask.objects.create(user_id=user.pk, band_id=band.pk, city_id=city.pk)
        except IntegrityError:
            return True
    else:
        Ask.objects.filter(user_id=user.pk, band_id=band.pk, city_id=city.pk).delete()
    demand_refresh(band_id=band.pk)
    return on


def demand_refresh(*, band_id: int, now: dt.datetime | None = None) -> None:
    """Count the band's asks by city and its followers by home city again, into bands.CityDemand: only people
    with standing at `now` (fans.counting, the one count), so a follow or ask shows in the nightly step after
    it is a week old, not with the click."""
    now = now or timezone.now()
    counts: dict[int, list[int]] = {}
    for city_id, _label, n in audience_count(what="asks", band_id=band_id, now=now):
        counts.setdefault(city_id, [0, 0])[0] = n
    for city_id, _label, n in audience_count(what="followers", band_id=band_id, now=now):
        if city_id is not None:
            counts.setdefault(city_id, [0, 0])[1] = n
    city_demand_replace(band_id=band_id, counts={city: (a, f) for city, (a, f) in counts.items()})


def demand_refresh_all(*, now: dt.datetime | None = None) -> int:
    """Every band with followers or asks counted again (the nightly step in which follows and asks that came
    of age join the counts); bands whose demand is gone emptied. Returns how many bands were counted."""
    now = now or timezone.now()
    band_ids = (
        set(Follow.objects.filter(band__isnull=False).values_list("band_id", flat=True).distinct())
        | set(Ask.objects.values_list("band_id", flat=True).distinct())
        | set(CityDemand.objects.values_list("band_id", flat=True).distinct())
    )
    for band_id in sorted(band_ids):
        demand_refresh(band_id=band_id, now=now)
    return len(band_ids)


# ---- What a visitor chose before signing up: kept in the session, applied once signed in ---------------

PENDING_KEY = "fans_pending"
PENDING_MAX = 10


def pending_add(session, *, kind: str, pk: int, city_id: int | None = None) -> None:
    """Keep a follow or ask a visitor chose (as a client's booking draft is kept across signing in)."""
    pending = [p for p in session.get(PENDING_KEY, []) if p != [kind, pk, city_id]][-(PENDING_MAX - 1) :]
    session[PENDING_KEY] = [*pending, [kind, pk, city_id]]


def pending_apply(session, *, user: User) -> int:
    """Do what the visitor chose before signing in; what can no longer be done is dropped. Returns how
    many were done."""
    done = 0
    for kind, pk, city_id in session.pop(PENDING_KEY, []):
        try:
            if kind == "venue":
                venue = Venue.objects.filter(pk=pk).first()
                if venue is not None:
                    follow_set(user=user, venue=venue, on=True)
                    done += 1
                continue
            band = Band.objects.filter(pk=pk).first()
            if band is None:
                continue
            if kind == "band":
                follow_set(user=user, band=band, on=True)
                done += 1
            elif kind == "ask" and city_id:
                city = City.objects.filter(pk=city_id).first()
                if city is not None:
                    ask_set(user=user, band=band, city=city, on=True)
                    done += 1
        except FanError:
            continue
    return done
