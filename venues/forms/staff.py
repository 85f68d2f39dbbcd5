"""Input of the staff page: a person's role at the venue."""

from django import forms

from ..models import VenueStaff


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=VenueStaff.Role.choices)
