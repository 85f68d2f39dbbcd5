"""The audience's one count: how many people with standing follow a band or venue, or ask a band to come, by
city (docs/decisions/0130). Every count of followers or asks – the band's and venue's audience pages, the
demand the planner, the finder and a venue's inbox read (bands.CityDemand) – is made here and nowhere else;
bands.demand.counts_shown / count_text then word it ("fewer than 5" below five).

A person counts only with standing, so that accounts made to probe a small cell do not move it:
- the account is open (active, not closing, not erased) and was made at least STANDING_ACCOUNT_AGE ago;
- the person came back: signed in again at least STANDING_RETURN after the day they joined (something real
  beyond the one sitting in which an account, a follow and an ask cost an emailed code);
- the follow or ask itself is at least STANDING_HELD old, so what anyone does shows a week later at the
  earliest, in the nightly refresh's step, never at once.
"""

import datetime as dt
from typing import Literal

from django.db.models import Count, F, Q

from .models import Ask, Follow

# An account younger than this is not counted (a probe's fresh accounts, each an emailed code away).
STANDING_ACCOUNT_AGE = dt.timedelta(days=30)
# The person signed in again at least this long after joining: they came back, beyond the first sitting.
STANDING_RETURN = dt.timedelta(days=1)
# A follow or ask counts once it is this old: counts move in weekly steps, never with the click.
STANDING_HELD = dt.timedelta(days=7)


def standing_q(*, now: dt.datetime) -> Q:
    """The follows or asks (rows with `user` and `created_at`) of people with standing at `now`."""
    return Q(
        user__is_active=True,
        user__closed_at__isnull=True,
        user__erased_at__isnull=True,
        user__date_joined__lte=now - STANDING_ACCOUNT_AGE,
        user__last_login__gte=F("user__date_joined") + STANDING_RETURN,
        created_at__lte=now - STANDING_HELD,
    )


def audience_count(
    *,
    what: Literal["followers", "asks"],
    now: dt.datetime,
    band_id: int | None = None,
    venue_id: int | None = None,
) -> list[tuple[int | None, str, int]]:
    """(city id, city name, people) for the band's or venue's followers by their home city (None: no home city
    given), or the band's asks by the city asked for; only people with standing at `now`. One query. The raw
    numbers: whatever shows them passes them through bands.demand.counts_shown or count_text."""
    if what == "asks":
        if band_id is None:
            raise ValueError("Asks are asked of a band.")
        rows = Ask.objects.filter(band_id=band_id)
        city = "city"
    else:
        if (band_id is None) == (venue_id is None):
            raise ValueError("Count the followers of one band or one venue.")
        rows = (
            Follow.objects.filter(band_id=band_id) if band_id is not None else Follow.objects.filter(venue_id=venue_id)
        )
        city = "user__fan_profile__city"
    counted = (
        rows.filter(standing_q(now=now))
        .values(place=F(city), label=F(f"{city}__name"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [(row["place"], row["label"] or "", row["n"]) for row in counted]
