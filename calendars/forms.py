"""Input of the connected calendars pages: a CalDAV account, and what to read and write in it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField


class CaldavConnectForm(forms.Form):
    """A CalDAV server's address, the account's user name and an app password."""

    server_url = OneLineField(
        label=_("Server address"),
        max_length=2000,
        help_text=_(
            "Your provider's CalDAV address, starting with https://. "
            "Nextcloud: https://cloud.example.com/remote.php/dav · Fastmail: https://caldav.fastmail.com/ · iCloud: https://caldav.icloud.com/"
        ),
        widget=forms.TextInput(attrs={"autocomplete": "url", "spellcheck": "false", "inputmode": "url"}),
    )
    username = OneLineField(
        label=_("User name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("App password"),
        max_length=500,
        help_text=_("Make an app password for StageSlot in your account's security settings; we store it encrypted."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    name = OneLineField(
        label=_("Name"), max_length=80, required=False, help_text=_("Optional, e.g. “Work”, to tell accounts apart.")
    )


class CalendarChoiceForm(forms.Form):
    """Which of the account's calendars make the member busy, and which one gets their gigs."""

    read = forms.MultipleChoiceField(
        label=_("Calendars that make you busy"), widget=forms.CheckboxSelectMultiple, required=False
    )
    write_calendar_url = forms.ChoiceField(label=_("Write my gigs into"), required=False)

    def __init__(self, *args, names: dict[str, str], can_write: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = list(names.items())
        self.fields["read"].choices = choices
        if can_write:
            self.fields["write_calendar_url"].choices = [("", _("Do not write my gigs")), *choices]
            self.fields["write_calendar_url"].help_text = _(
                "Your confirmed gigs appear there and are updated or removed when they change."
            )
        else:
            del self.fields["write_calendar_url"]


class ReconnectForm(forms.Form):
    """A new app password for an account whose old one was refused."""

    password = forms.CharField(
        label=_("New app password"), max_length=500, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
