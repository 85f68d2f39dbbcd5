"""The gig finder's filters and the band's application form.

Like the band search, the finder never refuses to answer: a filter that does not parse gets a
message and is left out, while the other filters still apply.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bands.forms.search import (
    BY_DISTANCE,
    MAX_AMOUNT,
    PlaceGenreFields,
    QuickSelect,
    filter_problems,
    min_rating_field,
    near_chip,
    rating_text,
    sort_or_default,
)
from bands.models import Band, Genre
from bands.places import country_name
from core.fields.amounts import money_words
from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import IsoDateInput
from core.fields.scheduling import check_scheduled_days, scheduling_today
from venues.models import Slot

from ..models import Booking

FINDER_SORTS = [("soonest", _("Soonest first")), ("rating", _("Best-rated venues first"))]
ROLE_FILTERS = [
    ("", _("Any place")),
    ("headliner", _("Headliner place open")),
    ("support", _("Support place open")),
    ("support_call", _("Support calls only")),
]


class FinderForm(PlaceGenreFields):
    date_from = BoundedDateField(
        bound=Bound.PLAN,
        label=_("From"),
        required=False,
        widget=IsoDateInput(),
        error_messages={"invalid": _("Enter a date, like 2026-06-13.")},
    )
    date_until = BoundedDateField(
        bound=Bound.PLAN,
        label=_("Until"),
        required=False,
        widget=IsoDateInput(),
        error_messages={"invalid": _("Enter a date, like 2026-06-30.")},
    )
    fee_min = forms.IntegerField(
        label=_("Fee at least"),
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": _("Any")}),
        help_text=_("In the slot’s currency. Slots with a negotiable fee stay in."),
    )
    role = forms.ChoiceField(
        label=_("Place open"),
        required=False,
        choices=ROLE_FILTERS,
        widget=QuickSelect,
        error_messages={"invalid_choice": _("Pick headliner, support or support calls.")},
    )
    include_booked = forms.BooleanField(label=_("Include fully booked slots"), required=False)
    min_rating = min_rating_field()
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=FINDER_SORTS,
        widget=QuickSelect,
        error_messages={"invalid_choice": _("Pick soonest first, best-rated venues first or nearest first.")},
    )
    band = forms.ChoiceField(
        label=_("Your band"),
        required=False,
        widget=QuickSelect,
        error_messages={"invalid_choice": _("Pick one of your bands.")},
    )
    playable = forms.BooleanField(label=_("Only slots we can play"), required=False)

    def __init__(
        self,
        data: QueryDict,
        *,
        genres: Iterable[Genre],
        countries: Iterable[str],
        bands: list[Band],
        zone: zoneinfo.ZoneInfo,
    ) -> None:
        super().__init__(data, genres=genres, countries=countries)
        self.zone = zone
        # "Nearest first" is offered, and first, only when a place is given.
        self.fields["sort"].widget.choices = [BY_DISTANCE, *FINDER_SORTS] if data.get("near") else FINDER_SORTS
        self.bands = bands
        if bands:
            self.fields["band"].choices = [(b.slug, b.name) for b in bands]
        else:
            # Nothing to match for a visitor or someone in no band: a shared link's band is ignored.
            del self.fields["band"], self.fields["playable"]

    @classmethod
    def prepare_fields(cls, fields: dict[str, forms.Field]) -> None:
        fields["sort"].choices = [*FINDER_SORTS, BY_DISTANCE]

    @property
    def time_zone_name(self) -> str:
        return self.zone.key

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # No slot is posted beyond the scheduling horizon: a search past it is told so, not left empty.
        if not check_scheduled_days(self, ["date_from", "date_until"], today=scheduling_today(self.zone)):
            return cleaned
        start, end = cleaned.get("date_from"), cleaned.get("date_until")
        if start and end and end < start:
            self.add_error("date_until", gettext("The last day cannot be before the first."))
            cleaned.pop("date_from", None)
        return cleaned

    def _day_start(self, day: dt.date | None, *, after: bool = False) -> dt.datetime | None:
        """Midnight at the start of `day` (or of the day after) in the viewer's zone; None beyond the calendar."""
        if day is None:
            return None
        try:
            if after:
                day += dt.timedelta(days=1)
            return dt.datetime.combine(day, dt.time(0), tzinfo=self.zone).astimezone(dt.UTC)
        except OverflowError:
            return None

    @property
    def chosen_band(self) -> Band | None:
        """The band whose marks are shown: the one picked, else the first the viewer leads or runs."""
        self.is_valid()
        slug = self.cleaned_data.get("band")
        for band in self.bands:
            if band.slug == slug:
                return band
        return self.bands[0] if self.bands else None

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for bookings.finder.finder_slots (without band and now): every filter that parsed."""
        self.is_valid()
        data = self.cleaned_data
        known = {g.slug for g in self.genre_list}
        genres = [slug for slug in self.data.getlist("genre") if slug in known]
        return {
            "starts_from": self._day_start(data.get("date_from")),
            "starts_before": self._day_start(data.get("date_until"), after=True),
            "near": self.near_place,
            "city": data.get("city", ""),
            "region": data.get("region", ""),
            "country": data.get("country", ""),
            "genres": list(dict.fromkeys(genres)),
            "fee_min": data.get("fee_min"),
            "role": data.get("role", ""),
            "include_booked": bool(data.get("include_booked")),
            "playable": bool(data.get("playable")) and bool(self.bands),
            "min_rating": data.get("min_rating"),
            "sort": sort_or_default(data.get("sort"), self.near_place, default="soonest"),
        }

    @property
    def problems(self) -> list[str]:
        """One line per filter that was left out, for the results area."""
        return filter_problems(self)

    def active_filters(self) -> list[dict[str, str]]:
        """The filters in use, each with the query string that clears it alone."""
        filters = self.filters()
        data = self.cleaned_data
        names = {g.slug: g.name for g in self.genre_list}
        chips = []
        start, end = data.get("date_from"), data.get("date_until")
        if start or end:
            if start and end:
                label = gettext("%(start)s – %(end)s") % {
                    "start": date_format(start, "DAY_FORMAT"),
                    "end": date_format(end, "DAY_FORMAT"),
                }
            elif start:
                label = gettext("From %(day)s") % {"day": date_format(start, "DAY_FORMAT")}
            else:
                label = gettext("Until %(day)s") % {"day": date_format(end, "DAY_FORMAT")}
            chips.append({"label": label, "clear": self._query_without("date_from", "date_until")})
        for slug in filters["genres"]:
            chips.append({"label": names[slug], "clear": self._query_without(genre=slug)})
        if filters["near"] is not None:
            chips.append(near_chip(self, filters["near"]))
        for name in ("city", "region"):
            if filters[name]:
                chips.append(
                    {
                        "label": gettext("%(field)s: %(value)s") % {"field": self[name].label, "value": filters[name]},
                        "clear": self._query_without(name),
                    }
                )
        if filters["country"]:
            chips.append({"label": country_name(filters["country"]), "clear": self._query_without("country")})
        if filters["fee_min"] is not None:
            chips.append(
                {
                    "label": gettext("Fee from %(fee)s")
                    % {"fee": number_format(filters["fee_min"], force_grouping=True)},
                    "clear": self._query_without("fee_min"),
                }
            )
        if filters["role"]:
            chips.append({"label": str(dict(ROLE_FILTERS)[filters["role"]]), "clear": self._query_without("role")})
        if filters["min_rating"] is not None:
            label = gettext("Venues rated %(rating)s stars and up") % {"rating": rating_text(filters["min_rating"])}
            chips.append({"label": label, "clear": self._query_without("min_rating")})
        if filters["include_booked"]:
            chips.append({"label": gettext("With booked slots"), "clear": self._query_without("include_booked")})
        if filters["playable"]:
            band = self.chosen_band
            chips.append(
                {
                    "label": gettext("%(band)s can play") % {"band": band.name},
                    "clear": self._query_without("playable"),
                    "band": True,
                }
            )
        return chips

    def alert_label(self) -> str:
        """What a saved search of this form's filters is called: its filters' chips, the band's own left
        out ("Every slot" without any)."""
        chips = self.active_filters()
        return ", ".join(str(c["label"]) for c in chips if not c.get("band")) or gettext("Every slot")

    def _query_without(self, *names: str, genre: str | None = None) -> str:
        """The current query string minus the named parameters (or one genre) and the page."""
        pairs = []
        for key, values in self.data.lists():
            if key == "page" or key in names:
                continue
            if key == "genre" and genre is not None:
                values = [v for v in values if v != genre]
            pairs.extend((key, v) for v in values if v)
        return "?" + urlencode(pairs) if pairs else "?"


# ---- Applying ---------------------------------------------------------------------------------


class BandChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Band) -> str:
        return obj.name


class ApplyForm(forms.Form):
    """A band's application to a slot.

    The band and role accept every band the person manages and both roles, while the page
    offers only the bands that have not applied and the places still open: a page that went
    stale meanwhile gets the workflow's own answer (already applied, place taken: 409).
    """

    band = BandChoiceField(
        label=_("Band"),
        queryset=Band.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Pick one of the bands you lead or run; you can apply only for those.")},
    )
    role = forms.ChoiceField(
        label=_("Play as"),
        choices=Booking.Role.choices,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose headliner or support."),
            "required": _("Choose headliner or support."),
        },
    )
    fee = forms.IntegerField(
        label=_("Fee asked"),
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "min_value": _("A fee cannot be negative."),
            "max_value": _("That is more than we can store; enter a smaller fee."),
            "invalid": _("Enter a whole number, like 400."),
        },
    )
    message = forms.CharField(
        label=_("Message to the venue"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who you are, what you sound like, anything the venue should know."),
    )

    def __init__(self, *args, slot: Slot, bands: list[Band], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        managed = [b for b in bands if b.can_manage]
        self.fields["band"].queryset = Band.objects.filter(pk__in=[b.pk for b in managed]).order_by("name")
        free_to_apply = [b for b in managed if not _live(b)]
        # Offered on the page: only what can still be asked for (validation accepts more, see above).
        self.fields["band"].widget.choices = [(b.pk, b.name) for b in free_to_apply]
        self.open_roles = open_roles(slot)
        self.fields["role"].widget.choices = self.open_roles
        if not self.is_bound:
            if free_to_apply:
                self.initial.setdefault("band", free_to_apply[0].pk)
            if len(self.open_roles) == 1:
                self.initial.setdefault("role", self.open_roles[0][0])
        self.fields["fee"].label = gettext("Fee asked (%(currency)s)") % {"currency": slot.currency}
        if slot.fee is not None:
            offered = money_words(number_format(slot.fee, force_grouping=True), slot.currency)
        else:
            offered = gettext("negotiable")
        self.fields["fee"].help_text = gettext("The venue offers %(offered)s. Leave empty to take what is offered.") % {
            "offered": offered
        }
        self.can_apply_with = free_to_apply


def _live(band: Band) -> bool:
    booking = getattr(band, "booking", None)
    return booking is not None and booking.status in Booking.LIVE


def open_roles(slot: Slot) -> list[tuple[str, str]]:
    """The places of `slot` a band can still ask for, labelled for the role radios."""
    roles = []
    if slot.place_open(Booking.Role.HEADLINER):
        roles.append((Booking.Role.HEADLINER.value, gettext("Headliner")))
    if slot.place_open(Booking.Role.SUPPORT):
        free = slot.support_places - slot.supports_booked
        roles.append(
            (
                Booking.Role.SUPPORT.value,
                gettext("Support (%(free)s of %(places)s open)") % {"free": free, "places": slot.support_places},
            )
        )
    return roles
