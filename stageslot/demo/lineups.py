"""Demo line-ups, stand-ins, songs and set lists for The Night Owls, and a device with push on for Mara.

- Every booked gig ahead gets its line-up; on the first, each member gives a different answer (one has not
  answered yet); on the second the drummer, a required member, can't play and nobody stands in: the gig is
  at risk; on the third the bassist can't, Mara asks two stand-ins, Kasia says yes first and takes the
  place, Ben says yes too late and is told it is filled; the others are all "definitely".
- A song library of 20 songs; the first gig's set list is two sets of exactly 45 minutes, copied to the
  third gig.
- Mara's laptop has push on: its address is a closed port on this machine, so nothing leaves it and no
  push is sent while seeding (the device is added last).

Everything goes through gigs.services, as on the band's pages. The notifications' emails are marked as
not wanted, as the demo people have no real mailboxes. Idempotent: once the band has songs nothing is done.
"""

import contextlib
import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db.models import Max

from accounts.models import Notification, PushSubscription, User
from bands.models import Band
from bookings.errors import BookingError
from bookings.models import Booking
from gigs.models import Answer, GigAnswer, Song
from gigs.services.answers import gig_answer_set, gig_lineup_open
from gigs.services.set_lists import set_list_copy, set_list_save, song_create
from gigs.services.stand_ins import PlaceFilled, stand_in_add, stand_in_ask_reply, stand_in_request_create

logger = logging.getLogger(__name__)

BAND = "the-night-owls"
# (title, key, length): the first nine make a 45-minute set, the next nine another; two are spare.
SONGS = [
    ("Last Train Home", "A", "3:45"),
    ("Kreuzberg Lights", "E", "4:10"),
    ("Paper Moons", "D", "3:20"),
    ("Night Bus Serenade", "G", "5:05"),
    ("Glass Houses", "C", "4:30"),
    ("Owls Don't Sleep", "F#m", "6:50"),
    ("Canal Street", "Bm", "5:20"),
    ("Winter in the Courtyard", "Em", "6:20"),
    ("Two Kinds of Tired", "A", "5:40"),
    ("Signal Fires", "D", "4:50"),
    ("Hold the Door", "G", "4:05"),
    ("Spree at Dawn", "C", "5:35"),
    ("Borrowed Coats", "Am", "4:20"),
    ("Neon Psalm", "E", "6:40"),
    ("Small Hours", "F", "3:35"),
    ("The Long Way Round", "Bb", "5:55"),
    ("Kitchen Party", "A", "5:00"),
    ("Goodnight, Görlitzer", "D", "5:00"),
    ("Rooftop Waltz", "G", "3:30"),
    ("Echo Chamber", "Em", "4:45"),
]
SET_SIZE = 9
# The first gig: each member a different answer (theo has not answered yet).
ANSWERS = {
    "mara@demo.stageslot.test": (Answer.DEFINITELY, ""),
    "jonas@demo.stageslot.test": (Answer.PROBABLY, "Depends on my shift; I'll know by Friday."),
    "ayla@demo.stageslot.test": (Answer.DONT_KNOW, "Might be away that weekend."),
}
PUSH_DEVICE = "http://127.0.0.1:9/demo-push/mara-laptop"
# A valid P-256 point and auth secret, so the device looks as a browser's would.
PUSH_KEYS = {
    "p256dh": "BAepyFhv9ah7fGJlFX9YwLCwpijtvgSlIcvcYDENxeh8-DwtqbuFyoEkb8xoOsB9FYhA-f1MfoZ-jjfVbbCl53A",
    "auth": "7Ht7j4K3cOFlXeWG2vr8sg",
}


def _members(band: Band) -> dict[str, User]:
    return {m.user.email: m.user for m in band.memberships.select_related("user")}


def _answer(booking: Booking, user: User, answer: str, comment: str, now: dt.datetime) -> None:
    gig_answer_set(booking=booking, member=user, by=user, answer=answer, comment=comment, now=now)


def _everyone_but(booking: Booking, members: dict[str, User], email: str, now: dt.datetime) -> None:
    """Every member but the one of `email` says "definitely"."""
    for address, user in members.items():
        if address != email:
            _answer(booking, user, Answer.DEFINITELY, "", now)


