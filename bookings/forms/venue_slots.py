"""Input parsing for the venue's booking pages: slots (one or a weekly series), offers and answers.

A slot's date and times are wall-clock times in the venue's zone; `local_span` turns them into UTC.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.formats import date_format, number_format, time_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from availability.engine import existing_to_utc
from bands.links import LinkField
from bands.models import ApprovalStatus, Band, Currency, Genre
from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import IsoDateInput, OneLineField
from core.fields.scheduling import check_scheduled_days, scheduling_today
from core.fields.timezones import zone_name
from venues.models import Slot, Stage

from ..models import Booking

MAX_FEE = 1_000_000
# A number in the language a message is shown in (the messages below are made at import).
number_lazy = lazy(number_format, str)
SERIES_MAX_DAYS = 366
WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]
END_HELP = _(
    "An end time before the start means the slot runs past midnight: 21:00 to 01:00 ends at 01:00 the next morning."
)


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _day(day: dt.date) -> str:
    return date_format(day, "WEEKDAY_FORMAT")


class NonexistentTime(ValueError):
    """A wall-clock time that the zone skips (clocks go forward that night)."""

    def __init__(self, wall: dt.datetime, zone: ZoneInfo) -> None:
        self.wall, self.zone = wall, zone
        super().__init__(
            gettext(
                "%(time)s does not exist on %(day)s in %(zone)s: the clocks go forward that night. Choose another time."
            )
            % {"time": time_format(wall, "CLOCK_FORMAT"), "day": _day(wall.date()), "zone": zone_name(zone)}
        )


def local_span(
    day: dt.date, start: dt.time, end: dt.time, zone: ZoneInfo, *, end_day: dt.date | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """The UTC start and end of a slot given as wall-clock times in `zone`.

    Without `end_day` an end at or before the start is on the next day. Ambiguous times (clocks go
    back) take the first of the two; a time the zone skips raises NonexistentTime.
    """
    if end_day is None:
        end_day = day + dt.timedelta(days=1) if end <= start else day
    span = []
    for wall in (dt.datetime.combine(day, start), dt.datetime.combine(end_day, end)):
        moment = existing_to_utc(wall, zone)
        if moment is None:
            raise NonexistentTime(wall, zone)
        span.append(moment)
    return span[0], span[1]


# ---- Slots ------------------------------------------------------------------------------

PAST_START = _("This start is in the past. Choose a time from now on.")


def _slot_days_fine(form: "SlotForm | SlotSeriesForm", *, first: str, other: str) -> bool:
    """A slot's (or a series') first date from today on, its dates up to the scheduling horizon, in
    the venue's zone; the messages next to the fields. Returns whether both dates are fine."""
    today = scheduling_today(form.zone)
    starts = check_scheduled_days(form, [first], today=today, earliest=today, earliest_message=PAST_START)
    return check_scheduled_days(form, [other], today=today) and starts


