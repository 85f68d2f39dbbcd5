"""Input for a band's packages and its cancellation terms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import bounded_formfield

from ..models import Band, Deliverable, Package
from ..packages import PACKAGE_FIELDS


class PackageForm(forms.ModelForm):
    deliverables = forms.MultipleChoiceField(
        label=_("Delivered after the gig"),
        choices=Deliverable.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the client receives after the gig; the booking shows what is still missing."),
    )

    class Meta:
        formfield_callback = bounded_formfield
        model = Package
        fields = list(PACKAGE_FIELDS)
        widgets = {"included": forms.Textarea(attrs={"rows": 3})}


class CancelTermsForm(forms.ModelForm):
    class Meta:
        formfield_callback = bounded_formfield
        model = Band
        fields = ["cancel_free_days", "cancel_late_percent"]
