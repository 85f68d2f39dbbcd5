"""The search filters of /bands/ (and, through SearchForm, of /venues/).

A search never refuses to answer: a filter that does not parse gets a message next
to its field and is left out of the search, while the other filters still apply.
"""

import copy
import datetime as dt
import hashlib
import itertools
import zoneinfo
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format, time_format
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries as all_countries

from availability.services import horizon as availability_horizon
from core.fields.dates import Bound, BoundedDateField, BoundedDateTimeField
from core.fields.form_fields import FlatSelect, IsoDateInput, IsoDateTimeInput, OneLineField
from core.fields.timezones import zone_name
from places.geo import radius_problem
from places.models import City
from places.near import RADIUS_CHOICES, Near, PlaceNotFound, city_and_others_from_input, radius_from_input, radius_text

from ..models import Genre
from ..places import country_name
from ..selectors import local_span

# Larger numbers would overflow the database's integer columns.
MAX_AMOUNT = 1_000_000_000


class GenreCheckboxes(forms.CheckboxSelectMultiple):
    """Genre chips: checkboxes styled as toggle buttons (see discovery.css), drawn by one template loop
    (bands/widgets/genre_chips.html). Django renders every option through a template of its own; with
    thirty genres that was a third of the search page's server time."""

    template_name = "bands/widgets/genre_chips.html"

    def get_context(self, name, value, attrs) -> dict:
        final_attrs = self.build_attrs(self.attrs, attrs)
        base_id = final_attrs.pop("id", f"id_{name}")
        final_attrs.pop("aria-describedby", None)
        chosen = {str(v) for v in (value or [])}
        return {
            "widget": {
                "name": name,
                "id": base_id,
                "attrs": final_attrs,
                "options": [(slug, label, str(slug) in chosen) for slug, label in self.choices],
            }
        }


class QuickSelect(FlatSelect):
    """A <select> drawn in one template loop (see core.fields.form_fields.FlatSelect)."""


# "At least this many stars" on average: the rating filter of band and venue searches and the gig finder.
MIN_RATING_CHOICES = [("", _("Any rating"))] + [
    (v, format_lazy(_("{stars} stars and up"), stars=v)) for v in ("3", "3.5", "4", "4.5")
]


def rating_text(stars: float) -> str:
    """ "4", "3.5": an average rating as the locale writes numbers."""
    return number_format(stars, decimal_pos=0 if float(stars).is_integer() else 1)


def _until_text(start: dt.datetime, end: dt.datetime) -> str:
    """The end of a free span: its time, with its day when that is not the start's."""
    if end.date() == start.date():
        return time_format(end, "CLOCK_FORMAT")
    return date_format(end, "WEEKDAY_MONTH_TIME_FORMAT")


def min_rating_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Rating"),
        required=False,
        choices=MIN_RATING_CHOICES,
        coerce=float,
        empty_value=None,
        widget=QuickSelect,
        error_messages={"invalid_choice": _("Pick a rating from the list.")},
    )


def range_end_field(label: str, *, placeholder: str) -> forms.IntegerField:
    """One end of a range filter: a whole number from 0, empty for an open end."""
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": placeholder}),
    )


def radius_choices(asked: str) -> list[tuple[str, str]]:
    """ "Any distance" and the usual radii, and the one a shared link names when it is another number."""
    choices = [("", _("Any distance"))] + [(str(km), f"{radius_text(km)}") for km in RADIUS_CHOICES]
    asked = (asked or "").strip()
    if asked and asked not in dict(choices) and not radius_problem(asked):  # else the field says what is wrong
        choices.append((asked, radius_text(float(asked))))
    return choices


def _shallow(thing: Any) -> Any:
    """copy.copy of a field or widget (an object with a plain __dict__), without its protocol's overhead."""
    copied = object.__new__(type(thing))
    copied.__dict__.update(thing.__dict__)
    return copied


