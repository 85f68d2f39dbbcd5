"""Invite forms: the one bands and venues share (who it is for, how often and how long it works), and the band's own."""

from django import forms

from ..models import Membership

MAX_USES_LIMIT = 100
VALID_DAYS_LIMIT = 30


class InviteForm(forms.Form):
    """Parse an invite request; `role_choices` are the roles the inviting side hands out."""

    role = forms.ChoiceField(label="Role", help_text="What the person who joins with this link may do.")
    max_uses = forms.IntegerField(
        label="How many people can join with it",
        min_value=1,
        max_value=MAX_USES_LIMIT,
        initial=1,
        help_text=f"1 for a personal link, up to {MAX_USES_LIMIT} for a link you share with a group.",
        error_messages={
            "min_value": "An invite must work at least once.",
            "max_value": f"An invite can be used at most {MAX_USES_LIMIT} times.",
            "invalid": "Enter a whole number, e.g. 1.",
        },
    )
    valid_days = forms.IntegerField(
        label="Valid for (days)",
        min_value=1,
        max_value=VALID_DAYS_LIMIT,
        initial=14,
        help_text=f"Between 1 and {VALID_DAYS_LIMIT} days; you can withdraw it at any time.",
        error_messages={
            "min_value": "An invite must be valid for at least 1 day.",
            "max_value": f"An invite can be valid for at most {VALID_DAYS_LIMIT} days.",
            "invalid": "Enter a whole number of days, e.g. 14.",
        },
    )
    email = forms.EmailField(
        label="Email it to (optional)",
        required=False,
        max_length=254,
        help_text="We send the link to this address. Leave empty to copy the link yourself.",
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
        (Membership.Role.MEMBER, "Member – sees the band and adds their availability"),
        (Membership.Role.ADMIN, "Admin – also edits the profile, members and invites"),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, role_choices=self.ROLE_CHOICES, initial_role=Membership.Role.MEMBER, **kwargs)
