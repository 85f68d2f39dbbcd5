"""Picking a city in a form: a combobox that suggests cities as one types (static/js/places.js), and
the server-side reading of what was sent, which also works without JavaScript."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .geo import great_circle_km, point_problem
from .models import City
from .selectors import city_pick, city_text_names
from .zones import zone_proposed

PICK_FROM_LIST = _("Pick your city from the list.")
UNKNOWN_CITY = _(
    "We know no city called “%(text)s”. Pick your city from the list as you type; "
    "if yours is a small town, pick the nearest city."
)
SEVERAL_CITIES = _("Several cities are called “%(text)s”. Pick yours: %(names)s.")
# An exact point further than this from the venue's city is more likely a slip than a venue.
POINT_NEAR_CITY_KM = 100


def population_hint(city: City) -> str:
    """ "504,971 people", to tell two cities of one name apart."""
    if not city.population:
        return ""
    count = number_format(city.population, force_grouping=True)
    return ngettext("%(count)s person", "%(count)s people", city.population) % {"count": count}


class CityAutocompleteWidget(forms.Widget):
    """A text input with role=combobox that lists matching cities under it, and a hidden input with
    the picked city's id (`<name>_id`). Without JavaScript the typed text is sent and matched; when
    it names several cities, they are offered as radio buttons of the same `<name>_id`."""

    def __init__(self, attrs: dict | None = None, *, zone_note: str = _("Proposed from the city you picked.")) -> None:
        super().__init__(attrs)
        self.zone_note = zone_note
        self.candidates: list[City] = []

    def value_from_datadict(self, data, files, name) -> tuple[str, str]:
        getlist = getattr(data, "getlist", None)
        ids = getlist(f"{name}_id") if getlist else [data.get(f"{name}_id", "")]
        # The hidden input comes first, a checked candidate after it: the last one given wins.
        picked = [i for i in ids if i]
        return (picked[-1] if picked else "", data.get(name, ""))

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data and f"{name}_id" not in data

    def format_value(self, value) -> tuple[str, str]:
        if isinstance(value, City):
            return (str(value.pk), value.label)
        if isinstance(value, (tuple, list)) and len(value) == 2:
            return (str(value[0] or ""), str(value[1] or ""))
        return ("", "")

    def render(self, name, value, attrs=None, renderer=None) -> str:
        picked_id, text = self.format_value(value)
        final = self.build_attrs(self.attrs, attrs)
        input_id = final.get("id") or f"id_{name}"
        listbox_id, status_id = f"{input_id}-listbox", f"{input_id}-status"
        text_attrs = {
            **final,
            "type": "text",
            "name": name,
            "id": input_id,
            "value": text,
            "role": "combobox",
            "aria-autocomplete": "list",
            "aria-expanded": "false",
            "aria-controls": listbox_id,
            "autocomplete": "off",
            "spellcheck": "false",
        }
        text_attrs.pop("required", None)
        context = {
            "url": reverse("places:cities"),
            "zone_note": self.zone_note,
            "text_attrs": flatatt(text_attrs),
            "name": name,
            "picked_id": picked_id,
            "listbox_id": listbox_id,
            "status_id": status_id,
            "typed": text.split(",")[0].strip(),
            "candidates": [(city, population_hint(city)) for city in self.candidates],
        }
        return render_to_string("places/widgets/city_picker.html", context)


class CityField(forms.Field):
    """A city of the gazetteer, picked from the suggestions or typed (then matched, never guessed)."""

    widget = CityAutocompleteWidget
    default_error_messages = {"required": PICK_FROM_LIST, "unknown": UNKNOWN_CITY, "several": SEVERAL_CITIES}

    def __init__(self, *, zone_note: str = "", **kwargs) -> None:
        kwargs.setdefault("label", _("City"))
        kwargs.setdefault(
            "help_text", _("Start typing and pick your city from the list. Small towns: pick the nearest city.")
        )
        super().__init__(**kwargs)
        if zone_note:
            self.widget.zone_note = zone_note

    def prepare_value(self, value):
        return self.widget.format_value(value)

    def has_changed(self, initial, data) -> bool:
        return self.widget.format_value(initial) != self.widget.format_value(data)

    def clean(self, value) -> City | None:
        picked_id, text = self.widget.format_value(value)
        text = text.strip()[:200]
        if not text:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        if picked_id.isdigit():
            # The id of a city picked from the list, as long as the text still names that city (typing
            # without JavaScript leaves the old id beside a new name).
            city = City.objects.filter(pk=int(picked_id)).first()
            if city is not None and city_text_names(city, text):
                return city
        city, candidates = city_pick(text)
        if city is not None:
            return city
        if candidates:
            self.widget.candidates = candidates
            names = "; ".join(c.label for c in candidates)
            raise ValidationError(self.error_messages["several"], code="several", params={"text": text, "names": names})
        raise ValidationError(self.error_messages["unknown"], code="unknown", params={"text": text})


def city_text(city_name: str, region: str, country) -> str:
    """What a city field shows for a row's stored names ("Leipzig, Germany"), read without a query."""
    country_name = getattr(country, "name", "") if country else ""
    return ", ".join(p for p in (city_name, region, country_name) if p)


