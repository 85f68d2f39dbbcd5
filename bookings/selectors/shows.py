"""Reads of shows: the public show page, its line-up in running order, the applicants a headliner
picks from, "My shows", a band's upcoming and past shows and a venue's "What's on"."""

import datetime as dt
import math
from dataclasses import dataclass
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext

from accounts.blocks import hidden_from
from accounts.models import PartyKind, User
from bands.models import ApprovalStatus, Band, BandEmbed, Genre, Membership
from bands.selectors import genres_all
from places.models import City
from venues.models import Slot, Ticket, Venue

from ..models import BillMessage, Booking
from .bookings import slots_public
from .finder import slots_hidden_from

Status = Booking.Status
# What a show's line-up lists: acts booked, playing now, played (a disputed gig too).
PLAYED = Booking.PLAYED
MANAGING = (Membership.Role.LEADER, Membership.Role.ADMIN)
SHOWS_PER_PAGE = 10


def _show_related(qs: QuerySet[Slot]) -> QuerySet[Slot]:
    return qs.select_related("venue", "stage", "host_band", "place_venue").prefetch_related(
        Prefetch("tickets", queryset=Ticket.objects.order_by("position", "pk")),
        Prefetch("genres", queryset=genres_all()),
    )


def show_public(*, pk: int) -> Slot | None:
    """A show anyone may see: a public slot at an approved venue or hosted by an approved band, with
    its venue, host, place, tickets and genres. Three queries."""
    return _show_related(slots_public().filter(pk=pk)).first()


def show_for_manager(*, pk: int) -> Slot | None:
    """Any show, whatever its visibility (the manage page checks who may see it)."""
    return _show_related(Slot.objects.filter(pk=pk)).first()


def show_booking_of(*, slot: Slot, uid: UUID) -> Booking | None:
    """The booking `uid` on this show (any status, any role) with its band; None when it is another
    show's or none at all (the caller answers 404). One query."""
    return Booking.objects.filter(uid=uid, slot_id=slot.pk).select_related("band").first()


def show_lineup(*, slot: Slot) -> list[Booking]:
    """The acts on the show (booked, or played once it is over) in running order: by set start where
    the running order gives one, else the supports in the order they were booked, then the headliner."""
    return lineup_sorted(Booking.objects.filter(slot_id=slot.pk, status__in=PLAYED).select_related("band"))


