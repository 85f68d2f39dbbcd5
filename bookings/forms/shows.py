"""Input parsing for shows: hosting one, asking for and handing over support places, tickets, the
running order."""

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format, time_format
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from availability.engine import local_exists, local_to_utc
from bands.models import Band, Currency, Genre
from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import IsoDateInput, OneLineField, TimeZoneField
from core.fields.scheduling import check_scheduled_days, scheduling_first_day, scheduling_today
from core.fields.timezones import zone_name
from places.forms import CityField
from venues.models import Slot, Venue

from ..services.shows import ActTimes, TicketLine

MAX_FEE = 1_000_000


def _time(described_by: str = "") -> forms.TimeInput:
    attrs = {"type": "time"}
    if described_by:
        attrs["aria-describedby"] = described_by
    return forms.TimeInput(attrs=attrs, format="%H:%M")


class ServiceErrorsMixin:
    """Puts a service's ValidationError next to the fields it names."""

    FIELD_FOR: dict[str, str] = {}

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, messages in exc.message_dict.items():
            field = self.FIELD_FOR.get(name, name)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class ShowHostForm(ServiceErrorsMixin, forms.Form):
    """A show a band hosts: when (local date, doors, start, end, zone), where, what, and its support places."""

    FIELD_FOR = {"starts_at": "start", "ends_at": "end", "doors_at": "doors"}

    band = forms.ModelChoiceField(label=_("Hosting band"), queryset=Band.objects.none(), empty_label=None)
    title = OneLineField(label=_("Title"), max_length=120, help_text=_("e.g. “Release show” or “Garden Fest 2027”."))
    date = BoundedDateField(bound=Bound.PLAN, label=_("Date"), widget=IsoDateInput())
    doors = forms.TimeField(label=_("Doors"), required=False, widget=_time())
    start = forms.TimeField(label=_("Music starts"), widget=_time())
    end = forms.TimeField(label=_("Ends"), widget=_time("show-times-help"))
    time_zone = TimeZoneField(label=_("Time zone"), help_text=_("Where the show is; the times above are in this zone."))
    place_venue = forms.ModelChoiceField(
        label=_("Venue on StageSlot"),
        queryset=Venue.objects.filter(status="approved").order_by("name"),
        required=False,
        help_text=_("Or leave empty and type the place below."),
    )
    place_name = OneLineField(label=_("Place"), max_length=120, required=False)
    place_address = OneLineField(label=_("Address"), max_length=200, required=False)
    place = CityField(
        label=_("City"),
        required=False,
        zone_note=_("Proposed from the show’s city."),
        help_text=_(
            "Start typing and pick the city from the list; it puts the show on the map and in distance searches."
        ),
    )
    genres = forms.ModelMultipleChoiceField(
        label=_("Genres"), queryset=Genre.objects.order_by("name"), required=False, widget=forms.CheckboxSelectMultiple
    )
    support_places = forms.IntegerField(
        label=_("Support places"),
        min_value=0,
        max_value=Slot.MAX_SUPPORT_PLACES,
        initial=1,
        help_text=format_lazy(_("How many support acts you are looking for (0–{max})."), max=Slot.MAX_SUPPORT_PLACES),
    )
    fee = forms.IntegerField(
        label=_("Fee for each support act"),
        required=False,
        min_value=0,
        max_value=MAX_FEE,
        error_messages={"min_value": _("A fee cannot be negative.")},
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.EUR)
    support_terms = OneLineField(
        label=_("Or the deal in words"),
        max_length=200,
        required=False,
        help_text=_("e.g. “door split 70/30 after costs”."),
    )

    def __init__(self, *args, bands=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["band"].queryset = Band.objects.filter(pk__in=[b.pk for b in bands]).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, start, end, zone_key = (data.get(n) for n in ("date", "start", "end", "time_zone"))
        zone = zoneinfo.ZoneInfo(zone_key) if zone_key else None
        today = scheduling_today(zone)
        if not check_scheduled_days(self, ["date"], today=today, earliest=scheduling_first_day(today)):
            return data
        if None in (day, start, end) or zone is None:
            return data
        starts = dt.datetime.combine(day, start)
        ends = dt.datetime.combine(day if end > start else day + dt.timedelta(days=1), end)
        doors = data.get("doors")
        doors_at = None
        if doors is not None:
            doors_at = dt.datetime.combine(day if doors <= start else day - dt.timedelta(days=1), doors)
        for name, wall in (("start", starts), ("end", ends), ("doors", doors_at)):
            if wall is not None and not local_exists(wall, zone):
                self.add_error(
                    name,
                    gettext("%(time)s does not exist on %(day)s in %(zone)s.")
                    % {
                        "time": time_format(wall, "CLOCK_FORMAT"),
                        "day": date_format(wall, "DAY_MONTH_FORMAT"),
                        "zone": zone_name(zone),
                    },
                )
        if not self.errors:
            data["starts_at"] = local_to_utc(starts, zone)
            data["ends_at"] = local_to_utc(ends, zone)
            data["doors_at"] = local_to_utc(doors_at, zone) if doors_at else None
        return data

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "band": d["band"],
            "starts_at": d["starts_at"],
            "ends_at": d["ends_at"],
            "doors_at": d["doors_at"],
            "time_zone": d["time_zone"],
            "title": d["title"],
            "genres": d["genres"],
            "place_venue": d["place_venue"],
            "place_name": d["place_name"],
            "place_address": d["place_address"],
            "place": d["place"],
            "fee": d["fee"],
            "currency": d["currency"],
            "support_terms": d["support_terms"],
            "support_places": d["support_places"],
        }


