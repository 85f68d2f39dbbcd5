"""Input of the notification pages: the "Unread only" filter and the preferences table."""

from dataclasses import dataclass

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..notification_kinds import NotificationKind
from ..notifications import PreferenceRow, email_choices_for


class NotificationFilterForm(forms.Form):
    unread = forms.BooleanField(required=False, label=_("Unread only"))

    def unread_only(self) -> bool:
        return self.is_valid() and self.cleaned_data["unread"]


@dataclass
class PreferenceFields:
    kind: NotificationKind
    in_app: forms.BoundField
    email: forms.BoundField


class NotificationPreferencesForm(forms.Form):
    """Two fields per kind: `app_<kind>` (a checkbox) and `email_<kind>` (at once / digest / none).

    The digest is offered only for low-priority kinds; a digest sent for any other kind is refused
    with a message that names the kind.
    """

    def __init__(self, *args, rows: list[PreferenceRow], **kwargs) -> None:
        initial = {}
        for row in rows:
            initial[f"app_{row.kind.key}"] = row.in_app
            initial[f"email_{row.kind.key}"] = row.email
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            kind = row.kind
            self.fields[f"app_{kind.key}"] = forms.BooleanField(
                required=False, label=format_lazy(_("In the app: {label}"), label=kind.label)
            )
            if kind.low_priority:
                refused = format_lazy(_("“{label}”: choose At once, Daily digest or No email."), label=kind.label)
            else:
                refused = format_lazy(
                    _("“{label}” cannot wait for the daily digest: choose At once or No email."), label=kind.label
                )
            self.fields[f"email_{kind.key}"] = forms.ChoiceField(
                choices=email_choices_for(kind),
                widget=forms.RadioSelect,
                label=format_lazy(_("Email: {label}"), label=kind.label),
                error_messages={
                    "required": format_lazy(_("“{label}”: choose how to be emailed."), label=kind.label),
                    "invalid_choice": refused,
                },
            )

    def groups(self) -> list[tuple[str, list[PreferenceFields]]]:
        """The fields by group, in the order of the rows."""
        grouped: dict[str, list[PreferenceFields]] = {}
        for row in self.rows:
            key = row.kind.key
            grouped.setdefault(row.kind.group, []).append(
                PreferenceFields(kind=row.kind, in_app=self[f"app_{key}"], email=self[f"email_{key}"])
            )
        return list(grouped.items())

    def choices(self) -> dict[str, tuple[bool, str]]:
        """The cleaned choices as notification_preferences_save takes them."""
        data = self.cleaned_data
        return {row.kind.key: (data[f"app_{row.kind.key}"], data[f"email_{row.kind.key}"]) for row in self.rows}
