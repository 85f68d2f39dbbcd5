"""allauth's passkey forms (MFA_FORMS), with two changes: the credential's JSON is read by
core.web.json_body (too deep, NaN, a control character: the field's error, where Django's JSONField
would raise RecursionError, a 500), and an answer that is not a WebAuthn answer at all (a field
missing, the wrong type) is "Incorrect code." next to the form, as a wrong one is. allauth lets some of
those through to fido2, whose KeyError would be a 500."""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField
from core.web.json_body import JsonFormField

MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _credential() -> JsonFormField:
    return JsonFormField(required=True, widget=forms.HiddenInput)


class _MalformedIsIncorrect:
    def clean_credential(self):
        try:
            return super().clean_credential()  # type: ignore[misc]
        except MALFORMED as exc:
            raise get_adapter().validation_error("incorrect_code") from exc


class _MalformedRegistrationIsIncorrect:
    def clean(self):
        try:
            return super().clean()  # type: ignore[misc]
        except MALFORMED as exc:
            raise get_adapter().validation_error("incorrect_code") from exc


class AddPasskeyForm(_MalformedRegistrationIsIncorrect, webauthn_forms.AddWebAuthnForm):
    """Ticked by default: a passkey added here is a discoverable one that signs in on its own ("Use a passkey"
    asks the browser for one without naming an account, and a key added as a second step only is never
    offered). Untick it for a security key used only after the password."""

    # The passkey's name is shown in lists: one line, at most the column's 255 characters.
    name = OneLineField(required=False, max_length=255)
    credential = _credential()
    passwordless = forms.BooleanField(
        label=_("Passwordless"),
        required=False,
        initial=True,
        help_text=_(
            "Ticked, this passkey signs you in on its own with “Use a passkey”. Untick it only for a security "
            "key you use as a second step after your password."
        ),
    )


class AuthenticatePasskeyForm(_MalformedIsIncorrect, webauthn_forms.AuthenticateWebAuthnForm):
    credential = _credential()


class LoginPasskeyForm(_MalformedIsIncorrect, webauthn_forms.LoginWebAuthnForm):
    credential = _credential()


class ReauthenticatePasskeyForm(_MalformedIsIncorrect, webauthn_forms.ReauthenticateWebAuthnForm):
    credential = _credential()
