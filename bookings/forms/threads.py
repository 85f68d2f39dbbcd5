"""Input parsing for a booking's thread: the message someone sends."""

from django import forms

from accounts.form_fields import refuse_control_characters


class MessageForm(forms.Form):
    # Empty and too long are the service's refusals (it words them); here only what text may contain.
    body = forms.CharField(required=False, strip=False, validators=[refuse_control_characters])
