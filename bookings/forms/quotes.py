"""The quote form: deal terms typed in whole units (800, 12.50) and read as minor units for the service,
which checks every range and says what is wrong by field."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bands.models import Currency
from core.fields.form_fields import BoundedIntegerField, OneLineField

from ..models import Quote
from ..models_quotes import CostKind
from ..services.quotes import Terms

WINDOW_ROWS = 3
# Rows for the costs taken off the door and the bonus tiers (the service takes up to 10 of each).
COST_ROWS = 3
TIER_ROWS = 3
CANCEL_CHOICES = [
    ("flexible", _("Flexible: everything back 7 days or more before, half back 1 day or more before")),
    ("moderate", _("Moderate: everything back 30 days or more before, half back 14 days or more before")),
    ("strict", _("Strict: everything back 60 days or more before, half back 30 days or more before")),
    ("custom", _("Custom: the windows below (none at all: no refund when the payer cancels)")),
]
# The service's field names, as this form names them.
SERVICE_FIELDS = {
    "fee_minor": "fee",
    "ticket_price_minor": "ticket_price",
    "cancel_windows": "cancel_preset",
    "door_costs": "cost1_amount",
    "bonus_tiers": "tier1_tickets",
}


def _minor(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


def _major(value: int | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value // 100) if value % 100 == 0 else Decimal(value) / 100


class QuoteForm(forms.Form):
    deal = forms.ChoiceField(label=_("Deal"), choices=Quote.Deal.choices, widget=forms.RadioSelect)
    fee = forms.DecimalField(
        label=_("Fee (the guarantee)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("For a flat guarantee, or the guarantee in a guarantee versus door split."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    door_percent = BoundedIntegerField(
        min_value=None, label=_("Door split (%)"), required=False, help_text=_("The band's share.")
    )
    ticket_price = forms.DecimalField(label=_("Ticket price"), required=False, max_digits=14, decimal_places=2)
    capacity = BoundedIntegerField(min_value=None, label=_("Capacity"), required=False)
    deposit_percent = BoundedIntegerField(min_value=None, label=_("Deposit (%)"), initial=0)
    balance_due_days = BoundedIntegerField(
        min_value=None,
        label=_("Balance due (days before the gig)"),
        initial=0,
        help_text=_("0: on the day of the gig."),
    )
    set_minutes = BoundedIntegerField(min_value=None, label=_("Set length (minutes)"), required=False)
    sound = forms.BooleanField(label=_("Sound provided"), required=False)
    backline = forms.BooleanField(label=_("Backline provided"), required=False)
    hospitality = forms.BooleanField(label=_("Hospitality (food and drinks)"), required=False)
    accommodation = forms.BooleanField(label=_("Accommodation"), required=False)
    travel = forms.BooleanField(label=_("Travel paid"), required=False)
    included_note = OneLineField(label=_("What is included, in words"), required=False, max_length=300)
    cancel_preset = forms.ChoiceField(
        label=_("Cancellation terms"), choices=CANCEL_CHOICES, initial="moderate", widget=forms.RadioSelect
    )
    message = forms.CharField(label=_("Message (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    send_anyway = forms.BooleanField(label=_("Send anyway"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(1, WINDOW_ROWS + 1):
            self.fields[f"window{row}_days"] = BoundedIntegerField(
                min_value=None, label=_("Cancelled this many days or more before"), required=False
            )
            self.fields[f"window{row}_percent"] = BoundedIntegerField(
                min_value=None, label=_("Refund (%)"), required=False
            )
        for row in range(1, COST_ROWS + 1):
            self.fields[f"cost{row}_kind"] = forms.ChoiceField(
                label=_("Cost"), required=False, choices=[("", "–"), *CostKind.choices]
            )
            self.fields[f"cost{row}_label"] = OneLineField(label=_("What it is"), required=False, max_length=100)
            self.fields[f"cost{row}_amount"] = forms.DecimalField(
                label=_("Amount"), required=False, max_digits=14, decimal_places=2
            )
        for row in range(1, TIER_ROWS + 1):
            self.fields[f"tier{row}_tickets"] = BoundedIntegerField(
                min_value=None, label=_("At tickets sold"), required=False
            )
            self.fields[f"tier{row}_amount"] = forms.DecimalField(
                label=_("Bonus"), required=False, max_digits=14, decimal_places=2
            )

    @property
    def cost_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"cost{row}_kind"], self[f"cost{row}_label"], self[f"cost{row}_amount"])
            for row in range(1, COST_ROWS + 1)
        ]

    @property
    def tier_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"tier{row}_tickets"], self[f"tier{row}_amount"]) for row in range(1, TIER_ROWS + 1)]

    @property
    def window_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"window{row}_days"], self[f"window{row}_percent"]) for row in range(1, WINDOW_ROWS + 1)]

    @property
    def included_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("sound", "backline", "hospitality", "accommodation", "travel")]

    def clean(self) -> dict:
        data = super().clean()
        for row in range(1, WINDOW_ROWS + 1):
            days, percent = data.get(f"window{row}_days"), data.get(f"window{row}_percent")
            if data.get("cancel_preset") == "custom" and (days is None) != (percent is None):
                self.add_error(f"window{row}_days", _("Give both the days and the refund, or neither."))
        for row in range(1, COST_ROWS + 1):
            if bool(data.get(f"cost{row}_kind")) != (data.get(f"cost{row}_amount") is not None):
                self.add_error(f"cost{row}_amount", _("Give both the kind of cost and its amount, or neither."))
        for row in range(1, TIER_ROWS + 1):
            if (data.get(f"tier{row}_tickets") is None) != (data.get(f"tier{row}_amount") is None):
                self.add_error(f"tier{row}_tickets", _("Give both the tickets sold and the bonus, or neither."))
        return data

    def terms(self) -> Terms:
        data = self.cleaned_data
        windows = tuple(
            (data[f"window{row}_days"], data[f"window{row}_percent"])
            for row in range(1, WINDOW_ROWS + 1)
            if data.get(f"window{row}_days") is not None and data.get(f"window{row}_percent") is not None
        )
        return Terms(
            deal=data["deal"],
            fee_minor=_minor(data.get("fee")),
            currency=data["currency"],
            door_percent=data.get("door_percent"),
            ticket_price_minor=_minor(data.get("ticket_price")),
            capacity=data.get("capacity"),
            deposit_percent=data["deposit_percent"],
            balance_due_days=data["balance_due_days"],
            set_minutes=data.get("set_minutes"),
            sound=data["sound"],
            backline=data["backline"],
            hospitality=data["hospitality"],
            accommodation=data["accommodation"],
            travel=data["travel"],
            included_note=data.get("included_note", ""),
            cancel_preset=data["cancel_preset"],
            cancel_windows=windows,
            door_costs=tuple(
                (data[f"cost{row}_kind"], data.get(f"cost{row}_label", "").strip(), _minor(data[f"cost{row}_amount"]))
                for row in range(1, COST_ROWS + 1)
                if data.get(f"cost{row}_kind") and data.get(f"cost{row}_amount") is not None
            ),
            bonus_tiers=tuple(
                (data[f"tier{row}_tickets"], _minor(data[f"tier{row}_amount"]))
                for row in range(1, TIER_ROWS + 1)
                if data.get(f"tier{row}_tickets") is not None and data.get(f"tier{row}_amount") is not None
            ),
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        for name, errors in exc.message_dict.items():
            field = SERVICE_FIELDS.get(name, name)
            self.add_error(field if field in self.fields else None, errors)


def quote_initial(terms: Terms) -> dict:
    """The form's starting values from terms (a counter starts from the quote it answers)."""
    initial = {
        "deal": terms.deal,
        "fee": _major(terms.fee_minor),
        "currency": terms.currency,
        "door_percent": terms.door_percent,
        "ticket_price": _major(terms.ticket_price_minor),
        "capacity": terms.capacity,
        "deposit_percent": terms.deposit_percent,
        "balance_due_days": terms.balance_due_days,
        "set_minutes": terms.set_minutes,
        "sound": terms.sound,
        "backline": terms.backline,
        "hospitality": terms.hospitality,
        "accommodation": terms.accommodation,
        "travel": terms.travel,
        "included_note": terms.included_note,
        "cancel_preset": terms.cancel_preset or "custom",
    }
    for row, (days, percent) in enumerate(terms.cancel_windows[:WINDOW_ROWS], start=1):
        initial[f"window{row}_days"], initial[f"window{row}_percent"] = days, percent
    for row, (kind, label, amount) in enumerate(terms.door_costs[:COST_ROWS], start=1):
        initial[f"cost{row}_kind"], initial[f"cost{row}_label"], initial[f"cost{row}_amount"] = (
            kind,
            label,
            _major(amount),
        )
    for row, (tickets, amount) in enumerate(terms.bonus_tiers[:TIER_ROWS], start=1):
        initial[f"tier{row}_tickets"], initial[f"tier{row}_amount"] = tickets, _major(amount)
    return initial
