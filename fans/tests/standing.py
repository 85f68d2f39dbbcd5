"""Followers and askers with standing (fans.counting), for tests: their accounts and acts stamped as old."""

import datetime as dt

from django.utils import timezone

from accounts.models import User
from fans.models import Ask, Follow
from fans.services import demand_refresh


def settle(*users: User, at: dt.datetime, joined_days: int = 90, acted_days: int = 30) -> None:
    """Stamp `users` as people with standing at `at`: joined `joined_days` before, back a day later, their
    follows and asks `acted_days` old."""
    pks = [u.pk for u in users]
    joined = at - dt.timedelta(days=joined_days)
    User.objects.filter(pk__in=pks).update(date_joined=joined, last_login=joined + dt.timedelta(days=2))
    acted = at - dt.timedelta(days=acted_days)
    Follow.objects.filter(user_id__in=pks).update(created_at=acted)
    Ask.objects.filter(user_id__in=pks).update(created_at=acted)


def settle_now(*users: User, bands=()) -> None:
    """`settle` at the clock's now, for pages (which count at their request's moment), then the nightly step
    for `bands`: what the pages read a month on. Nothing depends on the date the clock says."""
    at = timezone.now()
    settle(*users, at=at)
    for band in bands:
        demand_refresh(band_id=band.pk, now=at)
