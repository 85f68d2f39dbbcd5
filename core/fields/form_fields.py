"""Form fields other apps' forms use: the time zone picker, the control character check."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields.timezones import time_zone_choices


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


# ---- One bound per kind of input (docs/decisions/0095-every-input-bounded.md) -----------------------------

# What a one-line text (a name, a title, a label) may not hold besides the controls every request is refused:
# line breaks of every kind (a form's <input> never sends one; a line break stored in a name breaks the
# calendars that write it on one line) and the characters that turn the direction of what follows (embeddings,
# overrides, isolates): in a name they make one text read as another ("gnp.exe" shown as "exe.png").
LINE_BREAKS = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]")
DIRECTION_CHARACTERS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def refuse_line_breaks(value: str) -> None:
    """A one-line field's validator: no line break, tab or direction override (the controls are refused by the
    middleware and refuse_control_characters already)."""
    value = value or ""
    if LINE_BREAKS.search(value):
        raise ValidationError(
            gettext("Keep this on one line: remove the line break or tab and try again."), code="line_break"
        )
    found = DIRECTION_CHARACTERS.search(value)
    if found:
        raise ValidationError(
            gettext(
                "This text contains an invisible character that turns the direction of what follows (%(code)s). "
                "Remove it and try again."
            )
            % {"code": f"U+{ord(found.group()):04X}"},
            code="direction_character",
        )


class OneLineField(forms.CharField):
    """A text on one line (a name, a title, a label, a search): no line break, tab, control or direction
    override. Every form's CharField whose widget is not a Textarea is one (stageslot/tests/test_bounds.py)."""

    default_validators = [refuse_control_characters, refuse_line_breaks]


# The largest number a 4-byte integer column holds (PostgreSQL's integer, Django's IntegerField): past it the
# database refuses the row with an error, a 500 unless a form said so first.
INTEGER_MAX = 2**31 - 1
# The largest fee, price or budget StageSlot takes, in whole units of the currency (minor units: times 100).
MAX_FEE = 10_000_000


class BoundedIntegerField(forms.IntegerField):
    """A whole number within a column's range: from `min_value` (0 unless said) to `max_value` (at most
    INTEGER_MAX). Every form's IntegerField is bounded both ways (stageslot/tests/test_bounds.py)."""

    def __init__(self, *, min_value: int | None = 0, max_value: int | None = INTEGER_MAX, **kwargs) -> None:
        min_value = -INTEGER_MAX if min_value is None else min_value
        max_value = INTEGER_MAX if max_value is None else max_value
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)


class FeeField(BoundedIntegerField):
    """A fee, price or budget in whole units: from 0 to MAX_FEE."""

    def __init__(self, *, max_value: int = MAX_FEE, **kwargs) -> None:
        super().__init__(max_value=min(max_value, MAX_FEE), **kwargs)


def bounded_formfield(db_field, **kwargs):
    """A ModelForm's `formfield_callback`: the model's fields with the bounds of their kind, so a ModelForm is
    bounded by construction. A CharField (not a TextField, not one with choices or its own form field) becomes a
    OneLineField; a whole number a BoundedIntegerField within its column and the model's own validators."""
    from django.core.validators import MaxValueValidator, MinValueValidator
    from django.db import models
    from django.db.models.fields import PositiveIntegerRelDbTypeMixin

    if type(db_field) is models.CharField and not db_field.choices:
        return db_field.formfield(form_class=OneLineField, **kwargs)
    if isinstance(db_field, models.IntegerField) and not db_field.choices and not db_field.is_relation:
        big = isinstance(db_field, (models.BigIntegerField, models.PositiveBigIntegerField))
        low, high = (-(2**63) + 1, 2**63 - 1) if big else (-INTEGER_MAX, INTEGER_MAX)
        if isinstance(db_field, PositiveIntegerRelDbTypeMixin):
            low = 0
        for validator in db_field.validators:
            if isinstance(validator, MinValueValidator) and isinstance(validator.limit_value, int):
                low = max(low, validator.limit_value)
            if isinstance(validator, MaxValueValidator) and isinstance(validator.limit_value, int):
                high = min(high, validator.limit_value)
        kwargs = {"min_value": low, "max_value": high, **kwargs}
        return db_field.formfield(form_class=BoundedIntegerField, **kwargs)
    return db_field.formfield(**kwargs)


def one_line(text: str) -> str:
    """`text` as one line, for what writes it on one (a calendar's name, a header): each line break, tab or
    control a space, each direction override gone. For rows stored before OneLineField held."""
    text = CONTROL_CHARACTERS.sub(" ", LINE_BREAKS.sub(" ", text or ""))
    return DIRECTION_CHARACTERS.sub("", text)
