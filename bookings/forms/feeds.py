"""The calendar feed buttons: which feed to make, and what a feed shows."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import BoundedIntegerField

from ..models import CalendarFeed


class FeedCreateForm(forms.Form):
    """Make a feed: your own (scope member), a band's (with `band`) or a venue's (with `venue`)."""

    scope = forms.ChoiceField(
        choices=CalendarFeed.Scope.choices, error_messages={"invalid_choice": _("Pick a member, band or venue feed.")}
    )
    band = BoundedIntegerField(required=False, min_value=1)
    venue = BoundedIntegerField(required=False, min_value=1)

    def clean(self) -> dict:
        data = super().clean()
        scope = data.get("scope")
        if scope == CalendarFeed.Scope.BAND and not data.get("band"):
            raise forms.ValidationError(gettext("Say which band the feed is for."))
        if scope == CalendarFeed.Scope.VENUE and not data.get("venue"):
            raise forms.ValidationError(gettext("Say which venue the feed is for."))
        return data


class FeedOptionsForm(forms.Form):
    include_pending = forms.BooleanField(
        label=_("Include pending gigs, marked tentative"),
        required=False,
        help_text=_("Gigs nobody has confirmed yet show up greyed out or marked “tentative”, depending on the app."),
    )
    include_available = forms.BooleanField(
        label=_("Include the band’s available windows"),
        required=False,
        help_text=_(
            "The times everyone needed is free, as “Available” events that do not block the calendar – "
            "handy for promoters."
        ),
    )
