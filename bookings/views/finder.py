"""The gig finder (/slots/), the public slot page and a band's application to a slot."""

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from accounts.ratelimit import rate_limited
from bands.demand import city_demand_for
from bands.search_pages import BoundedKeysPaginator, BoundedPaginator, results_or_page
from bands.selectors import genre_choices
from core.fields.timezones import known_zone, when_text
from core.web.htmx import HtmxHttpRequest, is_partial
from venues.models import Slot

from ..cards import STATUS_BADGES, slot_card, slots_map
from ..errors import BookingError
from ..forms.finder import ApplyForm, FinderForm
from ..models import Booking
from ..pages import refusal_code
from ..selectors.bookings import is_venue_staff
from ..selectors.finder import (
    finder_bands_of,
    finder_countries,
    finder_slots,
    slot_bands_of,
    slot_for_viewer,
    slot_lineup,
    slots_hidden_from,
)
from ..services import asking

PAGE_SIZE = 24
NOT_A_MANAGER = gettext_lazy("Only a band’s leaders and admins can apply, and you lead or run no band.")


def _viewer_zone(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
    """The viewer's own zone (their account's or their browser's); None on a first visit, when each slot
    reads in its venue's zone."""
    return known_zone(request)


def _dress(slot: Slot, zone: zoneinfo.ZoneInfo | None) -> Slot:
    """What a card or the slot page shows beyond the columns, worked out without queries."""
    slot.when = when_text(slot.starts_at, slot.ends_at, zone or slot.zone)
    slot.places_open = slot.places - slot.places_taken
    slot.badge = STATUS_BADGES[slot.status]
    return slot


def _paginate(slots, *, playable: bool, number: str | None) -> tuple[Paginator, Page]:
    # "Only slots we can play" is the costly filter: run it once, for the keys. Either way the slots are
    # counted only a few pages past the one asked for ("more than …"): nationwide, the count would cost
    # more than the page (decision 0092).
    paginator = (BoundedKeysPaginator if playable else BoundedPaginator)(slots, PAGE_SIZE, asked=number)
    return paginator, paginator.get_page(number)


def gig_finder(request: HtmxHttpRequest) -> HttpResponse:
    """Open slots, soonest first; for a band member each is marked with whether their band is free."""
    partial = is_partial(request)
    now = timezone.now()
    bands = finder_bands_of(user=request.user)
    form = FinderForm(
        request.GET,
        genres=genre_choices(),
        # The results alone do not show the country list; the form still checks the code.
        countries=[] if partial else finder_countries(now=now),
        bands=bands,
        zone=timezone.get_current_timezone(),
    )
    filters = form.filters()
    band = form.chosen_band
    slots = finder_slots(now=now, band_id=band.pk if band else None, **filters)
    # Slots of venues or hosting bands blocked either way leave a signed-in viewer's finder (decision 0081).
    slots = slots.filter(slots_hidden_from(request.user))
    paginator, page = _paginate(slots, playable=filters["playable"], number=request.GET.get("page"))
    zone = _viewer_zone(request)
    # Where the band's fans asked it to come, for the people acting for it (its leaders and admins, as
    # the tour planner): one query, the page's slots matched in Python.
    demand = city_demand_for(band_id=band.pk) if band is not None and band.can_manage else None
    cards = [slot_card(slot, zone=zone, band=band, demand=demand) for slot in page.object_list]
    context = {
        "form": form,
        "band": band,
        "page_obj": page,
        "cards": cards,
        "results_map": slots_map(page.object_list, cards, total=paginator.count),
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "active_filters": form.active_filters(),
        "viewer_zone": zone,
        "near_hint": _near_home_hint(form, band),
    }
    return results_or_page(request, "bookings/finder/finder.html", context, partial=partial)


def _near_home_hint(form: FinderForm, band) -> dict[str, str] | None:
    """A link that searches around the chosen band's home city, when it has one and no place is given
    (no query: the band row carries its city)."""
    if band is None or not band.place_id or form.data.get("near"):
        return None
    return {
        "url": form.near_query(band.place_id),
        "label": gettext("Near %(band)s’s home, %(city)s") % {"band": band.name, "city": band.city},
    }


def _slot_or_404(request: HttpRequest, pk: int) -> Slot:
    slot = slot_for_viewer(pk=pk, user=request.user)
    if slot is None:
        raise Http404("No such slot.")
    return slot


def _closed(slot: Slot, form: ApplyForm | None, is_staff: bool, managed: list, now) -> str:
    """Why there is no form to fill in, or "" when there is one."""
    if slot.is_cancelled:
        return gettext("The venue cancelled this slot.")
    if slot.starts_at <= now:
        return gettext("This slot has passed.")
    if slot.visibility != Slot.Visibility.PUBLIC:
        return gettext("This slot is by invitation only; the venue offers it to bands it chooses.")
    if form is not None and not form.open_roles:
        return gettext("Every place on this slot is taken.")
    if is_staff and managed:
        return gettext(
            "You are on the staff of this venue, so you cannot apply to its slots. Offer it to a band instead."
        )
    if form is not None and not form.can_apply_with:
        return gettext("Every band you lead or run has already applied to this slot.")
    return ""


def _slot_page(
    request: HttpRequest,
    slot: Slot,
    *,
    bands: list | None = None,
    form: ApplyForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    zone = _viewer_zone(request)
    _dress(slot, zone)
    if bands is None:
        bands = slot_bands_of(slot=slot, user=request.user)
    managed = [b for b in bands if b.can_manage]
    is_staff = request.user.is_authenticated and is_venue_staff(slot.venue_id, request.user)
    if form is None and managed:
        form = ApplyForm(slot=slot, bands=bands)
    closed = "" if form is not None and form.is_bound and form.errors else _closed(slot, form, is_staff, managed, now)
    context = {
        "slot": slot,
        "venue": slot.venue,
        "venue_when": when_text(slot.starts_at, slot.ends_at, slot.zone),
        "same_zone": zone is None or zone.key == slot.zone.key,
        "lineup": slot_lineup(slot=slot),
        "bands": bands,
        "managed": managed,
        "form": form,
        "closed": closed,
        "error": error,
        "is_venue_staff": is_staff,
        "pending": Booking.Status.PENDING,
        "application": Booking.Kind.APPLICATION,
    }
    return render(request, "bookings/finder/slot.html", context, status=status)


def slot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The public page of a slot; for a band's leaders and admins, the form to apply. A show a band
    hosts has its page at /shows/<pk>/."""
    slot = _slot_or_404(request, pk)
    if slot.is_hosted:
        return redirect("bookings:show_detail", pk=slot.pk)
    return _slot_page(request, slot)


def _refused(request: HttpRequest, pk: int, exc: BookingError) -> HttpResponse:
    """The slot as it is now, with the refusal: it often means the slot changed since the page was drawn."""
    slot = _slot_or_404(request, pk)
    bands = slot_bands_of(slot=slot, user=request.user)
    form = ApplyForm(request.POST, slot=slot, bands=bands)
    form.is_valid()
    return _slot_page(request, slot, bands=bands, form=form, error=str(exc), status=refusal_code(exc))


@login_required
@rate_limited("application")
def booking_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """A band's leader or admin applies to a public slot; the booking page follows."""
    slot = _slot_or_404(request, pk)
    if request.method != "POST" or slot.is_hosted:
        return redirect("bookings:slot_detail", pk=slot.pk)
    bands = slot_bands_of(slot=slot, user=request.user)
    if not any(band.can_manage for band in bands):
        return _slot_page(request, slot, bands=bands, error=NOT_A_MANAGER, status=403)
    form = ApplyForm(request.POST, slot=slot, bands=bands)
    if not form.is_valid():
        return _slot_page(request, slot, bands=bands, form=form, status=400)
    data = form.cleaned_data
    try:
        # An empty fee takes what the venue offers (nothing, for a negotiable slot).
        fee = data["fee"] if data["fee"] is not None else slot.fee
        booking = asking.booking_apply(
            slot=slot, band=data["band"], by=request.user, role=data["role"], fee=fee, message=data["message"]
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _slot_page(request, slot, bands=bands, form=form, status=400)
    except BookingError as exc:
        return _refused(request, pk, exc)
    messages.success(request, gettext("%(band)s applied. The venue will answer here.") % {"band": booking.band.name})
    return redirect("bookings:detail", uid=booking.uid)
