"""The legal details form: parsing only; legal_details_set validates and saves."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField


class LegalDetailsForm(forms.Form):
    legal_name = OneLineField(label=_("Legal name"), max_length=200)
    address = forms.CharField(
        label=_("Postal address"),
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "street-address"}),
    )
    email = forms.EmailField(label=_("Email for invoices"), required=False)
    tax_number = OneLineField(label=_("Tax or VAT number"), max_length=40, required=False)
    vat_rate = OneLineField(
        label=_("VAT rate (%)"),
        max_length=6,
        required=False,
        initial="0",
        help_text=_("0 if you charge no VAT (a small business, or a reverse charge)."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reverse_charge = forms.BooleanField(
        label=_("Reverse charge"),
        required=False,
        help_text=_("Your customers account for the VAT: invoices charge none and say so."),
    )
    invoice_note = OneLineField(
        label=_("Note on every invoice"),
        max_length=300,
        required=False,
        help_text=_("E.g. your bank details or payment terms."),
    )

    def __init__(self, *args, issuer: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not issuer:
            for name in ("vat_rate", "reverse_charge", "invoice_note"):
                del self.fields[name]

    def apply_errors(self, messages: dict[str, list[str]]) -> None:
        """Show a service's refusal by field (a field the form lacks goes to the form's own errors)."""
        for field, errors in messages.items():
            for error in errors:
                self.add_error(field if field in self.fields else None, error)
