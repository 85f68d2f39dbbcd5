"""The filters of the CSV exports: the page's own filters, read strictly.

A page falls back to its default on a value it does not know (a stale link still shows something);
an export does not: a file that silently holds something else than asked is worse than a clear
refusal, so every unknown value is an error (the view answers 400 and exports nothing). Parameters an
export does not use (the page number the page's link carries) are ignored.
"""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bands.models import Currency
from bookings.models import Booking
from bookings.selectors.inbox import TABS
from core.fields.dates import Bound, BoundedDateField
from payments.models import LedgerEntry, Payment
from venues.models import Slot

# A range longer than this is a typo (year 20260), not a request.
MAX_YEARS = 20
SLOT_TABS = ("upcoming", *Slot.Status.values, "past")


def _choice(label, choices, *, invalid: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, required=False, choices=[("", ""), *choices], error_messages={"invalid_choice": invalid}
    )


class DatesForm(forms.Form):
    """From one day to another, both included, in the viewer's zone (either may be left out)."""

    since = BoundedDateField(
        bound=Bound.RECORD,
        label=_("From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("“From” must be a date written as 2026-12-31.")},
    )
    until = BoundedDateField(
        bound=Bound.RECORD,
        label=_("Until"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("“Until” must be a date written as 2026-12-31.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until < since:
                raise ValidationError(_("“Until” is before “From”: swap them."), code="reversed")
            if (until - since).days > MAX_YEARS * 366:
                raise ValidationError(_("Choose dates at most %(years)d years apart."), params={"years": MAX_YEARS})
        return data

    def span(self, zone) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The dates as the start of the first day and the end of the last, in `zone`."""
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        start = dt.datetime.combine(since, dt.time(0), tzinfo=zone) if since else None
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0), tzinfo=zone) if until else None
        return start, end

    def messages(self) -> list[str]:
        """Every error, as sentences a person reads (the field's errors say which field)."""
        return [str(message) for errors in self.errors.values() for message in errors]


class BookingsExportForm(DatesForm):
    """The inbox's filters (its tab and whose bookings), a status, and the days the gigs start on."""

    tab = _choice(_("Tab"), TABS.items(), invalid=_("There is no tab “%(value)s” in your bookings."))
    show = _choice(
        pgettext_lazy("verb", "Show"), [], invalid=_("“%(value)s” is not one of your bands, venues or requests.")
    )
    status = _choice(_("Status"), Booking.Status.choices, invalid=_("“%(value)s” is not a booking status we know."))

    def __init__(self, *args: Any, shows: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["show"].choices = [("", ""), *shows]


class GigsExportForm(DatesForm):
    status = _choice(
        _("Status"),
        [(s, Booking.Status(s).label) for s in Booking.PLAYED],
        invalid=_("“%(value)s” is not the status of a booked gig."),
    )


class PaymentsExportForm(DatesForm):
    status = _choice(_("Status"), Payment.Status.choices, invalid=_("“%(value)s” is not a payment status we know."))


class LedgerExportForm(DatesForm):
    kind = _choice(_("Kind"), LedgerEntry.Kind.choices, invalid=_("“%(value)s” is not a kind of ledger entry."))
    currency = _choice(_("Currency"), Currency.choices, invalid=_("“%(value)s” is not a currency we take."))


class SlotsExportForm(forms.Form):
    """The slot list's tab."""

    show = _choice(
        pgettext_lazy("verb", "Show"),
        [(key, key) for key in SLOT_TABS],
        invalid=_("There is no tab “%(value)s” in your slots."),
    )

    def messages(self) -> list[str]:
        return [str(message) for errors in self.errors.values() for message in errors]


class AvailabilityMonthForm(forms.Form):
    """The month of a band's availability PDF, written "2026-12"; this month when left out."""

    month = forms.RegexField(
        label=_("Month"),
        required=False,
        regex=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": _("The month must be written as 2026-12 (a year, a dash, a month from 01 to 12).")},
    )

    def month_start(self, *, today: dt.date) -> dt.date:
        value = self.cleaned_data.get("month")
        if not value:
            return today.replace(day=1)
        year, month = value.split("-")
        return dt.date(int(year), int(month), 1)

    def messages(self) -> list[str]:
        return [str(message) for errors in self.errors.values() for message in errors]
