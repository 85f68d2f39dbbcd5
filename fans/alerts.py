"""Telling fans (docs/decisions/0089): a new show of what they follow, a show moved or cancelled, the asks a
show answers, and the weekly "this week near you".

No booking path calls in here and no lock of a booking is ever held: a round of the worker (beat, every
minute) finds shows newly public and booked – those without a ShowSeen row – and shows seen whose time or
state changed since, records what it saw, and queues, once that commits, one task per show that tells its
audience in chunks of CHUNK people (keyset by user id, each chunk its own short transaction); a task does
CHUNKS_PER_TASK chunks and queues the next from where it stopped. A chunk's emails leave in batches, each a
task sending over one connection what it drew once per language (accounts.services.notification_emails_send).
A fan hears of a show once however often it is edited: the ShowAlert row (unique per fan and show) and the
notification's dedupe key both say so.
"""

import datetime as dt
import logging
import zoneinfo

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.blocks import contact_open
from accounts.models import User
from accounts.services import NotificationItem, lazy_text, notifications_create_many
from bands.demand import CITY_KM
from bookings.models import Booking
from bookings.selectors.blocks import side_parties
from bookings.selectors.shows import PLAYED, shows_listed
from core.queue import task_queue
from places.geo import GreatCircleKm, bounding_box, box_q
from venues.models import Slot

from .models import Ask, FanProfile, ShowAlert, ShowSeen
from .selectors import fan_shows, show_audience

logger = logging.getLogger(__name__)

CHUNK = 1000
# Chunks one task does before it hands over to the next (a task of about 10,000 people, a few seconds).
CHUNKS_PER_TASK = 10
ROUND_LIMIT = 200
NEW, MOVED, CANCELLED = "new", "moved", "cancelled"


def _queue(name: str, **kwargs) -> None:
    def send() -> None:
        try:
            task_queue(name, **kwargs)
        except Exception:  # the broker is down: the next round finds nothing new, so say so loudly
            logger.exception("Could not queue %s %s", name, kwargs)

    transaction.on_commit(send)


def _names(slot: Slot) -> str:
    acts = sorted(
        Booking.objects.filter(slot_id=slot.pk, status__in=PLAYED).select_related("band"),
        key=lambda b: (b.role != Booking.Role.HEADLINER, b.pk),
    )
    return ", ".join(act.band.name for act in acts) or slot.title


def show_alerts_collect(*, now: dt.datetime | None = None, limit: int = ROUND_LIMIT) -> int:
    """One round: record shows newly public and booked and shows that moved or were cancelled since they
    were seen, and queue the telling of each. Returns how many shows it queued."""
    now = now or timezone.now()
    seen = ShowSeen.objects.filter(slot_id=OuterRef("pk"))
    fresh = list(shows_listed(now=now).filter(~Exists(seen)).order_by("pk").values_list("pk", "starts_at")[:limit])
    with transaction.atomic():
        ShowSeen.objects.bulk_create(
            [ShowSeen(slot_id=pk, starts_at=starts_at) for pk, starts_at in fresh], ignore_conflicts=True
        )
        for pk, _starts_at in fresh:
            _queue("fans.tasks.show_alert_chunk_task", slot_id=pk, change=NEW, after=0)
            _queue("fans.tasks.asks_met_task", slot_id=pk)
    changed = 0
    live = ShowSeen.objects.filter(cancelled=False, starts_at__gt=now - dt.timedelta(days=1)).select_related("slot")
    gone = Q(slot__cancelled_at__isnull=False) | Q(slot__headliner_booked=0) | ~Q(slot__visibility="public")
    for row in live.filter(gone | ~Q(slot__starts_at=F("starts_at")))[:limit]:
        with transaction.atomic():
            if row.slot.cancelled_at is not None or row.slot.headliner_booked == 0 or row.slot.visibility != "public":
                row.cancelled = True
                change = CANCELLED
            else:
                change = MOVED
            row.starts_at = row.slot.starts_at
            row.save(update_fields=["cancelled", "starts_at"])
            _queue(
                "fans.tasks.show_alert_chunk_task",
                slot_id=row.slot_id,
                change=change,
                after=0,
                sequence=row.slot.sequence,
            )
        changed += 1
    return len(fresh) + changed


