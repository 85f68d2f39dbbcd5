"""allauth's passkey forms (MFA_FORMS), with one change: an answer that is not a WebAuthn answer at all
(a field missing, the wrong type) is "Incorrect code." next to the form, as a wrong one is. allauth lets
some of those through to fido2, whose KeyError would be a 500."""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.webauthn import forms as webauthn_forms

MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


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
    pass


class AuthenticatePasskeyForm(_MalformedIsIncorrect, webauthn_forms.AuthenticateWebAuthnForm):
    pass


class LoginPasskeyForm(_MalformedIsIncorrect, webauthn_forms.LoginWebAuthnForm):
    pass


class ReauthenticatePasskeyForm(_MalformedIsIncorrect, webauthn_forms.ReauthenticateWebAuthnForm):
    pass
