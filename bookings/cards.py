"""What a gig finder result (/slots/) shows, worked out once per card in Python.

As with the band and venue searches (bands/cards.py): a card is a small frozen dataclass built from the
row, drawn by the finder's template (templates/bookings/finder/finder.html, partial "cards").
"""

import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from bands.cards import card_words, detail_url, distance_away, grouped, rating_text
from bands.demand import Demand, demand_near
from bands.models import Band
from core.fields.timezones import when_text
from places.maps import Marker, point_of, results_map
from venues.models import Slot

STATUS_BADGES = {
    Slot.Status.OPEN: "badge--success",
    Slot.Status.NEED_SUPPORT: "badge--warning",
    Slot.Status.BOOKED: "",
    Slot.Status.CANCELLED: "badge--danger",
}


@dataclass(frozen=True, slots=True)
class Mark:
    """The chosen band's relation to a slot: free or not, and its live booking there, if any."""

    band_name: str
    free: bool
    booking_label: str  # "Booked", "Offered to you", "Applied" or ""
    booking_badge: str  # the badge's modifier class, "" for a plain badge
    # The band's demand near the slot (bands.demand), shown only to the people acting for the band: the city
    # within CITY_KM of the slot, its asks and its followers living there, each as bands.demand.count_text
    # words it ("" for none), so a city where only followers live never reads "Fans asked".
    demand_city: str = ""
    demand_asks: str = ""
    demand_followers: str = ""


@dataclass(frozen=True, slots=True)
class SlotCard:
    url: str
    starts_at_iso: str  # for <time datetime>: the start in the current zone, as the template's date filter gave it
    when: str
    title: str
    place: str  # "Kellerbar, Berlin"
    stage_name: str
    genres: tuple[Any, ...]  # the slot's genres, for stageslot/partials/_genre_chips.html
    fee: str
    places: str  # "2 of 3" places open
    status: str
    status_badge: str
    mark: Mark | None
    venue_rating: str = ""  # "4.7 of 5 (12 reviews)"; empty for a venue without reviews
    distance: str = ""  # "32 km away", with a search near a place


def slot_fee_text(slot: Slot) -> str:
    words = card_words()
    if slot.fee is not None:
        return words["amount"] % {"amount": grouped(slot.fee), "currency": slot.currency}
    return slot.support_terms or words["Negotiable"]


def mark_of(slot: Slot, band: Band, demand: Demand | None = None) -> Mark:
    """From the annotations of bookings.selectors.finder.finder_slots(band_id=band.pk), and the band's
    demand in the slot's city (`demand`, bands.demand.demand_near), if any."""
    if slot.my_status == "booked":
        label, badge = _("Booked"), "badge--success"
    elif slot.my_kind == "offer":
        label, badge = _("Offered to you"), "badge--warning"
    elif slot.my_status:
        label, badge = _("Applied"), ""
    else:
        label, badge = "", ""
    return Mark(
        band_name=band.name,
        free=bool(slot.band_free),
        booking_label=label,
        booking_badge=badge,
        demand_city=demand.city.name if demand is not None else "",
        demand_asks=demand.asks_text if demand is not None else "",
        demand_followers=demand.followers_text if demand is not None else "",
    )


def slot_card(
    slot: Slot, *, zone: zoneinfo.ZoneInfo | None, band: Band | None, demand: list[Demand] | None = None
) -> SlotCard:
    """A slot from finder_slots (venue and stage joined, genres prefetched), its time in `zone` (the
    viewer's; None for a visitor, who reads it in the venue's), marked for `band` when one is chosen
    (finder_slots was asked with its id), and with the band's `demand` near the slot when given (only
    for the people acting for the band: bands.demand.city_demand_for)."""
    status = slot.status
    city = slot.place_city_label
    if slot.is_hosted:
        url = detail_url("bookings:show_detail", slot.pk)
        stage_name = _("hosted by %(band)s") % {"band": slot.host_band.name}
    else:
        url, stage_name = detail_url("bookings:slot_detail", slot.pk), slot.stage.name
    support_call = slot.is_support_call
    words = card_words()
    return SlotCard(
        url=url,
        starts_at_iso=timezone.localtime(slot.starts_at).isoformat(),
        when=when_text(slot.starts_at, slot.ends_at, zone or slot.zone),
        title=slot.title or words["Open slot"],
        place=f"{slot.place_label}, {city}" if city else slot.place_label,
        stage_name=stage_name,
        genres=tuple(slot.genres.all()),
        fee=slot_fee_text(slot),
        places=words["places open"] % {"open": slot.places - slot.places_taken, "places": slot.places},
        status=words["Support call"] if support_call else Slot.Status(status).label,
        status_badge="badge--warning" if support_call else STATUS_BADGES[status],
        mark=mark_of(slot, band, demand_near(demand, slot.latitude, slot.longitude) if demand else None)
        if band is not None
        else None,
        # A show a band hosts has no venue of its own to rate.
        venue_rating=rating_text(slot.venue) if slot.venue_id and slot.venue.rating_count else "",
        distance=distance_away(slot),
    )


def slot_marker(slot: Slot, card: SlotCard) -> Marker | None:
    """A slot's pin on the finder's map, from the slot's point (its venue's or its city's) and what its
    card already says; None for a slot without a point."""
    point = point_of(slot)
    if point is None:
        return None
    support_call = slot.is_support_call
    return Marker(
        lat=point[0],
        lon=point[1],
        title=card.title,
        url=card.url,
        kind="support_call" if support_call else "slot",
        line=f"{card.when} · {card.place}",
    )


def slots_map(slots: list[Slot], cards: list[SlotCard], *, total: int) -> dict:
    """The map beside a page of the gig finder: the slots with their cards, in the list's order
    (`total`: how many the finder found)."""
    pairs = zip(slots, cards, strict=True)
    return results_map(pairs, lambda pair: slot_marker(*pair), thing="slot", things="slots", total=total)


def show_map(slot: Slot, *, title: str, when: str) -> dict | None:
    """The map of a show's page: one pin where it is, or None when its place has no point. A venue
    that set its exact point is shown close up; otherwise the pin is its city's, and the note says so."""
    point = point_of(slot)
    if point is None:
        return None
    venue = slot.venue if slot.venue_id else slot.place_venue if slot.place_venue_id else None
    exact = venue is not None and venue.exact_point
    city = slot.place_city_label
    marker = Marker(
        lat=point[0],
        lon=point[1],
        title=title,
        url=detail_url("bookings:show_detail", slot.pk),
        kind="show",
        line=f"{when} · {slot.place_label}, {city}" if city else f"{when} · {slot.place_label}",
    )
    data = results_map([marker], lambda row: row, thing="show", things="shows")
    data["zoom"] = 16 if exact else 11
    if not exact:
        data["note"] = (
            _("The pin marks %(city)s, not the address.") % {"city": city}
            if city
            else _("The pin marks the city, not the address.")
        )
    return data
