"""Invite forms: the one bands and venues share (who it is for, how often and how long it works), and the band's own."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..models import Membership

MAX_USES_LIMIT = 100
VALID_DAYS_LIMIT = 30


class InviteForm(forms.Form):
    """Parse an invite request; `role_choices` are the roles the inviting side hands out."""

    role = forms.ChoiceField(label=_("Role"), help_text=_("What the person who joins with this link may do."))
    max_uses = forms.IntegerField(
        label=_("How many people can join with it"),
        min_value=1,
        max_value=MAX_USES_LIMIT,
        initial=1,
        help_text=format_lazy(
            _("1 for a personal link, up to {max_uses_limit} for a link you share with a group."),
            max_uses_limit=MAX_USES_LIMIT,
        ),
        error_messages={
            "min_value": _("An invite must work at least once."),
            "max_value": format_lazy(
                _("An invite can be used at most {max_uses_limit} times."), max_uses_limit=MAX_USES_LIMIT
            ),
            "invalid": _("Enter a whole number, e.g. 1."),
        },
    )
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=VALID_DAYS_LIMIT,
        initial=14,
        help_text=format_lazy(
            _("Between 1 and {valid_days_limit} days; you can withdraw it at any time."),
            valid_days_limit=VALID_DAYS_LIMIT,
        ),
        error_messages={
            "min_value": _("An invite must be valid for at least 1 day."),
            "max_value": format_lazy(
                _("An invite can be valid for at most {valid_days_limit} days."), valid_days_limit=VALID_DAYS_LIMIT
            ),
            "invalid": _("Enter a whole number of days, e.g. 14."),
        },
    )
    email = forms.EmailField(
        label=_("Email it to (optional)"),
        required=False,
        max_length=254,
        help_text=_("We send the link to this address. Leave empty to copy the link yourself."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, role_choices: list[tuple[str, str]], initial_role: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices
        if initial_role is not None:
            self.fields["role"].initial = initial_role

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class BandInviteForm(InviteForm):
    """An invite to join a band as member or admin."""

    ROLE_CHOICES = [
        (Membership.Role.MEMBER, _("Member – sees the band and adds their availability")),
        (Membership.Role.ADMIN, _("Admin – also edits the profile, members and invites")),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, role_choices=self.ROLE_CHOICES, initial_role=Membership.Role.MEMBER, **kwargs)