def _fresh_copy(field: forms.Field) -> forms.Field:
    """What Field.__deepcopy__ makes of `field` (its own widget, widget attributes, messages and
    validators), sharing the choice lists, which the forms here replace and never change in place."""
    copied = _shallow(field)
    copied.widget = widget = _shallow(field.widget)
    widget.attrs = field.widget.attrs.copy()
    copied.error_messages = field.error_messages.copy()
    copied.validators = field.validators[:]
    return copied


_serials = itertools.count(1)


def _choices(field: forms.Field) -> list | None:
    choices = getattr(field.widget, "choices", None)
    return list(choices) if isinstance(choices, list | tuple) else None


class PreparedFields(dict):
    """A form's fields with their genre, country and sort choices set: BaseForm.__init__ deep-copies
    the fields it starts from, and this copies each with `_fresh_copy` instead. `serial` names this
    set of fields within the process."""

    def __init__(self, fields: dict[str, forms.Field]) -> None:
        super().__init__(fields)
        self.serial = next(_serials)

    def __deepcopy__(self, memo) -> dict[str, forms.Field]:
        return {name: _fresh_copy(field) for name, field in self.items()}


@lru_cache(maxsize=64)
def prepared_fields(
    form_class: type[forms.Form], genres: tuple[tuple[str, str], ...], countries: tuple[str, ...], language: str | None
) -> PreparedFields:
    """`form_class`'s fields with these genres (slug, name) and countries offered, in `language`.

    Every search request built its form from scratch: a deep copy of a dozen fields and their choices
    normalised again, about half a millisecond, for lists that change only when a genre or the
    places listed change. A form built from this keeps the prepared lists and copies only what a
    request may change (docs/decisions/0030, which keeps this part of 0027).
    """
    fields = copy.deepcopy(form_class.base_fields)
    fields["genre"].choices = list(genres)
    fields["country"].choices = [("", _("Any country"))] + [(c, country_name(c)) for c in countries]
    form_class.prepare_fields(fields)
    return PreparedFields(fields)


