"""Input parsing and validation for accounts."""

from django import forms
from django.core.files.base import ContentFile
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .images import AVATAR_RULES, image_clean
from .timezones import time_zone_choices


class TimeZoneSelect(forms.Select):
    """A <select> of ~430 zones, built in one pass.

    Django renders each <option> through a template, which costs ~20 ms for this
    list on every signup and profile page; the markup here is the same.
    """

    def render(self, name, value, attrs=None, renderer=None) -> str:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((v, mark_safe(" selected") if v == selected else "", label) for v, label in self.choices),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


TIME_ZONE_ERROR = "That is not a time zone we know. Pick one from the list, e.g. Europe/Berlin."


class TimeZoneField(forms.ChoiceField):
    def __init__(self, *, browser_default: bool = False, **kwargs) -> None:
        kwargs.setdefault("choices", time_zone_choices)
        kwargs.setdefault("initial", "UTC")
        kwargs.setdefault("help_text", "Times are shown to you in this zone.")
        kwargs.setdefault("error_messages", {"invalid_choice": TIME_ZONE_ERROR})
        kwargs.setdefault("widget", TimeZoneSelect)
        super().__init__(**kwargs)
        if browser_default:
            # stageslot.js preselects the browser's zone while the field is at its default.
            self.widget.attrs["data-browser-timezone"] = ""


class SignupForm(forms.Form):
    """Extra fields on allauth's signup form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(
        max_length=80,
        required=False,
        label="Your name",
        help_text="Shown to bands, venues and clients you work with.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    time_zone = TimeZoneField(label="Time zone", browser_default=True)

    def signup(self, request, user) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["display_name", "time_zone"])


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=80,
        required=False,
        label="Display name",
        help_text="Shown to bands, venues and clients you work with.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    time_zone = TimeZoneField(label="Time zone")
    avatar = forms.FileField(
        required=False,
        label="Profile picture",
        help_text="JPEG, PNG or WebP, up to 5 MB. It is cropped to a square.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_avatar = forms.BooleanField(required=False, label="Remove my current picture")

    def clean_avatar(self) -> ContentFile | None:
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        return image_clean(upload=upload, rules=AVATAR_RULES)