def _show_text(change: str, names: str, place: str):
    if change == NEW:
        return lazy_text(gettext_lazy("New show: %(names)s at %(place)s, {when}"), names=names, place=place)
    if change == MOVED:
        return lazy_text(gettext_lazy("Moved: %(names)s at %(place)s is now {when}"), names=names, place=place)
    return lazy_text(gettext_lazy("Cancelled: %(names)s at %(place)s, {when}"), names=names, place=place)


def _reachable(slot: Slot, ids: list[int]) -> set[int]:
    """Those of `ids` the show's news may reach: a fan and the show's venue, hosting band or an act on its bill
    that blocked one another hear nothing of it (accounts.blocks.contact_open, the contact check for many people
    at once; the same block hides the show from the fan's lists, bookings.selectors.shows.shows_hidden_from)."""
    acts = Booking.objects.filter(slot_id=slot.pk, status__in=PLAYED).values_list("band_id", flat=True)
    venue_id = slot.venue_id or slot.place_venue_id
    side = side_parties(venue_ids=[venue_id] if venue_id else [], band_ids={*acts, slot.host_band_id or 0})
    return set(User.objects.filter(contact_open(side), pk__in=ids).values_list("pk", flat=True))


def show_alert_chunk(*, slot_id: int, change: str, after: int, sequence: int = 0, size: int = CHUNK) -> int | None:
    """Tell the next `size` people (ids above `after`) of the show's news, in one short transaction.
    A new show goes to its audience (selectors.show_audience) less those told already; a move or a
    cancellation to those who were told of it. Returns the last id done while people may be left, None once the
    audience is done."""
    slot = Slot.objects.filter(pk=slot_id).select_related("venue", "place_venue").first()
    if slot is None:
        return None
    if change == NEW:
        ids = list(show_audience(slot=slot).filter(pk__gt=after)[:size])
    else:
        ids = list(
            ShowAlert.objects.filter(slot_id=slot_id, user_id__gt=after)
            .order_by("user_id")
            .values_list("user_id", flat=True)[:size]
        )
    if not ids:
        return None
    reachable = _reachable(slot, ids)
    with transaction.atomic():
        if change == NEW:
            told = set(ShowAlert.objects.filter(slot_id=slot_id, user_id__in=ids).values_list("user_id", flat=True))
            new = [pk for pk in ids if pk not in told and pk in reachable]
            ShowAlert.objects.bulk_create([ShowAlert(slot_id=slot_id, user_id=pk) for pk in new], ignore_conflicts=True)
        else:
            new = [pk for pk in ids if pk in reachable]
        key = {NEW: f"fan-show:{slot_id}", MOVED: f"fan-moved:{slot_id}:{sequence}"}.get(change, f"fan-off:{slot_id}")
        if new:
            notifications_create_many(
                items=[
                    NotificationItem(
                        recipients=User.objects.filter(pk__in=new),
                        kind="fan_show_new" if change == NEW else "fan_show_changed",
                        text=_show_text(change, _names(slot), slot.place_label),
                        key=key,
                        link=reverse("bookings:show_detail", args=[slot_id]),
                        starts_at=slot.starts_at,
                        ends_at=slot.ends_at,
                    )
                ],
                email_batches=True,
            )
    # The chunk queues nothing: the run that called it goes on, or queues the next task (one chain per show).
    return ids[-1] if len(ids) == size else None