def _songs(band: Band, leader: User) -> list[Song]:
    return [song_create(band=band, by=leader, title=t, key=k, length=length) for t, k, length in SONGS]


def _stand_ins(booking: Booking, leader: User, member: User, now: dt.datetime) -> None:
    """The bassist can't; two stand-ins are asked; Kasia says yes first, Ben second."""
    band = booking.band
    kasia = stand_in_add(
        band=band, by=leader, name="Kasia Nowak", email="kasia@demo.stageslot.test", instrument="Bass",
        notes="Reads charts, own amp.",
    )  # fmt: skip
    ben = stand_in_add(band=band, by=leader, name="Ben Okafor", email="ben@demo.stageslot.test", instrument="Bass")
    stand_in_add(band=band, by=leader, name="Lena Graf", email="lena@demo.stageslot.test", instrument="Drums")
    _answer(booking, member, Answer.CANT, "My sister's wedding, sorry!", now)
    place = GigAnswer.objects.select_related("booking__band").get(booking=booking, member=member)
    request = stand_in_request_create(
        place=place, by=leader, stand_ins=[kasia, ben], message="Eight songs, charts attached to the set list.", now=now
    )
    asks = {a.stand_in_id: a for a in request.asks.all()}
    stand_in_ask_reply(ask=asks[kasia.pk], reply="yes", now=now)
    with contextlib.suppress(PlaceFilled):  # Ben came second: told the place is filled
        stand_in_ask_reply(ask=asks[ben.pk], reply="yes", now=now + dt.timedelta(minutes=4))


def seed_lineups(*, now: dt.datetime) -> dict[str, int]:
    """The Night Owls' line-ups, stand-ins, songs and set lists, and Mara's device; {what: booking pk}."""
    band = Band.objects.filter(slug=BAND).first()
    if band is None or Song.objects.filter(band=band).exists():
        return {}
    members = _members(band)
    leader = members.get("mara@demo.stageslot.test")
    if leader is None:
        return {}
    since = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    gigs = list(
        Booking.objects.filter(band=band, status=Booking.Status.BOOKED, starts_at__gt=now)
        .select_related("band", "venue")
        .order_by("starts_at", "pk")
    )
    done: dict[str, int] = {}
    try:
        for booking in gigs:
            gig_lineup_open(booking=booking, now=now)
        songs = _songs(band, leader)
        for n, booking in enumerate(gigs):
            if n == 0:
                for email, (answer, comment) in ANSWERS.items():
                    if email in members:
                        _answer(booking, members[email], answer, comment, now)
                set_list_save(
                    booking=booking,
                    by=leader,
                    entries=[(s.pk, 1 + i // SET_SIZE, "") for i, s in enumerate(songs[: 2 * SET_SIZE])],
                    now=now,
                )
                done["every answer, 2 × 45 set list"] = booking.pk
                continue
            if n == 1 and "ayla@demo.stageslot.test" in members:
                _everyone_but(booking, members, "ayla@demo.stageslot.test", now)
                _answer(booking, members["ayla@demo.stageslot.test"], Answer.CANT, "Touring with Brass & Bones.", now)
                done["at risk"] = booking.pk
                continue
            if n == 2 and "jonas@demo.stageslot.test" in members:
                _everyone_but(booking, members, "jonas@demo.stageslot.test", now)
                _stand_ins(booking, leader, members["jonas@demo.stageslot.test"], now)
                set_list_copy(booking=booking, source=gigs[0], by=leader, now=now)
                done["stand-in took the place"] = booking.pk
                continue
            _everyone_but(booking, members, "", now)
    except (BookingError, ValidationError) as exc:
        logger.warning("Demo line-ups: %s", exc)
    if len(gigs) < 3:
        logger.warning("Demo line-ups: The Night Owls have %d booked gigs ahead, 3 wanted", len(gigs))
    Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )
    PushSubscription.objects.get_or_create(
        endpoint=PUSH_DEVICE, defaults={"user": leader, "label": "Firefox on Mara's laptop", **PUSH_KEYS}
    )
    return done