class PlaceGenreFields(forms.Form):
    """Genres and place: the filters that band search, venue search and the gig finder share.

    "Near" (a city: its id, as a city picker sends it, or its name) and "Within" (km) search around a
    city; `near_place` is the parsed pair once the form is clean (None without a place).
    """

    near_place: Near | None = None
    # The cities a "Near" that names several could mean, for the page to offer.
    near_candidates: tuple = ()

    genre = forms.MultipleChoiceField(
        label=_("Genres"),
        required=False,
        widget=GenreCheckboxes,
        error_messages={
            "invalid_choice": _(
                "We do not know the genre “%(value)s” (it may have been renamed); the other genres still apply."
            ),
        },
    )
    near = OneLineField(
        label=_("Near"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("A city, e.g. Leipzig")}),
    )
    within = OneLineField(label=_("Within"), required=False, max_length=12, widget=QuickSelect)
    city = OneLineField(label=_("City"), required=False, max_length=80)
    region = OneLineField(label=_("Region or state"), required=False, max_length=80)
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        widget=QuickSelect,
        error_messages={"invalid_choice": _("Pick a country from the list.")},
    )

    def __init__(self, data: QueryDict, *, genres: Iterable[Genre], countries: Iterable[str]) -> None:
        """A bound form offering `genres` and `countries`, keeping a country a shared link names though
        nothing is there now."""
        self.genre_list = list(genres)
        codes = tuple(countries)
        # BaseForm.__init__ copies its fields from here: the class's, with these lists set.
        self.base_fields = self.prepared = prepared_fields(
            type(self), tuple((g.slug, g.name) for g in self.genre_list), codes, translation.get_language()
        )
        super().__init__(data, label_suffix="")
        asked = data.get("country", "")
        if asked and asked not in codes and asked in all_countries:
            self.fields["country"].choices = [*self.fields["country"].choices, (asked, country_name(asked))]
        self.fields["within"].widget.choices = radius_choices(data.get("within", ""))

    @classmethod
    def prepare_fields(cls, fields: dict[str, forms.Field]) -> None:
        """Set what every form of this class offers alike (a sort list) on its prepared `fields`."""

    def fragment_key(self) -> str:
        """A digest of everything the filter form draws: the query, each field's label, help, widget
        attributes and choices, the errors, the place read from `near`, the language and the time zone
        (dates are named in it). Equal keys draw equal forms, so the drawing can be kept
        (docs/decisions/0025). The fields are named by the serial of the prepared fields they were
        copied from, and only what a request changed in them (a list of choices, a label) is spelled out."""
        fields = []
        prepared = self.prepared
        for name, field in self.fields.items():
            original = prepared.get(name)
            if original is None:
                fields.append((name, str(field.label), str(field.help_text), field.widget.attrs, _choices(field)))
                continue
            changes = [
                part
                for part, mine, theirs in (
                    ("label", field.label, original.label),
                    ("help", field.help_text, original.help_text),
                    ("choices", getattr(field.widget, "choices", None), getattr(original.widget, "choices", None)),
                )
                if mine is not theirs
            ]
            if field.widget.attrs != original.widget.attrs:
                changes.append("attrs")
            if changes:
                fields.append((name, str(field.label), str(field.help_text), field.widget.attrs, _choices(field)))
            else:
                fields.append(name)
        parts = [
            type(self).__name__,
            prepared.serial,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            sorted(self.data.lists()) if isinstance(self.data, QueryDict) else sorted(self.data.items()),
            fields,
            self.errors.get_json_data() if self.is_bound else None,
            str(getattr(self, "cleaned_data", {}).get("near", "")),
        ]
        return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()

    def field_key(self, name: str) -> str:
        """A digest of everything the field group of field `name` draws (bands.templatetags.search_fields):
        its label, help, widget attributes and choices where a request changed them, the value it shows,
        its errors, the language and the time zone. A search with another date or other words draws the
        sidebar's other fields from the fragments cache (docs/decisions/0025)."""
        field, original = self.fields[name], self.prepared.get(name)
        spelled = None
        if (
            original is None
            or field.label is not original.label
            or field.help_text is not original.help_text
            or getattr(field.widget, "choices", None) is not getattr(original.widget, "choices", None)
            or field.widget.attrs != original.widget.attrs
        ):
            spelled = (str(field.label), str(field.help_text), field.widget.attrs, _choices(field))
        errors = self.errors.get(name) if self.is_bound else None
        parts = [
            type(self).__name__,
            self.prepared.serial,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            name,
            spelled,
            self.is_bound,
            self[name].value(),
            errors.get_json_data() if errors else None,
        ]
        return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()

    def clean_near(self):
        self.near_candidates = ()
        value = self.cleaned_data.get("near", "")
        if not value:
            return None
        if isinstance(value, City):  # a city picker's field that gives the city itself
            return value
        try:
            city, others = city_and_others_from_input(value)
        except PlaceNotFound as problem:
            self.near_candidates = tuple((city.label, self.near_query(city.pk)) for city in problem.candidates)
            raise forms.ValidationError(str(problem)) from None
        # The biggest of several cities of that name was taken: the others are offered.
        self.near_candidates = tuple((other.label, self.near_query(other.pk)) for other in others)
        return city

    def clean_within(self) -> float | None:
        value = self.cleaned_data.get("within", "")
        if not value:
            return None
        try:
            return radius_from_input(value)
        except ValueError as problem:
            raise forms.ValidationError(str(problem)) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        city, km = cleaned.get("near"), cleaned.get("within")
        self.near_place = Near(city=city, km=km) if city is not None else None
        if self.near_place is None and "sort" in self.fields and self.data.get("near"):
            # A place that could not be read: nothing to sort by distance from (without one it is not offered).
            widget = self.fields["sort"].widget
            widget.choices = [choice for choice in widget.choices if choice[0] != "distance"]
        if km is not None and city is None and "near" not in self.errors:
            self.add_error("within", _("Pick a place under “Near” to search within a distance of it."))
        return cleaned

    def near_query(self, city_id: int) -> str:
        """This search's query string with `near` set to one city (by id), for "did you mean" links."""
        pairs = [(k, v) for k, values in self.data.lists() if k not in ("near", "page") for v in values if v]
        return "?" + urlencode([*pairs, ("near", city_id)])