def show_alert_run(
    *, slot_id: int, change: str, after: int, sequence: int = 0, size: int = CHUNK, chunks: int = CHUNKS_PER_TASK
) -> int:
    """What one task does: up to `chunks` chunks one after another (each its own transaction), then, when
    people are left, the next task queued from where it stopped. Returns how many chunks it did."""
    done = 0
    while done < chunks:
        last = show_alert_chunk(slot_id=slot_id, change=change, after=after, sequence=sequence, size=size)
        done += 1
        if last is None:
            return done
        after = last
    _queue("fans.tasks.show_alert_chunk_task", slot_id=slot_id, change=change, after=after, sequence=sequence)
    return done


def asks_met(*, slot_id: int) -> int:
    """A show booked near a city where people asked one of its bands to come: tell each of them once
    (per ask). Returns how many were told."""
    slot = Slot.objects.filter(pk=slot_id).first()
    if slot is None or slot.latitude is None or slot.longitude is None:
        return 0
    acts = Booking.objects.filter(slot_id=slot.pk, status__in=PLAYED).select_related("band")
    told = 0
    box = bounding_box(slot.latitude, slot.longitude, CITY_KM)
    for act in acts:
        asks = (
            Ask.objects.filter(band_id=act.band_id)
            .filter(box_q(box, "city__latitude", "city__longitude"))
            .annotate(km=GreatCircleKm(slot.latitude, slot.longitude, F("city__latitude"), F("city__longitude")))
            .filter(km__lte=CITY_KM)
            .select_related("user", "city")
        )
        by_city: dict[int, list] = {}
        for ask in asks:
            by_city.setdefault(ask.city_id, []).append(ask)
        for city_id, city_asks in by_city.items():
            created = notifications_create_many(
                items=[
                    NotificationItem(
                        recipients=[a.user for a in city_asks],
                        kind="fan_ask_met",
                        text=lazy_text(
                            gettext_lazy("You asked %(band)s to come to %(city)s: they play there {when}"),
                            band=act.band.name,
                            city=city_asks[0].city.name,
                        ),
                        key=f"fan-ask-met:{act.band_id}:{city_id}:{slot_id}",
                        link=reverse("bookings:show_detail", args=[slot_id]),
                        starts_at=slot.starts_at,
                        ends_at=slot.ends_at,
                    )
                ]
            )
            told += len(created)
    return told


def weekly_due(*, now: dt.datetime | None = None, hour: int = 9, weekday: int = 0) -> list[int]:
    """The fans for whom it is Monday 09:00–09:59 in their own zone now, with the weekly on."""
    now = now or timezone.now()
    zones = FanProfile.objects.filter(weekly=True).values_list("user__time_zone", flat=True).distinct()
    due = []
    for name in zones:
        try:
            local = now.astimezone(zoneinfo.ZoneInfo(name or "UTC"))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        if local.weekday() == weekday and local.hour == hour:
            due.append(name)
    return list(FanProfile.objects.filter(weekly=True, user__time_zone__in=due).values_list("user_id", flat=True))


def weekly_send(*, user_id: int, now: dt.datetime | None = None) -> bool:
    """The fan's "this week near you": the shows of the next seven days, in one notification (none when
    there are none), once per ISO week."""
    now = now or timezone.now()
    profile = FanProfile.objects.filter(user_id=user_id).select_related("user", "city").first()
    if profile is None:
        return False
    week_end = now + dt.timedelta(days=7)
    shows = [s for s in fan_shows(user=profile.user, profile=profile, now=now) if s.starts_at < week_end]
    if not shows:
        return False
    year, week, _day = now.isocalendar()
    names = ", ".join(dict.fromkeys(s.title or s.place_label for s in shows[:5]))
    created = notifications_create_many(
        items=[
            NotificationItem(
                recipients=[profile.user],
                kind="fan_week",
                text=lazy_text(gettext_lazy("This week near you: %(n)s shows – %(names)s"), n=len(shows), names=names),
                key=f"fan-week:{year}-{week}",
                link=reverse("fans:home"),
            )
        ]
    )
    return bool(created)
