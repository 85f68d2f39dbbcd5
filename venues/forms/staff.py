"""Input of the staff page: a person's role at the venue."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import VenueStaff


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=VenueStaff.Role.choices)
