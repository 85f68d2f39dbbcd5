"""Saved gig finder searches and their alerts: a band is told, once per slot, when a new slot or
support call matches a search it saved and its green zone."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from accounts.models import User
from accounts.services import WHEN, NotificationItem, lazy_text, notifications_create_many
from bands.models import Band
from bands.selectors import bands_managers
from places.models import City
from places.near import Near

from ..errors import BookingError, BookingPermissionError
from ..models import SavedSearch
from ..selectors.bookings import can_manage_band
from ..selectors.finder import finder_slots
from .shows import place_label_lazy

DATE_KEYS = ("starts_from", "starts_before")
KEPT = ("city", "region", "country", "genres", "fee_min", "role", *DATE_KEYS)
# At most this many alerts per search and run; the rest come on the next run.
PER_RUN = 20


def _stored(filters: dict[str, Any]) -> dict[str, Any]:
    out = {k: filters.get(k) for k in KEPT if filters.get(k) not in (None, "", [])}
    for key in DATE_KEYS:
        if key in out:
            out[key] = out[key].isoformat()
    near: Near | None = filters.get("near")
    if near is not None:
        # The area: the city by id and the radius (None: anywhere, nearest first).
        out["near"] = {"city": near.city.pk, "km": near.km}
    return out


def _loaded(filters: dict[str, Any], cities: dict[int, City]) -> dict[str, Any] | None:
    """finder_slots keyword arguments from a stored search; None when its city is gone from the
    gazetteer (the search then matches nothing rather than everywhere)."""
    out = dict(filters)
    for key in DATE_KEYS:
        if key in out:
            out[key] = dt.datetime.fromisoformat(out[key])
    if "near" in out:
        area = out.pop("near")
        city = cities.get(area.get("city"))
        if city is None:
            return None
        out["near"] = Near(city=city, km=area.get("km"))
    return out


def saved_search_create(*, band: Band, by: User, filters: dict[str, Any], label: str, now=None) -> SavedSearch:
    """Keep the finder's current search for `band` (its leaders and admins only). Raises
    BookingPermissionError, or BookingError past MAX_PER_BAND searches."""
    now = now or timezone.now()
    if not can_manage_band(band.pk, by):
        raise BookingPermissionError(
            _("Only the leaders and admins of %(band)s can save searches for it.") % {"band": band.name}
        )
    with transaction.atomic():
        Band.objects.select_for_update().filter(pk=band.pk).values_list("pk", flat=True).get()
        if SavedSearch.objects.filter(band=band).count() >= SavedSearch.MAX_PER_BAND:
            raise BookingError(
                ngettext(
                    "A band can keep %(count)d saved search; delete one first.",
                    "A band can keep %(count)d saved searches; delete one first.",
                    SavedSearch.MAX_PER_BAND,
                )
                % {"count": SavedSearch.MAX_PER_BAND}
            )
        return SavedSearch.objects.create(
            band=band, created_by=by, label=label[:300] or "Every slot", filters=_stored(filters), checked_at=now
        )


def saved_search_update(
    *, search: SavedSearch, by: User, filters: dict[str, Any] | None = None, label: str | None = None, now=None
) -> SavedSearch:
    """Change what a saved search looks for and/or its label (its band's leaders and admins only). New
    filters look only at slots posted or changed from now on, as a new search would. Raises
    BookingPermissionError."""
    now = now or timezone.now()
    if not can_manage_band(search.band_id, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can change its saved searches."))
    fields = []
    if label is not None:
        search.label = label[:300] or _("Every slot")
        fields.append("label")
    if filters is not None:
        search.filters, search.checked_at = _stored(filters), now
        fields += ["filters", "checked_at"]
    if fields:
        search.save(update_fields=fields)
    return search


def saved_search_pause(*, search: SavedSearch, by: User, paused: bool, now=None) -> SavedSearch:
    """Pause a saved search (it is kept and tells nobody) or resume it. Resuming looks only at slots
    posted or changed from then on: what came up while it was paused is not told late. Pausing a paused
    search, or resuming a running one, changes nothing. Raises BookingPermissionError."""
    now = now or timezone.now()
    if not can_manage_band(search.band_id, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can pause or resume its saved searches."))
    if paused and search.paused_at is None:
        search.paused_at = now
        search.save(update_fields=["paused_at"])
    elif not paused and search.paused_at is not None:
        search.paused_at, search.checked_at = None, now
        search.save(update_fields=["paused_at", "checked_at"])
    return search


def saved_search_delete(*, search: SavedSearch, by: User) -> None:
    if not can_manage_band(search.band_id, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can delete its saved searches."))
    search.delete()


def saved_search_alerts_send(*, now=None) -> int:
    """For every saved search: the public slots and support calls posted or changed since it was last
    looked at that match it while the band is free – each told to the band's leaders and admins once
    (the notification's key is the search and the slot). Returns how many slots were alerted."""
    now = now or timezone.now()
    searches = list(SavedSearch.objects.filter(paused_at__isnull=True).select_related("band").order_by("pk"))
    if not searches:
        return 0
    managers = bands_managers({s.band_id for s in searches})
    areas = {s.filters["near"].get("city") for s in searches if isinstance(s.filters.get("near"), dict)}
    cities = City.objects.in_bulk([pk for pk in areas if isinstance(pk, int)])
    sent = 0
    for search in searches:
        filters = _loaded(search.filters, cities)
        if filters is None:
            continue
        slots = list(
            finder_slots(now=now, band_id=search.band_id, playable=True, **filters)
            .filter(updated_at__gt=search.checked_at)
            .order_by("starts_at", "pk")[:PER_RUN]
        )
        items = []
        for slot in slots:
            message = (
                gettext_lazy(
                    "Support call for %(band)s (%(search)s): “%(title)s” at %(place)s on %(when)s – the band is free."
                )
                if slot.is_support_call
                else gettext_lazy(
                    "New slot for %(band)s (%(search)s): “%(title)s” at %(place)s on %(when)s – the band is free."
                )
            )
            path = f"/shows/{slot.pk}/" if slot.is_hosted else f"/slots/{slot.pk}/"
            items.append(
                NotificationItem(
                    recipients=managers[search.band_id],
                    kind="show_alert",
                    text=lazy_text(
                        message,
                        band=search.band.name,
                        search=search.label,
                        # Translators: %(search)s is the name of the band's saved search.
                        title=slot.title or pgettext_lazy("a slot without a title", "Open slot"),
                        place=place_label_lazy(slot),
                        when=WHEN,
                    ),
                    link=path,
                    key=f"alert:{search.pk}:{slot.pk}",
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                )
            )
        with transaction.atomic():
            notifications_create_many(items=items, actor=None)
            latest = max((s.updated_at for s in slots), default=None) if len(slots) == PER_RUN else None
            SavedSearch.objects.filter(pk=search.pk).update(checked_at=latest or now)
        sent += len(items)
    return sent