class PlaceFormMixin:
    """For a ModelForm over a row with `place` and the text fields that repeat its names (city, region,
    country): shows the stored names in the city field without a query, and proposes the time zone
    from where the row is when its place changes and the zone was left as it was."""

    place_field = "place"
    zone_field = "time_zone"

    def place_initial(self) -> None:
        instance = self.instance
        if instance.pk:
            # In place of the bare id that model_to_dict gives.
            self.initial[self.place_field] = (
                instance.place_id or "",
                city_text(instance.city, instance.region, instance.country),
            )
        self.zone_proposed = ""

    def place_unchanged_unmatched(self) -> bool:
        """Whether the city field still holds the row's old text that names no single city (rows from
        before the gazetteer: staff match them; the row's other fields can still be saved)."""
        if not self.instance.pk or self.instance.place_id:
            return False
        _, initial_text = self.fields[self.place_field].widget.format_value(self.initial.get(self.place_field))
        _, text = self.fields[self.place_field].widget.format_value(self[self.place_field].data)
        return bool(initial_text) and text.strip() == initial_text

    def clean_place_keeping_old_text(self, data: dict) -> None:
        """An unchanged, unmatched old city stays as it was (and off the cleaned data) instead of
        failing the whole form."""
        if self.place_field in self.errors and self.place_unchanged_unmatched():
            del self.errors[self.place_field]
            data.pop(self.place_field, None)
            self.fields[self.place_field].widget.candidates = []

    def propose_time_zone(self, data: dict, *, latitude=None, longitude=None, point_changed: bool = False) -> None:
        """Set the zone from the place when the place (or the point) changed and the zone select was
        left at the value it was shown with."""
        if self.zone_field not in self.fields or self.zone_field in self.errors:
            return
        if self.place_field not in data:
            return
        place = data[self.place_field]
        place_changed = (place.pk if place else None) != (self.instance.place_id if self.instance.pk else None)
        if not (place_changed or point_changed):
            return
        shown = self[self.zone_field].initial
        if data.get(self.zone_field) != shown:
            return  # chosen by the person (or already proposed in their browser)
        proposed = zone_proposed(city=place, latitude=latitude, longitude=longitude)
        if proposed and proposed != data.get(self.zone_field):
            data[self.zone_field] = proposed
            self.zone_proposed = proposed


def coordinate_field(label: str, limit: int, example: str) -> forms.CharField:
    """A latitude or longitude input: text on the server (so that "abc" gets our own message), a
    number input in the browser, which a map can fill in."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=32,
        widget=forms.NumberInput(
            attrs={"step": "any", "min": -limit, "max": limit, "inputmode": "decimal", "placeholder": example}
        ),
    )


def point_clean(form: forms.Form, data: dict, *, city: City | None) -> tuple[float, float] | None:
    """Read the optional exact point of `latitude` and `longitude`; both empty means the city's
    point (None). Adds the errors beside the fields and returns None when they are wrong."""
    raw = {n: (data.get(n) or "").strip().replace(",", ".") for n in ("latitude", "longitude")}
    if not raw["latitude"] and not raw["longitude"]:
        return None
    missing = {
        "latitude": gettext("Enter the latitude too, or clear the longitude to use the city’s point."),
        "longitude": gettext("Enter the longitude too, or clear the latitude to use the city’s point."),
    }
    for name, message in missing.items():
        if not raw[name]:
            form.add_error(name, message)
    if form.has_error("latitude") or form.has_error("longitude"):
        return None
    not_numbers = {
        "latitude": gettext("Enter the latitude as a number, e.g. 51.34."),
        "longitude": gettext("Enter the longitude as a number, e.g. 12.37."),
    }
    for name, message in not_numbers.items():
        try:
            float(raw[name])
        except ValueError:
            form.add_error(name, message)
    if form.has_error("latitude") or form.has_error("longitude"):
        return None
    if problem := point_problem(raw["latitude"], raw["longitude"]):
        form.add_error("longitude" if "longitude must" in problem else "latitude", problem)
        return None
    lat, lon = float(raw["latitude"]), float(raw["longitude"])
    if city is not None and (km := great_circle_km(lat, lon, city.latitude, city.longitude)) > POINT_NEAR_CITY_KM:
        form.add_error(
            "latitude",
            gettext(
                "That point is %(km)s km from %(city)s. Check the numbers (latitude first), "
                "or pick the city the venue is in."
            )
            % {"km": number_format(round(km), force_grouping=True), "city": city.name},
        )
        return None
    return lat, lon
