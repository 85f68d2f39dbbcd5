"""Contract forms: signing (parsing only; contract_sign checks the password, the side and the PDF's
hash under the contract's lock), a party's template, and the verification page's upload."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField

from ..models import ContractSignature

# The verification page reads at most this much of an upload (a sealed contract is far smaller).
VERIFY_MAX_BYTES = 10 * 1024 * 1024


class SignForm(forms.Form):
    side = forms.ChoiceField(choices=ContractSignature.Side.choices, widget=forms.HiddenInput)
    sha256 = forms.RegexField(
        regex=r"^[0-9a-f]{64}$",
        widget=forms.HiddenInput,
        error_messages={"invalid": _("The page was incomplete: reload the contract and sign again.")},
    )
    full_name = OneLineField(
        label=_("Your full name"),
        max_length=200,
        help_text=_("Typed as your signature; it appears on the signature page."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Type your full name to sign.")},
    )
    consent = forms.BooleanField(
        label=_("I have read this contract and sign it, with the same effect as a handwritten signature."),
        error_messages={"required": _("Tick the box to say you agree to sign this contract.")},
    )
    password = forms.CharField(
        label=_("Your password"),
        help_text=_("Asked again, so that only you can sign."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password to sign.")},
    )

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Type your full name to sign."))
        return name


class TemplateForm(forms.Form):
    clauses = forms.CharField(
        label=_("Clauses"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("One clause a paragraph: leave a blank line between clauses."),
        error_messages={"required": _("A contract needs its clauses: keep at least one.")},
    )
    additions = forms.CharField(
        label=_("Your additional clauses"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Printed after the clauses, e.g. merchandise, guest list, curfew."),
    )


class VerifyForm(forms.Form):
    pdf = forms.FileField(
        label=_("The contract's PDF"),
        help_text=_("At most 10 MB. Nothing you upload is kept."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={
            "required": _("Choose a PDF to check."),
            "empty": _("That file is empty: choose the contract's PDF."),
            "invalid": _("That was not a file: choose the contract's PDF."),
        },
    )

    def clean_pdf(self) -> bytes:
        upload = self.cleaned_data["pdf"]
        if upload.size > VERIFY_MAX_BYTES:
            raise forms.ValidationError(_("That file is larger than 10 MB: no contract sealed here is."))
        data = upload.read(VERIFY_MAX_BYTES + 1)
        if not data:
            raise forms.ValidationError(_("That file is empty: choose the contract's PDF."))
        return data
