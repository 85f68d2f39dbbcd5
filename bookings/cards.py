"""What a gig finder result (/slots/) shows, worked out and drawn once per card in Python.

As with the band and venue searches (bands/cards.py): one card used to be a template partial with an
{% include %} for its genres, and the template engine took most of the page's time. `SlotCard.html`
draws the same markup with one format string, every value escaped.
"""

import zoneinfo
from dataclasses import dataclass
from html import escape

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.timezones import when_text
from bands.cards import DISTANCE_HTML, detail_url, distance_away, genre_chips_html, rating_facts
from bands.models import Band
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

    @property
    def html(self) -> str:
        name = escape(self.band_name)
        if self.free:
            marks = f'<span class="slot-mark slot-mark--free">✓ {name} is free</span>'
        else:
            marks = f'<span class="slot-mark slot-mark--busy">✕ Not all of {name} free</span>'
        if self.booking_label:
            badge = f"badge {escape(self.booking_badge)}" if self.booking_badge else "badge"
            marks += f' <span class="{badge}">{escape(self.booking_label)}</span>'
        return f'<p class="slot-card__marks">{marks}</p>'


SLOT_CARD_HTML = (
    '<article class="slot-card">'
    '<p class="slot-card__when"><time datetime="{starts_at}">{when}</time></p>'
    '<h3 class="slot-card__title"><a href="{url}">{title}</a></h3>'
    '<p class="slot-card__place"><span class="visually-hidden">At</span> {place} '
    '<span class="muted">· {stage}</span>{distance}</p>'
    "{genres}"
    '<dl class="slot-card__facts">'
    "<div><dt>Fee</dt><dd>{fee}</dd></div>"
    "<div><dt>Places open</dt><dd>{places}</dd></div>"
    '<div><dt>Status</dt><dd><span class="badge {status_badge}">{status}</span></dd></div>'
    "{rating}"
    "</dl>"
    "{mark}"
    "</article>"
)


@dataclass(frozen=True, slots=True)
class SlotCard:
    url: str
    starts_at_iso: str  # for <time datetime>: the start in the current zone, as the template's date filter gave it
    when: str
    title: str
    place: str  # "Kellerbar, Berlin"
    stage_name: str
    genres: tuple[str, ...]
    fee: str
    places: str  # "2 of 3" places open
    status: str
    status_badge: str
    mark: Mark | None
    venue_rating: str = ""  # "4.7 of 5 (12 reviews)"; empty for a venue without reviews
    distance: str = ""  # "32 km away", with a search near a place

    @property
    def html(self) -> SafeString:
        """The card as the finder lists it (every value escaped here)."""
        genres = genre_chips_html(self.genres) or '<p class="slot-card__any muted">Any genre</p>'
        return mark_safe(  # noqa: S308  (the values are escaped, the rest is our markup)
            SLOT_CARD_HTML.format(
                starts_at=escape(self.starts_at_iso),
                when=escape(self.when),
                url=escape(self.url),
                title=escape(self.title),
                place=escape(self.place),
                stage=escape(self.stage_name),
                distance=DISTANCE_HTML.format(escape(self.distance)) if self.distance else "",
                genres=genres,
                fee=escape(self.fee),
                places=escape(self.places),
                status_badge=escape(self.status_badge),
                status=escape(self.status),
                mark=self.mark.html if self.mark else "",
                rating=f"<div><dt>Venue rating</dt><dd>{escape(self.venue_rating)}</dd></div>"
                if self.venue_rating
                else "",
            )
        )


def slot_fee_text(slot: Slot) -> str:
    if slot.fee is not None:
        return f"{intcomma(slot.fee)} {slot.currency}"
    return slot.support_terms or "Negotiable"


def mark_of(slot: Slot, band: Band) -> Mark:
    """From the annotations of bookings.selectors.finder.finder_slots(band_id=band.pk)."""
    if slot.my_status == "booked":
        label, badge = "Booked", "badge--success"
    elif slot.my_kind == "offer":
        label, badge = "Offered to you", "badge--warning"
    elif slot.my_status:
        label, badge = "Applied", ""
    else:
        label, badge = "", ""
    return Mark(band_name=band.name, free=bool(slot.band_free), booking_label=label, booking_badge=badge)


def slot_card(slot: Slot, *, zone: zoneinfo.ZoneInfo | None, band: Band | None) -> SlotCard:
    """A slot from finder_slots (venue and stage joined, genres prefetched), its time in `zone` (the
    viewer's; None for a visitor, who reads it in the venue's), marked for `band` when one is chosen
    (finder_slots was asked with its id)."""
    status = slot.status
    city = slot.place_city_label
    if slot.is_hosted:
        url, stage_name = detail_url("bookings:show_detail", slot.pk), f"hosted by {slot.host_band.name}"
    else:
        url, stage_name = detail_url("bookings:slot_detail", slot.pk), slot.stage.name
    support_call = slot.is_support_call
    return SlotCard(
        url=url,
        starts_at_iso=timezone.localtime(slot.starts_at).isoformat(),
        when=when_text(slot.starts_at, slot.ends_at, zone or slot.zone),
        title=slot.title or "Open slot",
        place=f"{slot.place_label}, {city}" if city else slot.place_label,
        stage_name=stage_name,
        genres=tuple(genre.name for genre in slot.genres.all()),
        fee=slot_fee_text(slot),
        places=f"{slot.places - slot.places_taken} of {slot.places}",
        status="Support call" if support_call else Slot.Status(status).label,
        status_badge="badge--warning" if support_call else STATUS_BADGES[status],
        mark=mark_of(slot, band) if band is not None else None,
        # A show a band hosts has no venue of its own to rate.
        venue_rating=rating_facts(slot.venue)[0].value if slot.venue_id and slot.venue.rating_count else "",
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
        data["note"] = f"The pin marks {city or 'the city'}, not the address."
    return data
