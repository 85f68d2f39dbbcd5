"""Demo busy time: day jobs, residencies, tours, holidays and rehearsals, so demo bands show
a mixed green zone. Dates are relative to today, so the demo never goes stale."""

import datetime as dt

from accounts.models import User
from availability.models import Rule
from availability.services import rule_create
from bands.models import Band, BandBlock, Membership
from bands.services import band_block_create

T = dt.time

# Repeating busy time per musician: (title, first-day offset in weeks, start, end, RRULE, days to end (0 = same day)).
WEEKLY = {
    "mara": [("Office job", -8, T(9), T(17, 30), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 0)],
    "jonas": [("Teaching", -8, T(7, 45), T(15), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 0)],
    "ayla": [
        ("Night shifts", -8, T(19), T(7), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,WE,TH", 1),
        ("Drum lessons", -8, T(16), T(19), "FREQ=WEEKLY;BYDAY=MO", 0),
    ],
    "theo": [("Music school", -8, T(10), T(18), "FREQ=WEEKLY;BYDAY=SA", 0)],
    "sam": [
        ("Jazz residency", -8, T(19, 30), T(23, 30), "FREQ=WEEKLY;BYDAY=TH", 0),
        ("Studio sessions", -8, T(10), T(18), "FREQ=WEEKLY;BYDAY=MO,TU,WE", 0),
    ],
    "pablo": [("Choir", -8, T(19), T(22), "FREQ=MONTHLY;BYDAY=1MO", 0)],
    "ines": [("Hospital shifts", -8, T(14), T(22), "FREQ=WEEKLY;BYDAY=MO,WE,FR", 0)],
    "olu": [("Day job", -8, T(9), T(17), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 0)],
    "grace": [("Pub quiz host", -8, T(19), T(23), "FREQ=WEEKLY;BYDAY=TU", 0)],
    "finn": [("Sound engineering", -8, T(18), T(2), "FREQ=WEEKLY;BYDAY=FR", 1)],
    "marcus": [("Day job", -8, T(9), T(17), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 0)],
    "dani": [("Session work", -8, T(12), T(20), "FREQ=MONTHLY;BYMONTHDAY=15", 0)],
    "zoe": [("Conservatoire", -8, T(9), T(16), "FREQ=WEEKLY;BYDAY=TU,TH", 0)],
    "kai": [("Ferry shifts", -8, T(6), T(14), "FREQ=WEEKLY;BYDAY=SA,SU", 0)],
}

# One-off whole-day blocks: (title, weeks from this Monday, weekday, length in days).
AWAY = {
    "jonas": [("Holiday in Portugal", 5, 0, 14)],
    "ayla": [("Tour with Brass & Bones", 9, 3, 4)],
    "mara": [("Sister's wedding", 3, 5, 1)],
    "lucia": [("Family visit", 6, 0, 7)],
    "grace": [("Festival crew", 10, 3, 5)],
    "marcus": [("Conference", 4, 1, 3)],
}

# Only-available windows (outside them the person counts as busy).
WINDOWS = {"lucia": [("Fridays to Sundays", -8, T(12), T(0), "FREQ=WEEKLY;BYDAY=FR,SA,SU", 1)]}

# Band rehearsals: (band slug, title, start, end, RRULE)
REHEARSALS = [
    ("the-night-owls", "Rehearsal", T(19), T(22), "FREQ=WEEKLY;BYDAY=WE"),
    ("brass-and-bones", "Horn section rehearsal", T(18), T(21), "FREQ=WEEKLY;BYDAY=SU"),
]


def _monday(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=today.weekday())


def _repeating(user: User, rows: list, kind: str, monday: dt.date) -> None:
    for title, weeks, start, end, rrule, days in rows:
        first = monday + dt.timedelta(weeks=weeks)
        rule_create(
            user=user,
            kind=kind,
            title=title,
            all_day=False,
            start_date=first,
            start_time=start,
            end_date=first + dt.timedelta(days=days),
            end_time=end,
            rrule=rrule,
        )


def seed_availability(users: dict[str, User], *, today: dt.date) -> None:
    """Give demo musicians their busy time and demo bands their rehearsals, once."""
    monday = _monday(today)
    for part, user in users.items():
        if Rule.objects.filter(user=user).exists():
            continue
        _repeating(user, WEEKLY.get(part, []), Rule.Kind.BUSY, monday)
        _repeating(user, WINDOWS.get(part, []), Rule.Kind.AVAILABLE, monday)
        for title, weeks, weekday, length in AWAY.get(part, []):
            first = monday + dt.timedelta(weeks=weeks, days=weekday)
            rule_create(
                user=user,
                kind=Rule.Kind.BUSY,
                title=title,
                all_day=True,
                start_date=first,
                end_date=first + dt.timedelta(days=length - 1),
            )
    for slug, title, start, end, rrule in REHEARSALS:
        band = Band.objects.filter(slug=slug).first()
        if band is None or BandBlock.objects.filter(band=band).exists():
            continue
        leader = Membership.objects.filter(band=band, role=Membership.Role.LEADER).select_related("user").first()
        if leader is None:
            continue
        first = monday - dt.timedelta(weeks=8)
        band_block_create(
            band=band,
            by=leader.user,
            kind=BandBlock.Kind.REHEARSAL,
            title=title,
            all_day=False,
            start_date=first,
            start_time=start,
            end_date=first,
            end_time=end,
            rrule=rrule,
        )
