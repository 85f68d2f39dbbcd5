"""Demo fans: people who follow the demo's bands and venues from their home city and ask bands to come.

Felix (fan@demo.stageslot.test, a light fan account with the demo password) lives in Berlin: he follows The Night
Owls, Brass & Bones and Kellerbar and has asked Luz de Madrugada to come to Berlin, so his /fans/ page lists
shows. Six people in Hamburg asked The Night Owls to come there and follow them, two in Leipzig did too: the
band's audience page and its tour planner read "6" for Hamburg and "fewer than 5" for Leipzig (bands.demand).
Kellerbar's staff see its followers by city. Everything goes through fans.services, as on the pages; each step
changes nothing when done again (seed_demo runs twice in CI).
"""

import datetime as dt

from allauth.account.models import EmailAddress
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.policy import policy_version
from bands.models import ApprovalStatus, Band
from fans import services
from fans.models import Ask, Follow
from places.models import City
from places.selectors import city_match
from stageslot.demo.people import password_hash_once
from venues.models import Venue

# (email part, name, zone, home city, radius km, bands followed, venues followed, [(band asked, city)])
FANS = [
    ("fan", "Felix Braun", "Europe/Berlin", "Berlin", 50, ["the-night-owls", "brass-and-bones"], ["kellerbar"],
     [("luz-de-madrugada", "Berlin")]),
    *(
        (f"fan-hamburg-{n}", name, "Europe/Berlin", "Hamburg", 30, ["the-night-owls"], [],
         [("the-night-owls", "Hamburg")])
        for n, name in enumerate(["Hanna Vogt", "Ole Petersen", "Mia Krüger", "Jan Meyer", "Lea Schulz", "Tom Wolf"])
    ),
    *(
        (f"fan-leipzig-{n}", name, "Europe/Berlin", "Leipzig", 40, ["the-night-owls"], ["kellerbar"],
         [("the-night-owls", "Leipzig")])
        for n, name in enumerate(["Paula Frank", "Emil Busch"])
    ),
]  # fmt: skip


def _fan(part: str, name: str, zone: str, password: str) -> User:
    email = f"{part}@demo.stageslot.test"
    user, created = User.objects.get_or_create(
        email=email, defaults={"display_name": name, "time_zone": zone, "policy_version": policy_version()}
    )
    if created:
        user.password = password_hash_once(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _city(name: str) -> City | None:
    return city_match(name, "DE")


def seed_fans(*, password: str) -> None:
    bands = {b.slug: b for b in Band.objects.filter(status=ApprovalStatus.APPROVED)}
    venues = {v.slug: v for v in Venue.objects.filter(status=ApprovalStatus.APPROVED)}
    for part, name, zone, home, km, followed, venues_followed, asks in FANS:
        user = _fan(part, name, zone, password)
        profile = services.fan_profile_get(user=user)
        city = _city(home)
        if profile.city_id != (city.pk if city else None) or profile.radius_km != km:
            services.fan_profile_update(user=user, city=city, radius_km=km, any_distance=False, weekly=True)
        for slug in followed:
            if slug in bands:
                services.follow_set(user=user, band=bands[slug], on=True)
        for slug in venues_followed:
            if slug in venues:
                services.follow_set(user=user, venue=venues[slug], on=True)
        for slug, where in asks:
            asked = _city(where)
            if slug in bands and asked is not None:
                services.ask_set(user=user, band=bands[slug], city=asked, on=True)
    _settled_in()


def _settled_in() -> None:
    """The demo's fans have been around: joined three months ago, back since, their follows and asks a month
    old, so they have standing (fans.counting) and the bands' counts read as the module says."""
    now = timezone.now()
    fans = User.objects.filter(email__in=[f"{part}@demo.stageslot.test" for part, *_rest in FANS])
    fans.filter(date_joined__gt=now - dt.timedelta(days=90)).update(
        date_joined=now - dt.timedelta(days=90), last_login=now - dt.timedelta(days=2)
    )
    fans.filter(last_login__isnull=True).update(last_login=F("date_joined") + dt.timedelta(days=60))
    month = now - dt.timedelta(days=30)
    Follow.objects.filter(user__in=fans, created_at__gt=month).update(created_at=month)
    Ask.objects.filter(user__in=fans, created_at__gt=month).update(created_at=month)
    asked = Ask.objects.filter(user__in=fans).values_list("band_id", flat=True)
    followed = Follow.objects.filter(user__in=fans, band__isnull=False).values_list("band_id", flat=True)
    for band_id in sorted(set(asked) | set(followed)):
        services.demand_refresh(band_id=band_id, now=now)
