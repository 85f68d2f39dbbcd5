"""Reporting to staff: the reason and what happened."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Report


class ReportForm(forms.Form):
    """A report to staff: a reason and, if they like, what happened."""

    category = forms.ChoiceField(
        label=_("Why are you reporting this?"),
        choices=Report.Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a reason."), "invalid_choice": _("Choose a reason.")},
    )
    text = forms.CharField(
        label=_("What happened (optional)"),
        required=False,
        max_length=Report._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Staff read this with what you are reporting. At most 1,000 characters."),
    )
