"""Input parsing for a band's members: role, instrument, whether every gig needs them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField

from ..models import Membership


class MembershipForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        help_text=_("Leaders and admins manage the band; only leaders hand out or take away leadership."),
    )
    instrument = OneLineField(label=_("Instrument or part"), max_length=60, required=False)
    required = forms.BooleanField(
        label=_("Needed for every gig"),
        required=False,
        help_text=_("Turn off for deps and occasional players; the band's free dates then ignore their calendar."),
    )

    def __init__(self, *args, can_set_leader: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not can_set_leader:
            # Admins may not hand out leadership or change a leader's role; the service enforces it too.
            current = self.initial.get("role")
            if current == Membership.Role.LEADER:
                self.fields["role"].disabled = True
            else:
                self.fields["role"].choices = [c for c in Membership.Role.choices if c[0] != Membership.Role.LEADER]
