"""Input for the band's sections and minimum line-up."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField

from ..sections import MOST_SECTIONS

MOST_PER_SECTION = 100
MOST_IN_ALL = 500


class SectionNameForm(forms.Form):
    name = OneLineField(label=_("Section name"), max_length=60, help_text=_("For example Trumpets, Saxes, Rhythm."))


class SectionMoveForm(forms.Form):
    up = forms.BooleanField(label=_("Move up"), required=False)


class LineupForm(forms.Form):
    """The fewest players for each of the band's sections, and in all."""

    total = forms.IntegerField(
        label=_("Fewest players in all"),
        min_value=1,
        max_value=MOST_IN_ALL,
        required=False,
        help_text=_("Leave blank for no total."),
    )

    def __init__(self, *args, sections, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sections = list(sections)[:MOST_SECTIONS]
        for row in self.sections:
            self.fields[f"need_{row.section.pk}"] = forms.IntegerField(
                label=row.section.name,
                min_value=0,
                max_value=MOST_PER_SECTION,
                required=False,
                initial=row.need,
                help_text=_("Fewest players; 0 for no minimum."),
            )

    def needs(self) -> dict[int, int]:
        return {row.section.pk: self.cleaned_data.get(f"need_{row.section.pk}") or 0 for row in self.sections}


class MemberSectionsForm(forms.Form):
    """A member's usual section and those they double in."""

    usual = forms.TypedChoiceField(label=_("Usual section"), coerce=int, required=False, empty_value=None)
    doubles = forms.TypedMultipleChoiceField(
        label=_("Also plays in"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    occasional = forms.BooleanField(
        label=_("Occasional player"),
        required=False,
        help_text=_("A date the line-up needs them for shows as a maybe (amber)."),
    )

    def __init__(self, *args, sections, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(s.pk, s.name) for s in sections]
        self.fields["usual"].choices = [("", _("No section")), *choices]
        self.fields["doubles"].choices = choices
