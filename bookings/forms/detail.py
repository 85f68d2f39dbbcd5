"""Input parsing for answering and cancelling a booking."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The other side reads this with the decline."),
    )


class CancelForm(forms.Form):
    # Required, but the service says so after checking who asks: a stranger learns nothing from a 400.
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text=_("Required: everyone involved reads it."),
    )

    def add_service_errors(self, exc: ValidationError) -> None:
        for messages in (exc.message_dict if hasattr(exc, "error_dict") else {"reason": exc.messages}).values():
            for message in messages:
                self.add_error("reason", message)


class PlayedForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Everyone involved reads it, e.g. when the recording follows."),
    )


GIG_MINUTES_ERROR = _("Enter minutes from 0 to 600 (10 hours), or leave it empty for the band's usual time.")


class GigTimesForm(forms.Form):
    """A booked gig's own load-in and pack-down; an empty field keeps the band's usual time."""

    load_in_minutes = forms.IntegerField(
        label=_("Load-in and soundcheck (minutes before)"),
        required=False,
        min_value=0,
        max_value=600,
        error_messages={"invalid": GIG_MINUTES_ERROR, "min_value": GIG_MINUTES_ERROR, "max_value": GIG_MINUTES_ERROR},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 15}),
    )
    pack_down_minutes = forms.IntegerField(
        label=_("Pack-down (minutes after)"),
        required=False,
        min_value=0,
        max_value=600,
        error_messages={"invalid": GIG_MINUTES_ERROR, "min_value": GIG_MINUTES_ERROR, "max_value": GIG_MINUTES_ERROR},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 15}),
        help_text=_("Empty: the band's usual time, set on the band's profile."),
    )

    def add_service_errors(self, exc: ValidationError) -> None:
        for field, messages in exc.message_dict.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
