"""Kiezbrass, a 24-piece brass band in Berlin with four sections, two doublers, three occasional players and a
minimum line-up, and two street-festival gigs ahead: on the first the low brass is short (and the leader and
the section were told), the second is covered, with the trumpet who doubles on sax given the sax part. Between
them, a Saturday when five of the low brass are away: a short day on the band's calendar.

The players and their sections are written in bulk (one query a table) and the snapshot rebuilt once; the two
gigs are asked and accepted through the bookings' services, their line-ups opened and checked through gigs',
the answers written in bulk. Idempotent: once the band exists nothing is done.
"""

import datetime as dt
import zoneinfo

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Notification, User
from accounts.policy import policy_version
from availability.models import Rule
from availability.services import rule_create
from bands.models import ApprovalStatus, Band, LineupNeed, Membership, MembershipSection, Section
from bands.sections import band_lineup_refresh
from bookings.services import answering, asking
from gigs.models import Answer, GigAnswer
from gigs.services.answers import gig_lineup_open, gig_lineup_refresh
from gigs.services.parts import gig_part_set

from .people import password_hash_once

SLUG = "kiezbrass"
DOMAIN = "demo.stageslot.test"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# (section, fewest players at a gig)
SECTIONS = [("Trumpets", 4), ("Low brass", 4), ("Saxes", 3), ("Percussion", 2)]
# (email local part, name, instrument, usual section, also plays, occasional); the first leads.
PLAYERS = [
    ("kiez-jule", "Jule Hartmann", "Trumpet", "Trumpets", [], False),
    ("kiez-bo", "Bo Lindner", "Trumpet", "Trumpets", [], False),
    ("kiez-cem", "Cem Aydın", "Trumpet", "Trumpets", [], False),
    ("kiez-dita", "Dita Krause", "Flugelhorn", "Trumpets", [], False),
    ("kiez-emil", "Emil Sauer", "Trumpet", "Trumpets", [], True),
    ("kiez-fee", "Fee Baumann", "Trumpet", "Trumpets", [], False),
    ("kiez-jo", "Jo Petersen", "Trumpet, alto sax", "Trumpets", ["Saxes"], False),
    ("kiez-gero", "Gero Wolff", "Trombone", "Low brass", [], False),
    ("kiez-hanne", "Hanne Vogt", "Trombone", "Low brass", [], False),
    ("kiez-ilka", "Ilka Brandt", "Trombone", "Low brass", [], True),
    ("kiez-jan", "Jan Ostrowski", "Bass trombone", "Low brass", [], False),
    ("kiez-kalle", "Kalle Engel", "Euphonium", "Low brass", [], False),
    ("kiez-lore", "Lore Schmitt", "Tuba", "Low brass", [], False),
    ("kiez-malte", "Malte Kühn", "Sousaphone", "Low brass", [], False),
    ("kiez-nele", "Nele Fuchs", "Alto sax", "Saxes", [], False),
    ("kiez-ole", "Ole Winter", "Tenor sax", "Saxes", [], False),
    ("kiez-pia", "Pia Roth", "Tenor sax", "Saxes", [], False),
    ("kiez-quirin", "Quirin Lang", "Baritone sax", "Saxes", [], False),
    ("kiez-rieke", "Rieke Jansen", "Soprano sax", "Saxes", [], False),
    ("kiez-sami", "Sami Haddad", "Baritone sax, euphonium", "Saxes", ["Low brass"], False),
    ("kiez-tilda", "Tilda Graf", "Snare drum", "Percussion", [], False),
    ("kiez-uwe", "Uwe Berger", "Bass drum", "Percussion", [], False),
    ("kiez-vera", "Vera Albers", "Cymbals", "Percussion", [], True),
    ("kiez-wim", "Wim de Boer", "Percussion", "Percussion", [], False),
]
# A Saturday between the two gigs when five of the seven low brass are away: the band's calendar shows a short day
# there and names who plays low brass but is busy (whom to ask first).
SHORT_DAY_AHEAD = 16
SHORT_DAY_BUSY = ["kiez-gero", "kiez-hanne", "kiez-jan", "kiez-kalle", "kiez-lore"]
# Who says what at the first gig (the rest: definitely). Five of the seven low brass can't: short.
SHORT_GIG = {
    Answer.CANT: ["kiez-gero", "kiez-hanne", "kiez-jan", "kiez-kalle"],
    Answer.PROBABLY_NOT: ["kiez-ilka"],
    Answer.PROBABLY: ["kiez-bo"],
    "": ["kiez-vera", "kiez-wim"],
}
# The second gig: covered, with a few still to answer or unsure.
COVERED_GIG = {Answer.PROBABLY: ["kiez-emil", "kiez-rieke"], "": ["kiez-ilka"]}


def _at(now: dt.datetime, days: int, hour: int) -> dt.datetime:
    """`hour` o'clock in Berlin on the first Saturday at least `days` ahead (street festivals are weekends)."""
    day = timezone.localtime(now, BERLIN).date() + dt.timedelta(days=days)
    day += dt.timedelta(days=(5 - day.weekday()) % 7)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)


