"""Input of the profile: the person's name, time zone, language and picture, asked at signup and on
/me/profile/."""

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.text import format_lazy
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField, TimeZoneField
from core.files.images import AVATAR_RULES, image_clean

from ..models import HereFor
from ..services import signup_language

HERE_FOR_REFUSED = _("Pick one of the choices offered.")
# Set in the session when the person skips the first page's question: it is not asked again in this session.
HERE_FOR_SKIPPED = "here_for_skipped"


class SignupForm(forms.Form):
    """Extra fields on allauth's signup form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = OneLineField(
        max_length=80,
        required=False,
        label=_("Your name"),
        help_text=_("Shown to bands, venues and clients you work with."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    time_zone = TimeZoneField(label=_("Time zone"), browser_default=True)

    def signup(self, request, user) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.time_zone = self.cleaned_data["time_zone"]
        # The language the page was read in (the browser's or the switcher's): the one their mail is written in.
        user.language = signup_language()
        user.save(update_fields=["display_name", "time_zone", "language"])


def language_choices() -> list[tuple[str, str]]:
    """The site's default first (blank), then each language offered, named in the reader's language."""
    return [("", _("As my browser asks"))] + [
        (code, get_language_info(code)["name_translated"]) for code, _name in settings.LANGUAGES
    ]


class ProfileForm(forms.Form):
    display_name = OneLineField(
        max_length=80,
        required=False,
        label=_("Display name"),
        help_text=_("Shown to bands, venues and clients you work with."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    time_zone = TimeZoneField(label=_("Time zone"))
    language = forms.ChoiceField(
        choices=language_choices,
        required=False,
        label=_("Language"),
        help_text=_("Pages, notifications and emails reach you in this language."),
    )
    avatar = forms.FileField(
        required=False,
        label=_("Profile picture"),
        help_text=format_lazy(
            _("JPEG, PNG or WebP, up to {mb} MB and {megapixels} megapixels. It is cropped to a square."),
            mb=AVATAR_RULES.max_bytes // (1024 * 1024),
            megapixels=AVATAR_RULES.max_pixels // 1_000_000,
        ),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_avatar = forms.BooleanField(required=False, label=_("Remove my current picture"))
    here_for = forms.ChoiceField(
        choices=[("", _("I have not said")), *HereFor.choices],
        required=False,
        label=_("What brings you to StageSlot?"),
        help_text=_("Your dashboard leads you to the first steps of what you chose."),
        error_messages={"invalid_choice": HERE_FOR_REFUSED},
    )

    def clean_avatar(self) -> ContentFile | None:
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        return image_clean(upload=upload, rules=AVATAR_RULES)


class HereForForm(forms.Form):
    """The first page's question: what the person came for (accounts.HereFor)."""

    here_for = forms.ChoiceField(
        choices=HereFor.choices,
        label=_("What brings you to StageSlot?"),
        error_messages={"invalid_choice": HERE_FOR_REFUSED, "required": HERE_FOR_REFUSED},
    )
