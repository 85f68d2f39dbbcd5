"""Input for a band's packages and its cancellation terms."""

from django import forms

from ..models import Band, Package
from ..packages import PACKAGE_FIELDS


class PackageForm(forms.ModelForm):
    class Meta:
        model = Package
        fields = list(PACKAGE_FIELDS)
        widgets = {"included": forms.Textarea(attrs={"rows": 3})}


class CancelTermsForm(forms.ModelForm):
    class Meta:
        model = Band
        fields = ["cancel_free_days", "cancel_late_percent"]
