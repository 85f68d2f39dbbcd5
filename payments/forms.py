from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bands.models import Band, Currency
from bookings.models_quotes import CostKind
from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import BoundedIntegerField, OneLineField

from .models import MemberPayout
from .selectors import Period, SplitRow, band_year


class CancelRefundForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the gig cancelled?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The other side reads this."),
        error_messages={"required": _("Say why the gig is cancelled; the other side will read it.")},
    )
    # The refund plan's fingerprint the page showed (drawn by the template from the plan, hidden): the
    # service refuses when the plan is another by the time the form is sent.
    fingerprint = OneLineField(required=False, max_length=64, widget=forms.HiddenInput)


class OutsidePaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount paid"),
        min_value=0.01,
        max_digits=12,
        decimal_places=2,
        error_messages={"required": _("Enter the amount paid.")},
    )
    reference = OneLineField(
        label=_("Reference"),
        max_length=120,
        help_text=_("The bank transfer's reference or a receipt number."),
        error_messages={"required": _("Enter the transfer's reference or a receipt number.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("amount") is not None:
            data["amount_minor"] = int(data["amount"] * 100)
        return data


# A door deal's settlement: amounts typed in whole units (1,250 or 12.50), read as minor units for the
# service, which checks them and works out the rest. The service's field names, as this form names them.
SETTLEMENT_FIELDS = {"gross_minor": "gross", "merch_gross_minor": "merch_gross", "amount_minor": "amount"}


def to_minor(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


def to_major(value: int | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value // 100) if value % 100 == 0 else Decimal(value) / 100


class SettlementForm(forms.Form):
    tickets_sold = BoundedIntegerField(
        min_value=None,
        label=_("Tickets sold"),
        required=False,
        error_messages={"invalid": _("Enter the tickets sold: a whole number, 0 or more.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )
    gross = forms.DecimalField(
        label=_("Takings at the door"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("Empty: the tickets sold at the agreed ticket price. Fill it in if the price differed."),
    )
    merch_gross = forms.DecimalField(
        label=_("Merchandise sold"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("What the band sold at its merch table. Empty: none."),
    )
    merch_venue_percent = BoundedIntegerField(
        min_value=None,
        label=_("The venue's merch cut (%)"),
        required=False,
        error_messages={"invalid": _("Enter the venue's cut of the merchandise: a whole number from 0 to 100.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 100}),
        help_text=_("The band owes the venue this share of its merchandise; it is taken off what you pay."),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The band reads it with the figures."),
    )

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "tickets_sold": data.get("tickets_sold"),
            "gross_minor": to_minor(data.get("gross")),
            "merch_gross_minor": to_minor(data.get("merch_gross")) or 0,
            "merch_venue_percent": data.get("merch_venue_percent") or 0,
            "note": data.get("note") or "",
        }

    def add_service_errors(self, exc: ValidationError) -> None:
        _service_errors(self, exc)


def _service_errors(form: forms.Form, exc: ValidationError) -> None:
    for name, messages in exc.message_dict.items():
        field = SETTLEMENT_FIELDS.get(name, name)
        form.add_error(field if field in form.fields else None, messages)


class SettlementCostForm(forms.Form):
    """A cost the door side adds at settlement."""

    kind = forms.ChoiceField(label=_("Kind"), choices=CostKind.choices)
    label = OneLineField(label=_("What it is (optional)"), required=False, max_length=100)
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=2,
        error_messages={"required": _("Enter the cost's amount.")},
    )

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {"kind": data["kind"], "label": data.get("label") or "", "amount_minor": to_minor(data["amount"])}

    def add_service_errors(self, exc: ValidationError) -> None:
        _service_errors(self, exc)


class SettlementBonusForm(forms.Form):
    """A bonus tier the door side adds at settlement: at N tickets sold, this much more."""

    tickets = BoundedIntegerField(
        min_value=None,
        label=_("At tickets sold"),
        error_messages={
            "required": _("Enter the tickets sold that reach the bonus."),
            "invalid": _("Enter the tickets sold that reach the bonus: a whole number."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )
    amount = forms.DecimalField(
        label=_("Bonus"), max_digits=14, decimal_places=2, error_messages={"required": _("Enter the bonus.")}
    )

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {"tickets": data["tickets"], "amount_minor": to_minor(data["amount"])}

    def add_service_errors(self, exc: ValidationError) -> None:
        _service_errors(self, exc)


class ApproveForm(forms.Form):
    # The version of the figures the page showed (the service refuses figures changed since).
    version = BoundedIntegerField(min_value=None, required=False, widget=forms.HiddenInput)
    accept_unagreed = forms.BooleanField(
        label=_("The band accepts what differs from the agreed terms, as listed above"),
        required=False,
    )


class QuestionForm(forms.Form):
    version = BoundedIntegerField(min_value=None, required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("What is wrong with the figures"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required: the other side reads it and enters the figures again."),
    )


# ---- The money pages and the staff's money screens ----------------------------------------------
def minor_of(value: Decimal | None) -> int | None:
    """12.50 → 1250: an amount in whole units as minor units."""
    return None if value is None else int((value * 100).to_integral_value())


def _amount_field(label) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=12, decimal_places=2, min_value=Decimal("0.01"))


class SplitForm(forms.Form):
    """A share in per cent for each member of the band (`rows`: gig_split's), named share_<user id>."""

    def __init__(self, *args, rows: list[SplitRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            user = row.membership.user
            self.fields[self.name_of(user.pk)] = forms.DecimalField(
                label=user.name,
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=2,
                max_digits=5,
                initial=row.percent,
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            )

    @staticmethod
    def name_of(user_id: int) -> str:
        return f"share_{user_id}"

    def shares(self) -> dict[int, Decimal]:
        """{user id: per cent} as typed (a member left empty gets nothing)."""
        return {
            row.membership.user_id: self.cleaned_data.get(self.name_of(row.membership.user_id)) or Decimal(0)
            for row in self.rows
        }

    def bound_rows(self):
        """(split row, its field) pairs, for the template."""
        return [(row, self[self.name_of(row.membership.user_id)]) for row in self.rows]


class PayoutForm(forms.Form):
    band = forms.ModelChoiceField(label=_("Band"), queryset=Band.objects.order_by("name"))
    amount = _amount_field(_("Amount"))
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    reference = OneLineField(
        label=_("Bank reference"),
        max_length=120,
        help_text=_("The reference of the bank transfer, as the band will see it on its statement."),
    )
    note = OneLineField(label=_("Note for staff"), max_length=300, required=False)

    def amount_minor(self) -> int | None:
        return minor_of(self.cleaned_data.get("amount"))


class StaffRefundForm(forms.Form):
    amount = _amount_field(_("Amount to refund"))
    note = OneLineField(
        label=_("Why"),
        max_length=300,
        help_text=_("How the dispute was resolved, kept with the refund for staff."),
    )

    def amount_minor(self) -> int | None:
        return minor_of(self.cleaned_data.get("amount"))


# ---- The treasurer's year ------------------------------------------------------------------------

FIRST_YEAR, LAST_YEAR = 2000, 2100
# The longest period a statement covers when given by days.
LONGEST_PERIOD_DAYS = 5 * 366


class PeriodForm(forms.Form):
    """A statement's period: a year (the band's current one when nothing is given), or from and to days."""

    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={"invalid": _("Give the year as a number, such as 2026.")},
    )
    start = BoundedDateField(
        bound=Bound.RECORD, label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = BoundedDateField(
        bound=Bound.RECORD, label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        if (start is None) != (end is None):
            raise ValidationError(_("Give both days of the period, from and to, or a year."))
        if start is not None:
            if data.get("year"):
                raise ValidationError(_("Give a year, or from and to days: not both."))
            if start > end:
                raise ValidationError(_("The period's first day comes after its last."))
            if (end - start).days > LONGEST_PERIOD_DAYS or start.year < FIRST_YEAR or end.year > LAST_YEAR:
                raise ValidationError(_("Choose a period of at most five years, from the year 2000 on."))
        return data

    def period(self, *, band: Band, today) -> Period:
        """The period asked for (the form is valid)."""
        data = self.cleaned_data
        if data.get("start"):
            return Period(data["start"], data["end"], ZoneInfo(band.time_zone))
        return band_year(band=band, year=data.get("year") or today.year)

    def messages(self) -> list[str]:
        return [str(m) for errors in self.errors.values() for m in errors]


class MemberPayoutForm(forms.Form):
    """A payout to a member: who, how much in which currency, when and how (the service checks the rest)."""

    member = forms.TypedChoiceField(label=_("Paid to"), coerce=int)
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        error_messages={"required": _("Enter the amount paid.")},
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    paid_on = BoundedDateField(
        bound=Bound.RECORD,
        early_message=_("Give a day from the year 2000 on."),
        label=_("Paid on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    method = forms.ChoiceField(label=_("How"), choices=MemberPayout.Method.choices)
    reference = OneLineField(
        label=_("Reference"),
        max_length=120,
        required=False,
        help_text=_("The bank transfer's reference or a receipt number, if there is one."),
    )
    note = OneLineField(label=_("Note"), max_length=300, required=False)
    advance = forms.BooleanField(
        label=_("Advance payment"),
        required=False,
        help_text=_("Tick to pay more than the band owes them now: the difference is paid ahead of future gigs."),
    )

    def __init__(self, *args, payees: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [
            (user.pk, user.name if member else _("%(name)s (stand-in)") % {"name": user.name})
            for user, member in payees
        ]

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "member_id": data["member"],
            "amount_minor": minor_of(data["amount"]),
            "currency": data["currency"],
            "paid_on": data["paid_on"],
            "method": data["method"],
            "reference": data["reference"],
            "note": data["note"],
            "advance": data["advance"],
        }