def _people(password: str) -> dict[str, User]:
    emails = {part: f"{part}@{DOMAIN}" for part, *_rest in PLAYERS}
    known = {u.email: u for u in User.objects.filter(email__in=emails.values())}
    fresh = [
        User(email=emails[part], display_name=name, time_zone="Europe/Berlin", policy_version=policy_version(),
             password=password_hash_once(password))
        for part, name, *_rest in PLAYERS
        if emails[part] not in known
    ]  # fmt: skip
    User.objects.bulk_create(fresh)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in fresh], ignore_conflicts=True
    )
    by_email = {u.email: u for u in User.objects.filter(email__in=emails.values())}
    return {part: by_email[email] for part, email in emails.items()}


def _band(people: dict[str, User]) -> Band:
    band = Band.objects.create(
        slug=SLUG,
        name="Kiezbrass",
        city="Berlin",
        region="Berlin",
        country="DE",
        time_zone="Europe/Berlin",
        status=ApprovalStatus.APPROVED,
        bio="Twenty-four players, four sections and a sousaphone: street-festival brass from Neukölln.",
        tagline="A 24-piece street brass band",
        load_in_minutes=30,
        pack_down_minutes=30,
    )
    memberships = Membership.objects.bulk_create(
        Membership(
            band=band,
            user=people[part],
            role=Membership.Role.LEADER if i == 0 else Membership.Role.MEMBER,
            instrument=instrument,
            required=i == 0,  # the leader conducts: needed by name
            occasional=occasional,
        )
        for i, (part, _name, instrument, _usual, _also, occasional) in enumerate(PLAYERS)
    )
    made = Section.objects.bulk_create(Section(band=band, name=n, order=i) for i, (n, _need) in enumerate(SECTIONS))
    sections = {section.name: section for section in made}
    LineupNeed.objects.bulk_create(LineupNeed(band=band, section=sections[n], min_players=need) for n, need in SECTIONS)
    links = []
    for membership, (_part, _name, _instrument, usual, also, _occasional) in zip(memberships, PLAYERS, strict=True):
        links.append(MembershipSection(membership=membership, section=sections[usual], usual=True))
        links += [MembershipSection(membership=membership, section=sections[s], usual=False) for s in also]
    MembershipSection.objects.bulk_create(links)
    band.min_players = 16
    band.save(update_fields=["min_players"])
    return band_lineup_refresh(band)


def _gig(band: Band, leader: User, client: User, *, days: int, event: str, location: str, now: dt.datetime):
    booking = asking.booking_request(
        band=band,
        client=client,
        starts_at=_at(now, days, 14),
        ends_at=_at(now, days, 17),
        time_zone="Europe/Berlin",
        event_type=event,
        location=location,
        guests=400,
        fee=1800,
        message="Three sets on the street stage, walking in with the parade.",
        now=now,
    )
    answering.booking_accept(booking=booking, by=leader, now=now)
    booking.refresh_from_db()
    gig_lineup_open(booking=booking, now=now)
    return booking


def _answers(booking, people: dict[str, User], plan: dict[str, list[str]], now: dt.datetime) -> None:
    """Every player answers as `plan` says (the rest "definitely"), written at once; then the line-up's summary
    and its sections are checked as after any answer."""
    named = {part for parts in plan.values() for part in parts}
    rest = [people[part].pk for part, *_rest in PLAYERS if part not in named]
    GigAnswer.objects.filter(booking=booking, member_id__in=rest).update(answer=Answer.DEFINITELY, answered_at=now)
    for answer, parts in plan.items():
        if answer:
            ids = [people[p].pk for p in parts]
            GigAnswer.objects.filter(booking=booking, member_id__in=ids).update(answer=answer, answered_at=now)
    gig_lineup_refresh(booking=booking)


def seed_big_band(*, now: dt.datetime, password: str) -> dict[str, int]:
    """Kiezbrass and its two gigs ahead; {what: booking pk}. Nothing when the band exists already."""
    client = User.objects.filter(email=f"client@{DOMAIN}").first()
    if client is None or Band.objects.filter(slug=SLUG).exists():
        return {}
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    people = _people(password)
    leader = people[PLAYERS[0][0]]
    band = _band(people)
    short = _gig(
        band, leader, client, days=9, event="Street festival", location="Weserstraße, Berlin-Neukölln", now=now
    )
    _answers(short, people, SHORT_GIG, now)
    covered = _gig(band, leader, client, days=23, event="Summer parade", location="Hermannplatz, Berlin", now=now)
    _answers(covered, people, COVERED_GIG, now)
    jo = GigAnswer.objects.get(booking=covered, member=people["kiez-jo"])
    gig_part_set(place=jo, by=leader, section=Section.objects.get(band=band, name="Saxes"), now=now)
    short_day = _at(now, SHORT_DAY_AHEAD, 0).date()
    for part in SHORT_DAY_BUSY:
        rule_create(
            user=people[part], kind=Rule.Kind.BUSY, title="Orchestra weekend", all_day=True,
            start_date=short_day, end_date=short_day,
        )  # fmt: skip
    Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )
    return {"a section short": short.pk, "covered, a doubler on sax": covered.pk}