BY_DISTANCE = ("distance", _("Nearest first"))


def filter_problems(form) -> list[str]:
    """One line per filter of `form` that was left out; a place that names several cities is left to
    the list of them ("Which place do you mean?")."""
    return [
        f"{form[name].label}: {' '.join(errors)}"
        for name, errors in form.errors.items()
        if not (name == "near" and form.near_candidates)
    ]


def sort_or_default(sort: str | None, near: Near | None, *, default: str) -> str:
    """The sort asked for; without one, nearest first when a place is given. Nearest first without a
    place (a link whose place was cleared) falls back to `default`."""
    if not sort:
        return "distance" if near is not None else default
    if sort == "distance" and near is None:
        return default
    return sort


def near_chip(form, near: Near) -> dict[str, str]:
    """The active-filter chip of a place search; clearing it clears the radius and "would travel" too."""
    return {"label": near.label, "clear": form._query_without("near", "within", "travels_here")}


class SearchForm(PlaceGenreFields):
    """Text, genres, place and sort: what band and venue searches share."""

    q = OneLineField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search"}),
    )
    min_rating = min_rating_field()
    sort = forms.ChoiceField(label=_("Sort by"), required=False, widget=QuickSelect)

    sort_choices: list[tuple[str, str]] = [
        ("name", _("Name (A–Z)")),
        ("newest", _("Newest first")),
        ("rating", _("Best rated first")),
    ]
    # Query parameters that are ranges, as (low field, high field, what the pair is called).
    ranges: list[tuple[str, str, str]] = []
    # The chips of each range, by its low field: (both ends given, only the low end, only the high end).
    range_labels: dict[str, tuple[str, str, str]] = {}

    @classmethod
    def prepare_fields(cls, fields: dict[str, forms.Field]) -> None:
        fields["sort"].choices = [*cls.sort_choices, BY_DISTANCE]

    def __init__(self, data: QueryDict, *, genres: Iterable[Genre], countries: Iterable[str]) -> None:
        super().__init__(data, genres=genres, countries=countries)
        # "Nearest first" is offered, and first, only when a place is given.
        self.fields["sort"].widget.choices = (
            [BY_DISTANCE, *self.sort_choices] if data.get("near") else self.sort_choices
        )
        # The range filters sit between the place and the sort.
        ranges = (n for r in self.ranges for n in r[:2])
        self.order_fields(["q", "genre", "near", "within", "city", "region", "country", *ranges, "min_rating", "sort"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for low, high, what in self.ranges:
            lo, hi = cleaned.get(low), cleaned.get(high)
            if lo is not None and hi is not None and lo > hi:
                self.add_error(high, _("The highest %(what)s cannot be less than the lowest.") % {"what": what})
                cleaned.pop(low, None)
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for the search selector: every filter that parsed.

        A genre list with unknown slugs keeps the genres we know; a bad sort falls back
        to sorting by name; any other bad filter is left out.
        """
        self.is_valid()
        data = self.cleaned_data
        known = {g.slug for g in self.genre_list}
        genres = [slug for slug in self.data.getlist("genre") if slug in known]
        result: dict[str, Any] = {
            "q": data.get("q", ""),
            "genres": list(dict.fromkeys(genres)),
            "near": self.near_place,
            "city": data.get("city", ""),
            "region": data.get("region", ""),
            "country": data.get("country", ""),
            "sort": sort_or_default(data.get("sort"), self.near_place, default="name"),
            "min_rating": data.get("min_rating"),
        }
        for low, high, _what in self.ranges:
            result[low] = data.get(low)
            result[high] = data.get(high)
        return result

    @property
    def problems(self) -> list[str]:
        """One line per filter that was left out, for the results area."""
        return filter_problems(self)

    def active_filters(self) -> list[dict[str, str]]:
        """The filters in use, each with the query string that clears it alone."""
        filters = self.filters()
        genre_names = {g.slug: g.name for g in self.genre_list}
        chips = []
        if filters["q"]:
            chips.append({"label": f"“{filters['q']}”", "clear": self._query_without("q")})
        for slug in filters["genres"]:
            chips.append({"label": genre_names[slug], "clear": self._query_without(genre=slug)})
        if filters["near"] is not None:
            chips.append(near_chip(self, filters["near"]))
        for name in ("city", "region"):
            if filters[name]:
                chips.append({"label": f"{self[name].label}: {filters[name]}", "clear": self._query_without(name)})
        if filters["country"]:
            chips.append({"label": country_name(filters["country"]), "clear": self._query_without("country")})
        for low, high, _what in self.ranges:
            lo, hi = filters[low], filters[high]
            if lo is not None or hi is not None:
                chips.append({"label": self.range_label(low, lo, hi), "clear": self._query_without(low, high)})
        if filters["min_rating"] is not None:
            chips.append(
                {
                    "label": gettext("{stars} stars and up").format(stars=rating_text(filters["min_rating"])),
                    "clear": self._query_without("min_rating"),
                }
            )
        return chips

    def range_label(self, low: str, lo: int | None, hi: int | None) -> str:
        """ "Fee 100–500", "Fee from 100", "Fee up to 500"."""
        between, at_least, at_most = self.range_labels[low]
        values = {
            "low": "" if lo is None else number_format(lo, force_grouping=True),
            "high": "" if hi is None else number_format(hi, force_grouping=True),
        }
        if lo is not None and hi is not None:
            return between % values
        return (at_least if lo is not None else at_most) % values

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


# Parts of a day a booker can ask for: (label, local start, local end; None is the next midnight).
PARTS_OF_DAY: dict[str, tuple[str, dt.time, dt.time | None]] = {
    "evening": (_("Evening (18:00–24:00)"), dt.time(18), None),
    "afternoon": (_("Afternoon (12:00–18:00)"), dt.time(12), dt.time(18)),
    "day": (_("All day"), dt.time(0), None),
}
# Longest window a band must be free for in one search.
MAX_FREE_WINDOW = dt.timedelta(days=14)


def local_window(day: dt.date, part: str, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """A part of a local day as an aware (start, end), DST-correct (an evening may be 5 or 7 hours)."""
    _label, opens, closes = PARTS_OF_DAY[part]
    return local_span(day, opens, closes, zone)


class BandSearchForm(SearchForm):
    """The shared filters, the fee range, and "free on a day" or "free between" in the viewer's time zone."""

    fee_min = range_end_field(_("Fee from"), placeholder="0")
    fee_max = range_end_field(_("Fee up to"), placeholder=_("Any"))
    free_on = BoundedDateField(
        bound=Bound.PLAN,
        label=_("Free on"),
        required=False,
        widget=IsoDateInput(),
        error_messages={"invalid": _("Enter a date, like 2026-06-13.")},
    )
    part = forms.ChoiceField(
        label=_("Part of the day"),
        required=False,
        choices=[(key, label) for key, (label, _opens, _closes) in PARTS_OF_DAY.items()],
        widget=QuickSelect,
        error_messages={"invalid_choice": _("Pick evening, afternoon or all day.")},
    )
    free_from = BoundedDateTimeField(
        bound=Bound.PLAN,
        label=_("Free from"),
        required=False,
        widget=IsoDateTimeInput(),
        error_messages={"invalid": _("Enter a date and time, like 2026-06-13 18:00.")},
    )
    free_until = BoundedDateTimeField(
        bound=Bound.PLAN,
        label=_("Free until"),
        required=False,
        widget=IsoDateTimeInput(),
        error_messages={"invalid": _("Enter a date and time, like 2026-06-14 01:00.")},
    )

    travels_here = forms.BooleanField(
        label=_("Would travel here"),
        required=False,
        help_text=_("Bands that say they travel at least as far as from their home to the place above."),
    )

    ranges = [("fee_min", "fee_max", _("fee"))]
    range_labels = {"fee_min": (_("Fee %(low)s–%(high)s"), _("Fee from %(low)s"), _("Fee up to %(high)s"))}
    # By the band's lowest fee (its highest when it gives only that); bands without a fee come last.
    sort_choices = [*SearchForm.sort_choices, ("fee", _("Lowest fee first")), ("-fee", _("Highest fee first"))]

    def __init__(self, *args, time_zone: str | None = None, now: dt.datetime | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Dates and times typed in are the viewer's wall-clock time (the middleware activates their zone).
        self.zone = zoneinfo.ZoneInfo(time_zone) if time_zone else timezone.get_current_timezone()
        self.now = now or timezone.now()
        self.free_between: tuple[dt.datetime, dt.datetime] | None = None
        # "Free on a day": (day, opens, closes), read on each band's own clock.
        self.free_on_local: tuple[dt.date, dt.time, dt.time | None] | None = None
        self._result_notes: dict[str, str] = {}  # time zone -> result_note's words

    @property
    def time_zone_name(self) -> str:
        return str(self.zone)

    def full_clean(self) -> None:
        # Naive date-times parse in the current zone: make it the viewer's, whoever renders the form.
        if self.zone == timezone.get_current_timezone():
            super().full_clean()
            return
        with timezone.override(self.zone):
            super().full_clean()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("travels_here") and self.near_place is None and "near" not in self.errors:
            self.add_error("travels_here", _("Pick a place under “Near” to find the bands that would travel there."))
        self.free_between = None
        self.free_on_local = None
        day, start, end = cleaned.get("free_on"), cleaned.get("free_from"), cleaned.get("free_until")
        if day and (start or end):
            self.add_error("free_on", _("Search one day or a from–until range, not both; clear one of them."))
            for name in ("free_on", "free_from", "free_until"):
                cleaned.pop(name, None)
            return cleaned
        if day and "part" in self.errors:
            return cleaned
        try:
            if day:
                part = cleaned.get("part") or "evening"
                self._day_window(day, part)
                _label, opens, closes = PARTS_OF_DAY[part]
                self.free_on_local = (day, opens, closes)
            elif start or end:
                self.free_between = self._range_window(start, end)
        except forms.ValidationError as error:
            field = "free_on" if day else "free_until" if start and end else "free_from" if end else "free_until"
            self.add_error(field, error)
        return cleaned

    def _known_until(self) -> dt.datetime:
        return availability_horizon(self.now)[1]

    def _day_window(self, day: dt.date, part: str) -> tuple[dt.datetime, dt.datetime]:
        today = self.now.astimezone(self.zone).date()
        last = (self._known_until() - dt.timedelta(days=1)).astimezone(self.zone).date()
        if day < today:
            raise forms.ValidationError(_("That day has passed; pick today or a later day."))
        if day > last:
            raise forms.ValidationError(
                _("We know who is free up to %(day)s; pick an earlier day.") % {"day": date_format(last, "DAY_FORMAT")}
            )
        start, end = local_window(day, part, self.zone)
        if end <= self.now:
            raise forms.ValidationError(_("That part of the day has passed; pick a later one."))
        return start, end

    def _range_window(self, start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
        if start is None:
            raise forms.ValidationError(_("Add when the band must be free from."))
        if end is None:
            raise forms.ValidationError(_("Add when the band must be free until."))
        today, known = self.now.astimezone(self.zone).date(), self._known_until().astimezone(self.zone).date()
        try:
            start, end = start.astimezone(self.zone), end.astimezone(self.zone)
        except OverflowError:
            # A year like 0001 or 9999 has no UTC equivalent.
            raise forms.ValidationError(
                _("Pick a time between today and %(day)s.") % {"day": date_format(known, "DAY_FORMAT")}
            ) from None
        if end.date() < today:
            raise forms.ValidationError(_("That time has passed; pick a later one."))
        if start.date() > known:
            raise forms.ValidationError(
                _("We know who is free up to %(day)s; pick an earlier time.")
                % {"day": date_format(known, "DAY_FORMAT")}
            )
        if end <= start:
            raise forms.ValidationError(_("The end must be after the start."))
        if end - start > MAX_FREE_WINDOW:
            raise forms.ValidationError(_("Search at most 14 days at a time."))
        if end <= self.now:
            raise forms.ValidationError(_("That time has passed; pick a later one."))
        if end > self._known_until():
            raise forms.ValidationError(
                _("We know who is free up to %(day)s; pick an earlier time.")
                % {"day": date_format(known, "DAY_FORMAT")}
            )
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    def filters(self) -> dict[str, Any]:
        """The shared filters plus `free_between` ((start, end) in UTC, or None) and `free_on_local`
        ((day, opens, closes) on each band's clock, or None)."""
        result = super().filters()
        result["travels_here"] = bool(self.cleaned_data.get("travels_here")) and self.near_place is not None
        result["free_between"] = self.free_between
        result["free_on_local"] = self.free_on_local
        result["now"] = self.now
        return result

    def result_note(self, band) -> str:
        """When a found band is free, on its own clock and zone ("free Fri 12 Mar, 18:00–24:00 Europe/Berlin").

        The note depends on the band's zone only: a page of bands in a few zones words it a few times."""
        if band.time_zone not in self._result_notes:
            self._result_notes[band.time_zone] = self._result_note_in(band.time_zone)
        return self._result_notes[band.time_zone]

    def _result_note_in(self, time_zone: str) -> str:
        try:
            zone = zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return ""
        if self.free_on_local is not None:
            day, opens, closes = self.free_on_local
            until = pgettext("end of the day", "24:00") if closes is None else time_format(closes, "CLOCK_FORMAT")
            return gettext("free %(day)s, %(opens)s–%(until)s %(zone)s") % {
                "day": date_format(day, "WEEKDAY_MONTH_FORMAT"),
                "opens": time_format(opens, "CLOCK_FORMAT"),
                "until": until,
                "zone": zone_name(zone),
            }
        if self.free_between is not None:
            start, end = (moment.astimezone(zone) for moment in self.free_between)
            until = _until_text(start, end)
            return gettext("free %(start)s–%(until)s %(zone)s") % {
                "start": date_format(start, "WEEKDAY_MONTH_TIME_FORMAT"),
                "until": until,
                "zone": zone_name(zone),
            }
        return ""

    def active_filters(self) -> list[dict[str, str]]:
        chips = super().active_filters()
        if self.cleaned_data.get("travels_here") and self.near_place is not None:
            chips.append(
                {
                    "label": gettext("Would travel to %(city)s") % {"city": self.near_place.city.name},
                    "clear": self._query_without("travels_here"),
                }
            )
        if self.free_between is None and self.free_on_local is None:
            return chips
        data = self.cleaned_data
        if data.get("free_on"):
            day = date_format(data["free_on"], "WEEKDAY_MONTH_FORMAT")
            label = {
                "evening": gettext("Free %(day)s, evening"),
                "afternoon": gettext("Free %(day)s, afternoon"),
                "day": gettext("Free %(day)s, all day"),
            }[data.get("part") or "evening"] % {"day": day}
            chips.append({"label": label, "clear": self._query_without("free_on", "part")})
        else:
            start, end = (moment.astimezone(self.zone) for moment in self.free_between)
            label = gettext("Free %(start)s–%(until)s") % {
                "start": date_format(start, "WEEKDAY_MONTH_TIME_FORMAT"),
                "until": _until_text(start, end),
            }
            chips.append({"label": label, "clear": self._query_without("free_from", "free_until")})
        return chips
