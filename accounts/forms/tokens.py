"""/me/tokens/: the form that makes a personal access token."""

import datetime as dt

from django import forms
from django.utils import timezone

from ..api_tokens import EXPIRY_CHOICES
from ..models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80, help_text="What will use it, e.g. “Band website”.")
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiToken.Scope.READ],
        error_messages={"required": "Choose at least one scope."},
    )
    expires = forms.ChoiceField(
        label="Expires",
        choices=[("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("never", "Never")],
        initial="90",
    )

    def expires_at(self, now: dt.datetime | None = None) -> dt.datetime | None:
        days = EXPIRY_CHOICES[self.cleaned_data["expires"]]
        return None if days is None else (now or timezone.now()) + dt.timedelta(days=days)
