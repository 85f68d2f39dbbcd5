"""Input of the pages that compose several apps: parsing and validation only."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bands.models import ApprovalStatus, Band
from core.fields.form_fields import OneLineField
from holds.forms import AskHoldsForm
from venues.models import Venue


class RosterHoldForm(AskHoldsForm):
    """An agent asks one venue to hold a date for one band of the roster, both picked by searching (their
    ids, never typed addresses); the date and times in the agent's own zone, as on the band's holds page."""

    venues = None  # one venue, picked: `venue`
    band = forms.ModelChoiceField(
        label=_("Band"),
        queryset=Band.objects.none(),
        error_messages={"required": _("Pick a band of the roster."), "invalid_choice": _("Pick a band of the roster.")},
    )
    venue = forms.ModelChoiceField(
        label=_("Venue"),
        queryset=Venue.objects.filter(status=ApprovalStatus.APPROVED),
        error_messages={"required": _("Pick a venue."), "invalid_choice": _("Pick a venue from the matches.")},
    )
    field_order = ["band", "venue", "date", "start", "end", "note"]

    def __init__(self, *args, bands: QuerySet[Band], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["band"].queryset = bands


class RosterAnswerForm(forms.Form):
    """The agent accepts or declines an offer or request for a band of the roster."""

    answer = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
    reason = OneLineField(label=_("Reason (optional)"), required=False, max_length=300)


class AccountCloseForm(forms.Form):
    """Confirm closing one's own account: the password (when the account has one) and a tick."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand: my account closes now and is erased after the grace period."),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            # Signed up through another site: its second factor (when on) or the tick is all it has.
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password