class SlotFieldsForm(forms.Form):
    """What one slot and a series of slots have in common; `stage` offers the venue's stages only."""

    # Service errors are keyed by model field; they show next to the field that holds the value.
    FIELD_FOR = {"starts_at": "date", "ends_at": "end"}

    stage = forms.ModelChoiceField(
        label=_("Stage"),
        queryset=Stage.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of this venue's stages."), "required": _("Choose a stage.")},
    )
    title = OneLineField(
        label=_("Title"), required=False, max_length=120, help_text=_("e.g. “Friday Night Indie”. Optional.")
    )
    genres = forms.ModelMultipleChoiceField(
        label=_("Genres wanted"),
        queryset=Genre.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Bands searching by genre find the slot. Leave all unticked for any genre."),
    )
    fee = forms.IntegerField(
        label=_("Fee offered"),
        required=False,
        min_value=0,
        max_value=MAX_FEE,
        help_text=_("Leave empty for negotiable."),
        error_messages={
            "min_value": _("A fee cannot be negative. Leave it empty for negotiable."),
            "max_value": format_lazy(_("Enter a fee of at most {max}."), max=number_lazy(MAX_FEE, force_grouping=True)),
            "invalid": _("Enter the fee as a whole number, e.g. 400."),
        },
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.EUR)
    support_places = forms.IntegerField(
        label=_("Support acts"),
        min_value=0,
        max_value=Slot.MAX_SUPPORT_PLACES,
        initial=0,
        help_text=format_lazy(
            _("How many support acts play besides the headliner (0–{max})."), max=Slot.MAX_SUPPORT_PLACES
        ),
        error_messages={
            "min_value": _("Support acts cannot be fewer than 0."),
            "max_value": format_lazy(_("A slot can have at most {max} support acts."), max=Slot.MAX_SUPPORT_PLACES),
            "required": _("Say how many support acts play (0 for none)."),
        },
    )
    visibility = forms.ChoiceField(
        label=_("Who can apply"),
        choices=Slot.Visibility.choices,
        initial=Slot.Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    ticket_url = LinkField(kind="ticket", label=_("Ticket link"), placeholder=_("https://tickets.example/…"))
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Load-in, backline, door deal… Bands see this."),
    )

    def __init__(self, *args, stages: QuerySet[Stage], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = stages
        # Drawn from one list of names: the field would otherwise load the stages once per rendering.
        self.fields["stage"].widget.choices = [(stage.pk, stage.name) for stage in stages]

    def slot_fields(self) -> dict:
        """The cleaned values that slot_create/slot_update take besides times, stage and genres."""
        names = ("title", "fee", "currency", "support_places", "visibility", "ticket_url", "notes")
        data = {name: self.cleaned_data[name] for name in names}
        data["title"] = data["title"].strip()
        data["notes"] = data["notes"].strip()
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            target = self.FIELD_FOR.get(name, name)
            self.add_error(target if target in self.fields else None, errors)


class SlotForm(SlotFieldsForm):
    """One slot. With `lock_time` the stage, date and times show but cannot change."""

    TIME_FIELDS = ("stage", "date", "start", "end", "end_date")

    date = BoundedDateField(
        bound=Bound.PLAN,
        early_message=PAST_START,
        label=_("Date"),
        widget=IsoDateInput(),
        error_messages={"required": _("Pick the date.")},
    )
    start = forms.TimeField(
        label=_("Start"), widget=_time_input(), error_messages={"required": _("Give a start time.")}
    )
    end = forms.TimeField(
        label=_("End"), widget=_time_input(), help_text=END_HELP, error_messages={"required": _("Give an end time.")}
    )
    end_date = BoundedDateField(
        bound=Bound.PLAN,
        label=_("Ends on (optional)"),
        required=False,
        widget=IsoDateInput(),
        help_text=_(
            "Only for a slot that ends on another day than the end time says; at most 24 hours after the start."
        ),
    )

    field_order = ["stage", "date", "start", "end", "end_date", "title"]

    def __init__(self, *args, zone: ZoneInfo, lock_time: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.lock_time = lock_time
        if lock_time:
            for name in self.TIME_FIELDS:
                self.fields[name].disabled = True

    def clean(self) -> dict:
        data = super().clean()
        if not _slot_days_fine(self, first="date", other="end_date"):
            return data
        day, start, end, end_day = (data.get(k) for k in ("date", "start", "end", "end_date"))
        if day is None or start is None or end is None:
            return data
        if end_day is not None:
            if end_day < day:
                self.add_error("end_date", gettext("The slot cannot end on a day before it starts."))
                return data
            if end_day == day and end <= start:
                self.add_error(
                    "end",
                    gettext(
                        "The end (%(end)s) is before the start (%(start)s) on the same day. "
                        "Clear “Ends on” for a slot that runs past midnight."
                    )
                    % {"end": time_format(end, "CLOCK_FORMAT"), "start": time_format(start, "CLOCK_FORMAT")},
                )
                return data
        elif end == start:
            self.add_error("end", gettext("The end is the same as the start. Give the time the slot ends."))
            return data
        try:
            data["starts_at"], data["ends_at"] = local_span(day, start, end, self.zone, end_day=end_day)
        except NonexistentTime as exc:
            self.add_error("start" if exc.wall.time() == start and exc.wall.date() == day else "end", str(exc))
        return data

    @classmethod
    def initial_for(cls, slot: Slot, zone: ZoneInfo) -> dict:
        """The slot as the form shows it: dates and times in the venue's zone."""
        start, end = slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)
        next_day = end.date() == start.date() + dt.timedelta(days=1) and end.time() < start.time()
        return {
            "stage": slot.stage_id,
            "date": start.date(),
            "start": start.time().replace(second=0, microsecond=0),
            "end": end.time().replace(second=0, microsecond=0),
            "end_date": None if next_day or end.date() == start.date() else end.date(),
            "title": slot.title,
            "genres": [g.pk for g in slot.genres.all()],
            "fee": slot.fee,
            "currency": slot.currency,
            "support_places": slot.support_places,
            "visibility": slot.visibility,
            "ticket_url": slot.ticket_url,
            "notes": slot.notes,
        }


@dataclass(frozen=True)
class SkippedDate:
    day: dt.date
    reason: str


class SlotSeriesForm(SlotFieldsForm):
    """The same slot on chosen weekdays between two dates: “every Friday 21:00–01:00 from March to June”."""

    FIELD_FOR = {"starts_at": "first_date", "ends_at": "end"}

    weekdays = forms.MultipleChoiceField(
        label=_("Every"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pick at least one day of the week.")},
    )
    first_date = BoundedDateField(
        bound=Bound.PLAN,
        label=_("From"),
        widget=IsoDateInput(),
        error_messages={"required": _("Pick the first date of the series.")},
    )
    last_date = BoundedDateField(
        bound=Bound.PLAN,
        label=_("Until"),
        widget=IsoDateInput(),
        error_messages={"required": _("Pick the last date of the series.")},
    )
    start = forms.TimeField(
        label=_("Start"), widget=_time_input(), error_messages={"required": _("Give a start time.")}
    )
    end = forms.TimeField(
        label=_("End"), widget=_time_input(), help_text=END_HELP, error_messages={"required": _("Give an end time.")}
    )

    field_order = ["weekdays", "first_date", "last_date", "start", "end", "stage", "title"]

    def __init__(self, *args, zone: ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self) -> dict:
        data = super().clean()
        _slot_days_fine(self, first="first_date", other="last_date")
        first, last = data.get("first_date"), data.get("last_date")
        if first and last and not self.has_error("first_date") and not self.has_error("last_date"):
            if last < first:
                self.add_error("last_date", gettext("The last date is before the first. Swap them."))
            elif (last - first).days >= SERIES_MAX_DAYS:
                self.add_error(
                    "last_date", gettext("A series can cover at most a year. Post the rest as another series.")
                )
        start, end = data.get("start"), data.get("end")
        if start and end and start == end:
            self.add_error("end", gettext("The end is the same as the start. Give the time the slot ends."))
        if not self.errors:
            data["times"], data["skipped"] = self._times(data)
        return data

    def _times(self, data: dict) -> tuple[list[tuple[dt.datetime, dt.datetime]], list[SkippedDate]]:
        days = {int(d) for d in data["weekdays"]}
        times, skipped = [], []
        day = data["first_date"]
        while day <= data["last_date"]:
            if day.weekday() in days:
                try:
                    times.append(local_span(day, data["start"], data["end"], self.zone))
                except NonexistentTime as exc:
                    skipped.append(
                        SkippedDate(
                            day,
                            gettext("%(time)s does not exist that night: the clocks go forward.")
                            % {"time": time_format(exc.wall, "CLOCK_FORMAT")},
                        )
                    )
            day += dt.timedelta(days=1)
        return times, skipped


# ---- Offers and answers -------------------------------------------------------------------

ROLE_CHOICES = Booking.Role.choices


class OfferFieldsForm(forms.Form):
    role = forms.ChoiceField(label=_("Place"), choices=ROLE_CHOICES, initial=Booking.Role.HEADLINER)
    fee = forms.IntegerField(
        label=_("Fee offered"),
        required=False,
        min_value=0,
        max_value=MAX_FEE,
        help_text=_("Leave empty to offer the slot's fee."),
        error_messages={
            "min_value": _("A fee cannot be negative."),
            "max_value": format_lazy(_("Enter a fee of at most {max}."), max=number_lazy(MAX_FEE, force_grouping=True)),
            "invalid": _("Enter the fee as a whole number, e.g. 400."),
        },
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The band reads this with the offer."),
    )

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


def band_lookup(text: str) -> QuerySet[Band]:
    """Approved bands whose address (slug) is `text`, or else whose name is `text` (any case)."""
    text = text.strip()
    bands = Band.objects.filter(status=ApprovalStatus.APPROVED)
    by_slug = bands.filter(slug=text.lower())
    return by_slug if by_slug.exists() else bands.filter(name__iexact=text)


class SlotOfferForm(OfferFieldsForm):
    """Offer the slot to a band on StageSlot, found by its name or its address."""

    band = OneLineField(
        label=_("Band"),
        max_length=120,
        help_text=_("The band's name or its StageSlot address (the part after /bands/)."),
        error_messages={"required": _("Type the name of the band you want to offer the slot to.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "offer-band-options"}),
    )

    field_order = ["band", "role", "fee", "message"]

    def clean_band(self) -> Band:
        text = self.cleaned_data["band"].strip()
        matches = list(band_lookup(text)[:2])
        if not matches:
            raise ValidationError(
                gettext(
                    "No band on StageSlot is called “%(text)s”. Check the spelling, or offer the slot by email below."
                )
                % {"text": text}
            )
        if len(matches) > 1:
            raise ValidationError(
                gettext("More than one band is called “%(text)s”. Type its address instead, e.g. %(slug)s.")
                % {"text": text, "slug": matches[0].slug}
            )
        return matches[0]


class OfferInviteForm(OfferFieldsForm):
    """Offer the slot by email to a band that is not on StageSlot yet."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send the offer with a link; it works once, for 14 days."),
        error_messages={"required": _("Give the band's email address."), "invalid": _("Enter an email address.")},
    )
    band_name = OneLineField(label=_("Band name (optional)"), required=False, max_length=120)

    field_order = ["email", "band_name", "role", "fee", "message"]


class SlotCancelForm(forms.Form):
    reason = OneLineField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Every band booked or waiting for an answer reads this."),
        error_messages={"required": _("Say why the slot is cancelled; the bands will read it.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(gettext("Say why the slot is cancelled; the bands will read it."))
        return reason


class DeclineForm(forms.Form):
    reason = OneLineField(label=_("Reason (optional)"), required=False, max_length=300)


class SlotPickForm(OfferFieldsForm):
    """A venue's staff offer one of their open slots to a band, from the band's page."""

    slot = forms.ModelChoiceField(
        label=_("Slot"),
        queryset=Slot.objects.none(),
        empty_label=None,
        error_messages={
            "invalid_choice": _("Choose one of your venue's open upcoming slots."),
            "required": _("Choose the slot to offer."),
        },
    )

    field_order = ["slot", "role", "fee", "message"]

    def __init__(self, *args, slots: QuerySet[Slot], label: Callable[[Slot], str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots
        self.fields["slot"].label_from_instance = label


class ClaimForm(forms.Form):
    band = forms.ModelChoiceField(
        label=_("Band"),
        queryset=Band.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose one of the bands you lead or run."),
            "required": _("Choose the band that takes the offer."),
        },
    )

    def __init__(self, *args, bands: QuerySet[Band], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["band"].queryset = bands
        self.fields["band"].label_from_instance = lambda band: (
            band.name if band.status == ApprovalStatus.APPROVED else f"{band.name} (awaiting approval)"
        )


class InboxActionForm(forms.Form):
    """What an inbox button sends besides its action: the shortlist switch ("1" on, "0" off) and the
    page the button is on ("slot" or "applications"; anything else is the slot's page)."""

    shortlisted = forms.TypedChoiceField(
        choices=[("0", _("off")), ("1", _("on"))], coerce=lambda value: value == "1", required=False, empty_value=False
    )
    panel = forms.ChoiceField(choices=[("slot", _("slot")), ("applications", _("applications"))], required=False)

    def value(self, name: str) -> object:
        self.is_valid()
        return self.cleaned_data.get(name)
