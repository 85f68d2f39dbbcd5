"""The search filters of /bands/ (and, through SearchForm, of /venues/).

A search never refuses to answer: a filter that does not parse gets a message next
to its field and is left out of the search, while the other filters still apply.
"""

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django_countries import countries as all_countries

from .models import Genre

# Larger numbers would overflow the database's integer columns.
MAX_AMOUNT = 1_000_000_000


class GenreCheckboxes(forms.CheckboxSelectMultiple):
    """Genre chips: checkboxes styled as toggle buttons (see discovery.css), built in one pass.

    Django renders every option through a template; with thirty genres that was a
    third of the search page's server time. The markup is the same.
    """

    def render(self, name, value, attrs=None, renderer=None) -> str:
        final_attrs = self.build_attrs(self.attrs, attrs)
        base_id = final_attrs.pop("id", f"id_{name}")
        final_attrs.pop("aria-describedby", None)
        chosen = {str(v) for v in (value or [])}
        options = format_html_join(
            "",
            '<label for="{0}_{1}"><input type="checkbox" name="{2}" value="{3}" id="{0}_{1}"{4}{5}> {6}</label>',
            (
                (
                    base_id,
                    i,
                    name,
                    slug,
                    mark_safe(" checked") if str(slug) in chosen else "",
                    flatatt(final_attrs),
                    label,
                )
                for i, (slug, label) in enumerate(self.choices)
            ),
        )
        return format_html('<div id="{}" class="chips">{}</div>', base_id, options)


class QuickSelect(forms.Select):
    """A <select> built in one pass, for the same reason as GenreCheckboxes."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((v, mark_safe(" selected") if str(v) == selected else "", label) for v, label in self.choices),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


def range_end_field(label: str, *, placeholder: str) -> forms.IntegerField:
    """One end of a range filter: a whole number from 0, empty for an open end."""
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": placeholder}),
    )


class SearchForm(forms.Form):
    """Text, genres, place and sort: what band and venue searches share."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search"}),
    )
    genre = forms.MultipleChoiceField(
        label="Genres",
        required=False,
        widget=GenreCheckboxes,
        error_messages={
            "invalid_choice": "We do not know the genre “%(value)s” (it may have been renamed); "
            "the other genres still apply.",
        },
    )
    city = forms.CharField(label="City", required=False, max_length=80)
    region = forms.CharField(label="Region or state", required=False, max_length=80)
    country = forms.ChoiceField(
        label="Country",
        required=False,
        widget=QuickSelect,
        error_messages={"invalid_choice": "Pick a country from the list."},
    )
    sort = forms.ChoiceField(label="Sort by", required=False, widget=QuickSelect)

    sort_choices: list[tuple[str, str]] = [("name", "Name (A–Z)"), ("newest", "Newest first")]
    # Query parameters that are ranges, as (low field, high field, what the pair is called).
    ranges: list[tuple[str, str, str]] = []

    def __init__(self, data: QueryDict, *, genres: Iterable[Genre], countries: Iterable[str]) -> None:
        super().__init__(data, label_suffix="")
        self.genre_list = list(genres)
        self.fields["genre"].choices = [(g.slug, g.name) for g in self.genre_list]
        codes = list(countries)
        asked = data.get("country", "")
        if asked and asked not in codes and asked in all_countries:
            # A shared link may name a country that has no listings at the moment.
            codes.append(asked)
        self.fields["country"].choices = [("", "Any country")] + [(c, all_countries.name(c)) for c in codes]
        self.fields["sort"].choices = self.sort_choices
        # The range filters sit between the place and the sort.
        self.order_fields(["q", "genre", "city", "region", "country", *(n for r in self.ranges for n in r[:2]), "sort"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for low, high, what in self.ranges:
            lo, hi = cleaned.get(low), cleaned.get(high)
            if lo is not None and hi is not None and lo > hi:
                self.add_error(high, f"The highest {what} cannot be less than the lowest.")
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
            "city": data.get("city", ""),
            "region": data.get("region", ""),
            "country": data.get("country", ""),
            "sort": data.get("sort") or "name",
        }
        for low, high, _ in self.ranges:
            result[low] = data.get(low)
            result[high] = data.get(high)
        return result

    @property
    def problems(self) -> list[str]:
        """One line per filter that was left out, for the results area."""
        return [f"{self[name].label}: {' '.join(errors)}" for name, errors in self.errors.items()]

    def active_filters(self) -> list[dict[str, str]]:
        """The filters in use, each with the query string that clears it alone."""
        filters = self.filters()
        genre_names = {g.slug: g.name for g in self.genre_list}
        chips = []
        if filters["q"]:
            chips.append({"label": f"“{filters['q']}”", "clear": self._query_without("q")})
        for slug in filters["genres"]:
            chips.append({"label": genre_names[slug], "clear": self._query_without(genre=slug)})
        for name in ("city", "region"):
            if filters[name]:
                chips.append({"label": f"{self[name].label}: {filters[name]}", "clear": self._query_without(name)})
        if filters["country"]:
            chips.append({"label": all_countries.name(filters["country"]), "clear": self._query_without("country")})
        for low, high, what in self.ranges:
            lo, hi = filters[low], filters[high]
            if lo is not None or hi is not None:
                chips.append({"label": self.range_label(what, lo, hi), "clear": self._query_without(low, high)})
        return chips

    def range_label(self, what: str, lo: int | None, hi: int | None) -> str:
        if lo is not None and hi is not None:
            return f"{what.capitalize()} {lo:,}–{hi:,}"
        if lo is not None:
            return f"{what.capitalize()} from {lo:,}"
        return f"{what.capitalize()} up to {hi:,}"

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


class BandSearchForm(SearchForm):
    fee_min = range_end_field("Fee from", placeholder="0")
    fee_max = range_end_field("Fee up to", placeholder="Any")

    ranges = [("fee_min", "fee_max", "fee")]
