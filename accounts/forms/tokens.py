"""/me/tokens/: the form that makes a personal access token."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField

from ..api_tokens import EXPIRY_CHOICES
from ..mfa import STEP_UP_TOKEN_DAYS, step_up_token_expiry_refusal
from ..models import ApiToken


class TokenForm(forms.Form):
    name = OneLineField(label=_("Name"), max_length=80, help_text=_("What will use it, e.g. “Band website”."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiToken.Scope.READ],
        error_messages={"required": _("Choose at least one scope.")},
    )
    expires = forms.ChoiceField(
        label=_("Expires"),
        choices=[("30", _("In 30 days")), ("90", _("In 90 days")), ("365", _("In a year")), ("never", _("Never"))],
        initial="90",
        help_text=lazy(
            lambda: (
                gettext(
                    "A token with the Payments scope expires within %(days)s days, and an account with two-factor "
                    "gives it before the token is made."
                )
                % {"days": STEP_UP_TOKEN_DAYS}
            ),
            str,
        )(),
    )

    def clean(self) -> dict:
        data = super().clean()
        if "scopes" in data and "expires" in data:
            now = timezone.now()
            refusal = step_up_token_expiry_refusal(scopes=data["scopes"], expires_at=self.expires_at(now), now=now)
            if refusal:
                self.add_error("expires", refusal)
        return data

    def expires_at(self, now: dt.datetime | None = None) -> dt.datetime | None:
        days = EXPIRY_CHOICES[self.cleaned_data["expires"]]
        return None if days is None else (now or timezone.now()) + dt.timedelta(days=days)
