"""The Invoices page's filters: parsing only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Invoice


class InvoiceFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Invoice.Kind.choices])
    # Any year from 2000 is a fair question (the answer may be none); the list offers those with documents.
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": _("Choose a year, e.g. 2026.")},
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget = forms.Select(choices=[("", _("All years")), *((y, str(y)) for y in years)])