class ShowApplyForm(ServiceErrorsMixin, forms.Form):
    """A band applies for a support place on a show."""

    band = forms.ModelChoiceField(label=_("Band"), queryset=Band.objects.none(), empty_label=None)
    message = forms.CharField(
        label=_("Message to the headliner"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, bands=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["band"].queryset = Band.objects.filter(pk__in=[b.pk for b in bands]).order_by("name")


class BillMessageForm(ServiceErrorsMixin, forms.Form):
    body = forms.CharField(
        label=_("Message to everyone on the bill"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SupportAskForm(ServiceErrorsMixin, forms.Form):
    places = forms.IntegerField(label=_("Support places to fill"), min_value=0, max_value=Slot.MAX_SUPPORT_PLACES)


class SupportPickerForm(ServiceErrorsMixin, forms.Form):
    picker = forms.ChoiceField(label=_("Who fills the support places"), choices=Slot.SupportPicker.choices)


class TicketsForm(ServiceErrorsMixin, forms.Form):
    """How people get in: up to five ticket links with a price range, free entry or pay at the door."""

    ROWS = 3

    entry = forms.ChoiceField(label=_("Entry"), choices=Slot.Entry.choices, widget=forms.RadioSelect)
    sold_out = forms.BooleanField(label=_("Sold out"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for i in range(self.ROWS):
            self.fields[f"label_{i}"] = OneLineField(
                label=gettext("Ticket %(n)s: label") % {"n": i + 1}, max_length=60, required=False
            )
            # A plain text field: the service says what is wrong with an address (javascript:, ftp:…).
            self.fields[f"url_{i}"] = OneLineField(
                label=gettext("Ticket %(n)s: link") % {"n": i + 1}, max_length=300, required=False
            )
            self.fields[f"price_min_{i}"] = forms.DecimalField(
                label=gettext("Ticket %(n)s: from") % {"n": i + 1}, required=False, max_digits=7, decimal_places=2
            )
            self.fields[f"price_max_{i}"] = forms.DecimalField(
                label=gettext("Ticket %(n)s: up to") % {"n": i + 1}, required=False, max_digits=7, decimal_places=2
            )

    def ticket_lines(self) -> list[TicketLine]:
        d = self.cleaned_data
        lines = []
        for i in range(self.ROWS):
            label, url = d.get(f"label_{i}", ""), d.get(f"url_{i}", "")
            pmin: Decimal | None = d.get(f"price_min_{i}")
            pmax: Decimal | None = d.get(f"price_max_{i}")
            if label or url or pmin is not None or pmax is not None:
                lines.append(TicketLine(label=label, url=url, price_min=pmin, price_max=pmax))
        return lines

    @classmethod
    def initial_for(cls, slot: Slot, tickets) -> dict[str, Any]:
        initial: dict[str, Any] = {"entry": slot.entry, "sold_out": slot.sold_out}
        for i, t in enumerate(list(tickets)[: cls.ROWS]):
            initial.update(
                {f"label_{i}": t.label, f"url_{i}": t.url, f"price_min_{i}": t.price_min, f"price_max_{i}": t.price_max}
            )
        return initial


def near_show(slot: Slot, wall: dt.time) -> dt.datetime:
    """A wall time of the show's evening as UTC: on the show's start date in its zone, or the next day
    when that is more than 12 hours before the start (a 00:30 set after a 22:00 start)."""
    zone = slot.zone
    start = slot.starts_at.astimezone(zone)
    local = dt.datetime.combine(start.date(), wall)
    if local < start.replace(tzinfo=None) - dt.timedelta(hours=12):
        local += dt.timedelta(days=1)
    return local_to_utc(local, zone)


class RunningOrderForm(ServiceErrorsMixin, forms.Form):
    """Doors, each booked act's load-in and set, the curfew: wall times of the show's evening."""

    FIELD_FOR = {"doors_at": "doors", "curfew_at": "curfew"}

    doors = forms.TimeField(label=_("Doors"), required=False, widget=_time())
    curfew = forms.TimeField(label=_("Curfew"), required=False, widget=_time())

    def __init__(self, *args, slot: Slot, acts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.slot = slot
        self.acts = list(acts)
        zone = slot.zone
        if not self.is_bound:
            self.initial.setdefault("doors", slot.doors_at.astimezone(zone).time() if slot.doors_at else None)
            self.initial.setdefault("curfew", slot.curfew_at.astimezone(zone).time() if slot.curfew_at else None)
        for act in self.acts:
            name = act.band.name
            for key, label, value in (
                ("load_in", gettext("load-in"), act.load_in_at),
                ("set_start", gettext("set starts"), act.set_starts_at),
                ("set_end", gettext("set ends"), act.set_ends_at),
            ):
                field = f"{key}_{act.pk}"
                self.fields[field] = forms.TimeField(
                    label=gettext("%(band)s: %(time)s") % {"band": name, "time": label}, widget=_time()
                )
                if value is not None and not self.is_bound:
                    self.initial[field] = value.astimezone(zone).time()

    def rows(self) -> list[dict]:
        return [
            {
                "act": act,
                "fields": [self[f"load_in_{act.pk}"], self[f"set_start_{act.pk}"], self[f"set_end_{act.pk}"]],
            }
            for act in self.acts
        ]

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "doors_at": near_show(self.slot, d["doors"]) if d.get("doors") else None,
            "curfew_at": near_show(self.slot, d["curfew"]) if d.get("curfew") else None,
            "acts": [
                ActTimes(
                    booking_id=act.pk,
                    load_in_at=near_show(self.slot, d[f"load_in_{act.pk}"]),
                    set_starts_at=near_show(self.slot, d[f"set_start_{act.pk}"]),
                    set_ends_at=near_show(self.slot, d[f"set_end_{act.pk}"]),
                )
                for act in self.acts
            ],
        }