def lineup_sorted(acts) -> list[Booking]:
    """Acts in running order (see show_lineup)."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(
        acts,
        key=lambda b: (
            b.set_starts_at or far,
            b.role == Booking.Role.HEADLINER,
            b.status_changed_at or b.created_at,
            b.pk,
        ),
    )


def show_status(slot: Slot, *, now: dt.datetime) -> tuple[str, str]:
    """The show's status for the public: (key, words), one of cancelled, over, sold out, free entry,
    pay at the door, on sale, tickets soon."""
    if slot.is_cancelled:
        return "cancelled", gettext("Cancelled")
    if slot.ends_at <= now:
        return "over", gettext("This show is over")
    if slot.sold_out:
        return "sold_out", gettext("Sold out")
    if slot.entry == Slot.Entry.FREE:
        return "free", gettext("Free entry")
    if slot.entry == Slot.Entry.DOOR:
        return "door", gettext("Pay at the door")
    if list(slot.tickets.all()):
        return "on_sale", gettext("On sale")
    return "soon", gettext("Tickets to be announced")


# ---- Applicants ----------------------------------------------------------------------------------


@dataclass
class Applicant:
    booking: Booking
    band: Band
    embeds: list[BandEmbed]
    genres: list[Genre]
    distance_km: float | None  # None until places carry coordinates
    rating: float | None  # the band's rating, once reviews give one


def distance_between(band: Band, slot: Slot) -> float | None:
    """How far the band is from the show, in km, when both have coordinates; else None."""
    here = (getattr(band, "latitude", None), getattr(band, "longitude", None))
    venue = slot.venue or slot.place_venue
    there = (getattr(venue, "latitude", None), getattr(venue, "longitude", None)) if venue else (None, None)
    if None in here or None in there:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (*here, *there))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(6371 * 2 * math.asin(math.sqrt(a)), 1)


def show_applicants(*, slot: Slot) -> list[Applicant]:
    """The pending support applications on the show, oldest first, each with the band's players,
    genres, distance and (once reviews exist) rating. Three queries whatever their number."""
    bookings = list(
        Booking.objects.filter(slot_id=slot.pk, status=Status.PENDING, role=Booking.Role.SUPPORT)
        .select_related("band")
        .prefetch_related(
            Prefetch("band__embeds", queryset=BandEmbed.objects.order_by("position", "pk")),
            Prefetch("band__genres", queryset=genres_all()),
        )
        .order_by("created_at", "pk")
    )
    return [
        Applicant(
            booking=b,
            band=b.band,
            embeds=list(b.band.embeds.all())[:2],
            genres=list(b.band.genres.all()),
            distance_km=distance_between(b.band, slot),
            rating=getattr(b.band, "rating", None),
        )
        for b in bookings
    ]


# ---- My shows ------------------------------------------------------------------------------------


def my_shows(*, user: User, now: dt.datetime) -> list[Slot]:
    """Shows to come that a band `user` leads or administers hosts or headlines, soonest first, each
    with `pending` (its support applications waiting) and `my_band` (the band's name). Two queries."""
    return list(my_shows_qs(user=user, now=now))


def my_shows_qs(*, user: User, now: dt.datetime) -> QuerySet[Slot]:
    """The query behind my_shows, for callers that page through it."""
    managed = Membership.objects.filter(user_id=user.pk, role__in=MANAGING).values("band_id")
    headlined = Booking.objects.filter(
        slot_id=OuterRef("pk"), role=Booking.Role.HEADLINER, status__in=Booking.ON, band_id__in=managed
    )
    return (
        Slot.objects.filter(Exists(headlined), ends_at__gt=now)
        .select_related("venue", "host_band", "place_venue")
        .annotate(
            pending=Count(
                "bookings",
                filter=Q(bookings__status=Status.PENDING, bookings__role=Booking.Role.SUPPORT),
            )
        )
        .order_by("starts_at", "pk")
    )


def can_see_manage(*, slot: Slot, user: User) -> bool:
    """The manage page is for the host's or headliner's members and the venue's staff."""
    if not user.is_authenticated:
        return False
    if slot.venue_id and slot.venue.staff_roles.filter(user_id=user.pk).exists():
        return True
    return Booking.objects.filter(
        slot_id=slot.pk, role=Booking.Role.HEADLINER, status__in=PLAYED, band__memberships__user_id=user.pk
    ).exists()


# ---- The API's lists -----------------------------------------------------------------------------


def shows_with_bill(qs: QuerySet[Slot], *, genres: bool = True) -> QuerySet[Slot]:
    """`qs` with what a show's summary reads: its venue, stage, host and place joined, its tickets,
    its genres (unless `qs` prefetches them already) and its acts (booked or played, with their bands)
    as `acts`. Three queries more per page, whatever its length."""
    qs = qs.select_related("venue", "stage", "host_band", "place_venue").prefetch_related(
        Prefetch("tickets", queryset=Ticket.objects.order_by("position", "pk")),
        Prefetch(
            "bookings",
            queryset=Booking.objects.filter(status__in=PLAYED).select_related("band").order_by("pk"),
            to_attr="acts",
        ),
    )
    return qs.prefetch_related(Prefetch("genres", queryset=genres_all())) if genres else qs


def shows_hidden_from(user) -> Q:
    """What a list of shows shown to `user` leaves out (accounts.blocks.hidden_from, decisions 0081, 0096): the
    shows of a venue or hosting band blocked either way, and those with such a band on the bill. Subqueries of
    the list's own query; nothing for a visitor."""
    if not getattr(user, "is_authenticated", False):
        return Q()
    acts_hidden = Booking.objects.filter(slot_id=OuterRef("pk"), status__in=PLAYED).exclude(
        hidden_from(user, PartyKind.BAND.value, field="band_id")
    )
    place_hidden = ~hidden_from(user, PartyKind.VENUE.value, field="place_venue_id")
    return slots_hidden_from(user) & ~Exists(acts_hidden) & ~(Q(place_venue__isnull=False) & place_hidden)


def shows_listed(
    *, now: dt.datetime, band: Band | None = None, venue: Venue | None = None, hosted: bool | None = None,
    past: bool = False, viewer: User | None = None,
) -> QuerySet[Slot]:  # fmt: skip
    """Public shows with their headliner booked (a band's own shows always have it), not cancelled: to
    come (or, `past`, over), optionally only those `band` plays, those at `venue` (its own slots, or
    hosted shows that name it as their place), or only hosted ones (`hosted` True) or venues' (False).
    Those a block hides from `viewer` are left out (shows_hidden_from). Unordered: the caller orders and
    pages it."""
    qs = slots_public().filter(headliner_booked=1, cancelled_at__isnull=True)
    if viewer is not None:
        qs = qs.filter(shows_hidden_from(viewer))
    qs = qs.filter(ends_at__lte=now) if past else qs.filter(ends_at__gt=now)
    if band is not None:
        qs = qs.filter(Exists(Booking.objects.filter(slot_id=OuterRef("pk"), band_id=band.pk, status__in=PLAYED)))
    if venue is not None:
        qs = qs.filter(Q(venue_id=venue.pk) | Q(venue__isnull=True, place_venue_id=venue.pk))
    if hosted is not None:
        qs = qs.filter(host_band__isnull=not hosted)
    return shows_with_bill(qs)


def show_visible(*, pk: int, user: User | None) -> Slot | None:
    """A show `user` (None: a visitor) may read: a public one, or one whose manage page they may see
    (an invite-only slot of their venue). With the same joins as shows_with_bill."""
    slot = shows_with_bill(slots_public().filter(pk=pk)).first()
    if slot is not None or user is None or not user.is_authenticated:
        return slot
    slot = shows_with_bill(Slot.objects.filter(pk=pk)).first()
    return slot if slot is not None and can_see_manage(slot=slot, user=user) else None


def show_place_choices(
    *, venue_slug: str | None, city_id: int | None, genre_slugs: list[str]
) -> tuple[Venue | None, City | None, list[Genre]]:
    """What a new show names by key: a listed venue as its place (None when not given or not listed),
    its city in the gazetteer, and its genres (those that exist). At most three queries."""
    venue = Venue.objects.filter(slug=venue_slug, status=ApprovalStatus.APPROVED).first() if venue_slug else None
    city = City.objects.filter(pk=city_id).first() if city_id is not None else None
    genres = list(genres_all().filter(slug__in=genre_slugs)) if genre_slugs else []
    return venue, city, genres


def venue_listed_of(*, slug: str) -> Venue | None:
    """The approved venue at `slug`, or None. One query."""
    return Venue.objects.filter(slug=slug, status=ApprovalStatus.APPROVED).first()


def show_applications(*, slot: Slot, status: str | None = None) -> QuerySet[Booking]:
    """The support applications on the show (any status, or `status`), with their bands, venues and
    the bands' genres. Unordered: the caller orders and pages it."""
    qs = Booking.objects.filter(slot_id=slot.pk, role=Booking.Role.SUPPORT, kind=Booking.Kind.APPLICATION)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("band", "venue", "client").prefetch_related(
        Prefetch("band__genres", queryset=genres_all())
    )


# ---- A band's shows, a venue's "What's on" -------------------------------------------------------


def _page(qs: QuerySet, number: str | int | None) -> Page:
    return Paginator(qs, SHOWS_PER_PAGE).get_page(number)


def band_shows(*, band: Band, now: dt.datetime, past: bool, page: str | int | None) -> Page:
    """The public shows the band plays (booked, or played): to come soonest first, or past latest
    first; a page of them, each with its venue, host and place joined. Two queries (count, page)."""
    return _page(_band_shows(band=band, now=now, past=past), page)


def band_shows_next(*, band: Band, now: dt.datetime, limit: int) -> list[Slot]:
    """The band's next `limit` public shows (as band_shows lists them, soonest first). One query."""
    return list(_band_shows(band=band, now=now, past=False)[:limit]) if limit > 0 else []


def _band_shows(*, band: Band, now: dt.datetime, past: bool) -> QuerySet[Slot]:
    playing = Booking.objects.filter(slot_id=OuterRef("pk"), band_id=band.pk, status__in=PLAYED)
    qs = slots_public().filter(Exists(playing), cancelled_at__isnull=True)
    qs = qs.filter(ends_at__lte=now).order_by("-starts_at", "-pk") if past else qs.filter(ends_at__gt=now)
    if not past:
        qs = qs.order_by("starts_at", "pk")
    return qs.select_related("venue", "host_band", "place_venue")


def venue_whats_on(*, venue: Venue, now: dt.datetime, page: str | int | None) -> Page:
    """The venue's public shows to come that have their headliner, soonest first, each with
    `headliner_name`; a page of them. Two queries (count, page)."""
    headliner = Booking.objects.filter(slot_id=OuterRef("pk"), role=Booking.Role.HEADLINER, status__in=PLAYED).values(
        "band__name"
    )[:1]
    qs = (
        Slot.objects.filter(
            venue_id=venue.pk,
            visibility=Slot.Visibility.PUBLIC,
            cancelled_at__isnull=True,
            headliner_booked=1,
            ends_at__gt=now,
        )
        .annotate(headliner_name=Subquery(headliner))
        .select_related("venue")
        .order_by("starts_at", "pk")
    )
    return _page(qs, page)


# ---- What search engines and link previews read --------------------------------------------------

EVENT_STATUS = {
    "cancelled": "https://schema.org/EventCancelled",
}
AVAILABILITY = {"sold_out": "https://schema.org/SoldOut"}


def show_json_ld(*, slot: Slot, lineup: list[Booking], status: str, site: str, url: str) -> dict:
    """schema.org MusicEvent for the show: name, start and end with their offset, doors, the place,
    the performers in running order, the offers (ticket links or free entry) and the event status."""
    zone = slot.zone
    place_venue = slot.venue or slot.place_venue
    address = {"@type": "PostalAddress"}
    if place_venue is not None:
        address.update(
            {
                "streetAddress": place_venue.address,
                "postalCode": place_venue.postcode,
                "addressLocality": place_venue.city,
                "addressCountry": str(place_venue.country or ""),
            }
        )
    else:
        address.update({"streetAddress": slot.place_address, "addressLocality": slot.place_city})
    data: dict = {
        "@context": "https://schema.org",
        "@type": "MusicEvent",
        "name": slot.title or f"{lineup[-1].band.name if lineup else 'Live music'} at {slot.place_label}",
        "url": url,
        "startDate": slot.starts_at.astimezone(zone).isoformat(),
        "endDate": slot.ends_at.astimezone(zone).isoformat(),
        "eventStatus": EVENT_STATUS.get(status, "https://schema.org/EventScheduled"),
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": {
            "@type": "MusicVenue" if place_venue is not None else "Place",
            "name": slot.place_label,
            "address": {k: v for k, v in address.items() if v},
        },
        "performer": [
            {"@type": "MusicGroup", "name": act.band.name, "url": f"{site}/bands/{act.band.slug}/"} for act in lineup
        ],
    }
    if slot.doors_at:
        data["doorTime"] = slot.doors_at.astimezone(zone).isoformat()
    if slot.host_band_id:
        data["organizer"] = {
            "@type": "MusicGroup",
            "name": slot.host_band.name,
            "url": f"{site}/bands/{slot.host_band.slug}/",
        }
    elif slot.venue_id:
        data["organizer"] = {
            "@type": "Organization",
            "name": slot.venue.name,
            "url": f"{site}/venues/{slot.venue.slug}/",
        }
    availability = AVAILABILITY.get(status, "https://schema.org/InStock")
    offers = []
    if slot.entry == Slot.Entry.TICKETS:
        for t in slot.tickets.all():
            offer = {"@type": "Offer", "name": t.label, "url": t.url, "availability": availability}
            if t.price_min is not None or t.price_max is not None:
                low = t.price_min if t.price_min is not None else t.price_max
                offer["price"] = f"{low:.2f}"
                offer["priceCurrency"] = t.currency
            offers.append(offer)
    else:
        offer = {"@type": "Offer", "name": slot.get_entry_display(), "url": url, "availability": availability}
        if slot.entry == Slot.Entry.FREE:
            offer.update({"price": "0", "priceCurrency": slot.currency})
        offers.append(offer)
    data["offers"] = offers
    return data


# ---- The bill thread -----------------------------------------------------------------------------


def bill_people_q(slot: Slot) -> Q:
    """Users on the bill of `slot`: the members of every act booked (or played) on it, host included,
    and the staff of its venue."""
    acts = Booking.objects.filter(slot_id=slot.pk, status__in=PLAYED).values("band_id")
    q = Q(memberships__band_id__in=acts)
    if slot.venue_id:
        q |= Q(venue_roles__venue_id=slot.venue_id)
    return q


def bill_people(slot: Slot) -> list[User]:
    return list(User.objects.filter(bill_people_q(slot)).distinct().order_by("pk"))


def on_the_bill(*, slot: Slot, user: User) -> bool:
    if not user.is_authenticated:
        return False
    return User.objects.filter(bill_people_q(slot), pk=user.pk).exists()


def bill_messages(*, slot: Slot, limit: int = 100) -> list[BillMessage]:
    """The bill thread's latest `limit` messages, oldest first, with their authors. One query."""
    rows = list(
        BillMessage.objects.filter(slot_id=slot.pk).select_related("author").order_by("-created_at", "-pk")[:limit]
    )
    return rows[::-1]
