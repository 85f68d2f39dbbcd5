"""Form fields other apps' forms use: the time zone picker, the control character check."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .timezones import time_zone_choices


class IsoDateInput(forms.DateInput):
    """A date input (type "date") with its value in ISO form (2026-06-13), which the browser shows in the
    visitor's own date format whatever their language; a localised value would come out blank."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class IsoDateTimeInput(forms.DateTimeInput):
    """A date-and-time input (type "datetime-local") with its value in ISO form (2026-06-13T18:00)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class FlatSelect(forms.Select):
    """A <select> whose options are drawn by one template loop (accounts/widgets/flat_select.html).

    Django's Select renders each <option> through a template of its own, which costs ~20 ms for the
    ~430 time zones on every signup and profile page; one loop draws the same options.
    """

    template_name = "accounts/widgets/flat_select.html"

    def get_context(self, name, value, attrs) -> dict:
        selected = "" if value is None else str(value)
        return {
            "widget": {
                "name": name,
                "attrs": self.build_attrs(self.attrs, attrs),
                "options": [(v, label, str(v) == selected) for v, label in self.choices],
            }
        }


class TimeZoneSelect(FlatSelect):
    """The time zone picker: ~430 zones (see FlatSelect)."""


TIME_ZONE_ERROR = "That is not a time zone we know. Pick one from the list, e.g. Europe/Berlin."


class TimeZoneField(forms.ChoiceField):
    def __init__(self, *, browser_default: bool = False, **kwargs) -> None:
        kwargs.setdefault("choices", time_zone_choices)
        kwargs.setdefault("initial", "UTC")
        kwargs.setdefault("help_text", _("Times are shown to you in this zone."))
        kwargs.setdefault("error_messages", {"invalid_choice": TIME_ZONE_ERROR})
        kwargs.setdefault("widget", TimeZoneSelect)
        super().__init__(**kwargs)
        if browser_default:
            # stageslot.js preselects the browser's zone while the field is at its default.
            self.widget.attrs["data-browser-timezone"] = ""


# C0 control characters and DEL, except tab, line feed and carriage return (a textarea sends "\r\n"),
# and lone surrogates (U+D800–U+DFFF). PostgreSQL cannot store NUL in text at all, and the other
# controls are never typed on purpose: they come from pasted binary or from someone probing. A lone
# surrogate is no text at all (no UTF-8 encoder, PostgreSQL's or SQLite's, takes it); it comes from a
# form body decoded with a charset the client named (a multipart body's "charset=utf-7"), never from
# a browser. accounts.middleware refuses them in every request.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def control_character_in(value: str) -> str | None:
    """The first control character (or lone surrogate) in `value` written as U+XXXX, or None."""
    found = CONTROL_CHARACTERS.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def plain_value(data, key: str) -> str:
    """`data[key]` (a QueryDict, a dict) when it is plain text, "" when it is missing or holds a control
    character: what a view looks a row up by, so that NUL (which PostgreSQL cannot compare) reads as naming
    nothing, never as a server error."""
    value = data.get(key) or ""
    return "" if control_character_in(value) else value


def control_character_words(code: str) -> str:
    """How a message names the character `code` (U+XXXX) that control_character_in found."""
    if "D800" <= code[2:] <= "DFFF":
        # Translators: said inside a sentence ("The body contains …"); code is U+XXXX.
        return gettext("a broken character (%(code)s) that is not text") % {"code": code}
    # Translators: said inside a sentence ("The body contains …"); code is U+XXXX.
    return gettext("an invisible control character (%(code)s)") % {"code": code}


def refuse_control_characters(value: str) -> None:
    """A form field validator: the same refusal as the middleware's, next to the field."""
    code = control_character_in(value or "")
    if code:
        if "D800" <= code[2:] <= "DFFF":
            message = gettext("This text contains a broken character (%(code)s) that is not text.")
        else:
            message = gettext("This text contains an invisible control character (%(code)s).")
        raise ValidationError(
            " ".join([message % {"code": code}, gettext("Remove it and try again.")]), code="control_character"
        )
