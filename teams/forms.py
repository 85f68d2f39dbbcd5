"""Input of the organisation pages: parsing and validation only (the services decide who may)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from bands.models import Band
from core.fields.form_fields import OneLineField
from venues.models import Venue

from .models import MAX_COMMISSION_BP, Organisation, Role


def _commission_bp(value) -> int:
    """A percentage typed by a person ("15", "12.5", "12,5") in basis points; ValidationError otherwise."""
    text = str(value or "0").strip().replace(",", ".").rstrip("%").strip() or "0"
    try:
        percent = Decimal(text)
    except InvalidOperation as exc:
        raise forms.ValidationError(_("Enter a percentage, e.g. 15 or 12.5."), code="invalid") from exc
    if not percent.is_finite() or percent < 0 or percent * 100 > MAX_COMMISSION_BP:
        raise forms.ValidationError(_("A commission is between 0 and 50 %."), code="range")
    if percent * 100 != int(percent * 100):
        raise forms.ValidationError(_("Use at most two decimals, e.g. 12.25."), code="precision")
    return int(percent * 100)


class OrganisationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What kind of organisation"),
        choices=Organisation.Kind.choices,
        widget=forms.RadioSelect,
        help_text=_("An agency acts for several bands; a venue group or promoter runs several venues."),
    )
    name = OneLineField(label=_("Name"), max_length=120)
    email = forms.EmailField(label=_("Contact email"), required=False)
    commission = OneLineField(
        label=_("Commission in %"),
        required=False,
        max_length=8,
        help_text=_("Agencies only: your share of a band's fee, taken where money moves through StageSlot."),
    )

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]

    def clean_commission(self) -> int:
        return _commission_bp(self.cleaned_data.get("commission"))


class OrgInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), help_text=_("We email them a link to join."))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        initial=Role.BOOKER,
        help_text=_("Owners run the organisation; bookers act for its bands or venues; viewers only read."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class BandPickForm(forms.Form):
    band = forms.SlugField(
        label=_("The band's StageSlot address"),
        help_text=_("The last part of the band's page address, e.g. the-night-owls for /bands/the-night-owls/."),
    )
    message = forms.CharField(label=_("Message to the band"), required=False, max_length=2000, widget=forms.Textarea)

    def clean_band(self) -> Band:
        band = Band.objects.filter(slug=self.cleaned_data["band"]).first()
        if band is None:
            raise forms.ValidationError(_("No band has this address. Copy it from the band's page."), code="unknown")
        return band


class VenuePickForm(forms.Form):
    venue = forms.SlugField(
        label=_("The venue's StageSlot address"),
        help_text=_("The last part of the venue's page address, e.g. kellerbar for /venues/kellerbar/."),
    )
    message = forms.CharField(label=_("Message to the venue"), required=False, max_length=2000, widget=forms.Textarea)

    def clean_venue(self) -> Venue:
        venue = Venue.objects.filter(slug=self.cleaned_data["venue"]).first()
        if venue is None:
            raise forms.ValidationError(_("No venue has this address. Copy it from the venue's page."), code="unknown")
        return venue


class MaySignForm(forms.Form):
    may_sign = forms.BooleanField(label=_("May sign contracts for the band"), required=False)


class MayHoldForm(forms.Form):
    may_hold = forms.BooleanField(label=_("May ask venues to hold dates for the band"), required=False)
