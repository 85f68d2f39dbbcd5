"""Input parsing for the inbox: which tab, whose bookings, which page."""

from typing import Any

from django import forms
from django.utils.translation import gettext, pgettext_lazy

from core.fields.form_fields import BoundedIntegerField


class InboxForm(forms.Form):
    """Which tab of the inbox, whose bookings, which page. Anything unknown falls back to the default."""

    tab = forms.ChoiceField(required=False, choices=[])
    show = forms.ChoiceField(label=pgettext_lazy("verb", "Show"), required=False, choices=[])
    page = BoundedIntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, tabs: list[tuple[str, str]], shows: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tab"].choices = tabs
        self.fields["show"].choices = [("", gettext("Everything")), *shows]

    def value(self, name: str) -> Any:
        """The cleaned value, or None when missing or not one we know (a stale link, a tampered one)."""
        if not self.is_bound:
            return None
        self.is_valid()
        if name in self.errors:
            return None
        return self.cleaned_data.get(name) or None
