"""Input parsing and validation for setting up a band: its profile, links, photos and players."""

from django import forms
from django.core.files.base import ContentFile
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import OneLineField, TimeZoneField, bounded_formfield
from core.files.images import PHOTO_RULES, image_clean
from places.forms import CityField, PlaceFormMixin

from ..embeds import Embed, embed_from_url
from ..links import LINK_FIELDS, LinkField
from ..models import Band, Genre
from ..press_kit import SLUG_RESERVED
from ..services import SLUG_TAKEN

# Paths under /bands/ that a band slug would hide.
RESERVED_SLUGS = frozenset({"new", "search", "manage", "join", "admin"})
BIO_LIMIT = 5000
LINK_PLACEHOLDERS = {
    "website": _("https://yourband.com"),
    "instagram": _("https://instagram.com/yourband"),
    "facebook": _("https://facebook.com/yourband"),
    "tiktok": _("https://tiktok.com/@yourband"),
    "youtube": _("https://youtube.com/@yourband"),
    "spotify": _("https://open.spotify.com/artist/…"),
    "bandcamp": _("https://yourband.bandcamp.com"),
    "soundcloud": _("https://soundcloud.com/yourband"),
}


class GenreChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Genre) -> str:
        return obj.name


TRAVEL_KM_LIMIT = 20_000
TRAVEL_KM_ERROR = format_lazy(
    _("Enter how far you travel in whole km, from 0 to {travel_km_limit}, e.g. 300."),
    travel_km_limit=format(TRAVEL_KM_LIMIT, ","),
)


class BandForm(PlaceFormMixin, forms.ModelForm):
    """The press kit: who the band is, where, what it costs, what it needs."""

    place = CityField(label=_("Home city"), required=False, zone_note=_("Proposed from the band’s home city."))
    travel_km = forms.IntegerField(
        label=_("Travels up to (km)"),
        required=False,
        min_value=0,
        max_value=TRAVEL_KM_LIMIT,
        help_text=_("How far from your home city you would travel for a gig. Leave empty if you do not say."),
        error_messages={
            "invalid": TRAVEL_KM_ERROR,
            "min_value": _("A distance cannot be negative. Enter 0 for home-town gigs only."),
            "max_value": format_lazy(
                _("That is more than half way round the earth; enter at most {travel_km_limit} km."),
                travel_km_limit=format(TRAVEL_KM_LIMIT, ","),
            ),
        },
        widget=forms.NumberInput(attrs={"min": 0, "max": TRAVEL_KM_LIMIT, "step": 10, "inputmode": "numeric"}),
    )

    time_zone = TimeZoneField(
        label=_("Time zone"),
        browser_default=True,
        help_text=_("Where the band is based; gig times are shown to the band in this zone."),
    )
    genres = GenreChoiceField(
        queryset=Genre.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Genres"),
        help_text=_("Pick every genre that fits; venues search by them."),
    )

    class Meta:
        formfield_callback = bounded_formfield
        model = Band
        fields = [
            "name",
            "slug",
            "tagline",
            "bio",
            "genres",
            "place",
            "travel_km",
            "time_zone",
            "fee_min",
            "fee_max",
            "currency",
            "set_length_minutes",
            "rider",
        ]
        labels = {
            "name": _("Band name"),
            "slug": _("Web address"),
            "bio": _("Biography"),
            "fee_min": _("Lowest fee"),
            "fee_max": _("Highest fee"),
            "set_length_minutes": _("Usual set length (minutes)"),
            "rider": _("Technical rider and notes"),
        }
        help_texts = {
            "slug": _("Your page will be at /bands/your-address/. Lower-case letters, numbers and hyphens."),
            "bio": format_lazy(
                _("Plain text, up to {bio_limit} characters; a blank line starts a new paragraph."), bio_limit=BIO_LIMIT
            ),
            "set_length_minutes": _("Between 5 and 600 minutes."),
        }
        error_messages = {
            "name": {"required": _("Give your band a name.")},
            "slug": {
                "unique": SLUG_TAKEN,
                "invalid": _("Use only lower-case letters, numbers and hyphens, e.g. the-night-shift."),
            },
            "fee_min": {"invalid": _("Enter a whole number, e.g. 300.")},
            "fee_max": {"invalid": _("Enter a whole number, e.g. 900.")},
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "bio": forms.Textarea(attrs={"rows": 8}),
            "rider": forms.Textarea(attrs={"rows": 5}),
            "fee_min": forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
            "fee_max": forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].widget.attrs.update({"data-slug-from": self["name"].auto_id, "spellcheck": "false"})
        self.fields["bio"].error_messages["max_length"] = gettext(
            "Your biography is %%(show_value)s characters long; it can be at most %(bio_limit)s. Please shorten it."
        ) % {"bio_limit": BIO_LIMIT}
        if self.instance.pk:
            # Only a new band starts from the browser's zone; an existing one keeps its own.
            self.fields["time_zone"].widget.attrs.pop("data-browser-timezone", None)
        self.place_initial()

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("name") or "")
        if not slug:
            raise forms.ValidationError(
                gettext("Choose a web address using letters, numbers and hyphens, e.g. the-night-shift."),
                code="required",
            )
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(SLUG_RESERVED, code="reserved")
        return slug

    def clean(self) -> dict:
        data = super().clean()
        self.clean_place_keeping_old_text(data)
        self.propose_time_zone(data)
        fee_min, fee_max = data.get("fee_min"), data.get("fee_max")
        if fee_min is not None and fee_max is not None and fee_min > fee_max:
            self.add_error(
                "fee_max",
                forms.ValidationError(
                    gettext(
                        "The highest fee (%(max)s) is lower than the lowest fee (%(min)s). Swap them or change one."
                    ),
                    code="fee_range",
                    params={"min": fee_min, "max": fee_max},
                ),
            )
        return data


GIG_MINUTES_ERROR = _("Enter minutes from 0 to 600 (10 hours), e.g. 120 for 2 hours.")
INSTANT_NOTICE_ERROR = _("Enter hours from 0 to 720 (30 days), e.g. 24 for a day.")
INSTANT_DAY_ERROR = _("Enter a number of gigs from 1 to 20, or leave it empty for no limit.")
INSTANT_WEEK_ERROR = _("Enter a number of gigs from 1 to 50, or leave it empty for no limit.")
TRAVEL_SPEED_ERROR = _("Enter a speed from 10 to 900 km/h, e.g. 70 by road.")
RSVP_REMINDER_ERROR = _("Enter days from 0 to 60, e.g. 7 for a week before the gig; 0 sends no reminder.")


class BandGigTimesForm(forms.Form):
    """The time every gig takes beyond its own: load-in and soundcheck before, pack-down after;
    whether the band plays two gigs on one day; and the limits of instant booking."""

    load_in_minutes = forms.IntegerField(
        label=_("Load-in and soundcheck (minutes before a gig)"),
        min_value=0,
        max_value=600,
        help_text=_("Members are busy this long before every gig starts, in every band they play in."),
        error_messages={
            "required": GIG_MINUTES_ERROR,
            "invalid": GIG_MINUTES_ERROR,
            "min_value": GIG_MINUTES_ERROR,
            "max_value": GIG_MINUTES_ERROR,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 15}),
    )
    pack_down_minutes = forms.IntegerField(
        label=_("Pack-down (minutes after a gig)"),
        min_value=0,
        max_value=600,
        help_text=_("Members are busy this long after every gig ends."),
        error_messages={
            "required": GIG_MINUTES_ERROR,
            "invalid": GIG_MINUTES_ERROR,
            "min_value": GIG_MINUTES_ERROR,
            "max_value": GIG_MINUTES_ERROR,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 15}),
    )
    two_gigs_a_day = forms.BooleanField(
        label=_("We take two gigs a day"),
        required=False,
        help_text=_("Off: a day with a booked gig reads Booked, and no other gig is proposed that day."),
    )
    instant_notice_hours = forms.IntegerField(
        label=_("Instant booking: minimum notice (hours)"),
        required=False,
        min_value=0,
        max_value=720,
        help_text=_("A gig starting sooner than this cannot be booked instantly, e.g. 24 for a day."),
        error_messages=dict.fromkeys(("required", "invalid", "min_value", "max_value"), INSTANT_NOTICE_ERROR),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    instant_max_per_day = forms.IntegerField(
        label=_("Instant booking: most gigs a day"),
        required=False,
        min_value=1,
        max_value=20,
        help_text=_("No instant booking on a day that has this many booked gigs. Empty: no limit."),
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), INSTANT_DAY_ERROR),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    instant_max_per_week = forms.IntegerField(
        label=_("Instant booking: most gigs a week"),
        required=False,
        min_value=1,
        max_value=50,
        help_text=_("No instant booking in a week (Monday to Sunday) that has this many booked gigs. Empty: no limit."),
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), INSTANT_WEEK_ERROR),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    travel_speed_kmh = forms.IntegerField(
        label=_("Average travel speed (km/h)"),
        required=False,
        min_value=10,
        max_value=900,
        help_text=_(
            "Between two gigs in different places, members are busy for the journey at this speed, e.g. 70 by road."
        ),
        error_messages=dict.fromkeys(("required", "invalid", "min_value", "max_value"), TRAVEL_SPEED_ERROR),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
    )
    rsvp_reminder_days = forms.IntegerField(
        label=_("Remind members who have not answered (days before a gig)"),
        required=False,
        min_value=0,
        max_value=60,
        help_text=_(
            "Members who have not said whether they can play a booked gig are reminded this many days before it. "
            "0: no reminder."
        ),
        error_messages=dict.fromkeys(("required", "invalid", "min_value", "max_value"), RSVP_REMINDER_ERROR),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 60}),
    )

    def clean(self) -> dict:
        data = super().clean()
        for name in ("instant_notice_hours", "travel_speed_kmh", "rsvp_reminder_days"):
            if data.get(name) is None:
                data.pop(name, None)  # left empty: the band keeps what it had
        return data


class BandLinksForm(forms.Form):
    """The band's website and social links (bands.links says what a link may be)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, label in LINK_FIELDS:
            self.fields[name] = LinkField(kind=name, label=label, placeholder=LINK_PLACEHOLDERS[name])


class BandPhotoForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"),
        help_text=format_lazy(
            _(
                "JPEG, PNG or WebP, up to {megabytes} MB and {megapixels} megapixels. "
                "Large photos are scaled to {max_side} pixels."
            ),
            megabytes=PHOTO_RULES.max_bytes // (1024 * 1024),
            megapixels=PHOTO_RULES.max_pixels // 1_000_000,
            max_side=PHOTO_RULES.max_side,
        ),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        error_messages={"required": _("Choose a photo to upload.")},
    )
    caption = OneLineField(
        label=_("Description"),
        max_length=200,
        help_text=_("Say what the photo shows, for people who cannot see it, e.g. “The band on stage at Lido, 2024”."),
        error_messages={
            "required": _("Describe the photo in a few words; it is read out to people who cannot see it.")
        },
    )

    def clean_image(self) -> ContentFile:
        return image_clean(upload=self.cleaned_data["image"], rules=PHOTO_RULES)


class BandPhotoCaptionForm(forms.Form):
    caption = OneLineField(
        label=_("Description"),
        max_length=200,
        error_messages={
            "required": _("Describe the photo in a few words; it is read out to people who cannot see it.")
        },
    )


class BandEmbedForm(forms.Form):
    url = OneLineField(
        label=_("Share link"),
        max_length=2000,
        help_text=_(
            "A link to a song, album, playlist or video on Spotify, SoundCloud or YouTube, or Bandcamp's embed code."
        ),
        widget=forms.TextInput(attrs={"placeholder": _("https://open.spotify.com/album/…"), "spellcheck": "false"}),
        error_messages={"required": _("Paste a share link first.")},
    )
    title = OneLineField(
        label=_("Title (optional)"),
        max_length=120,
        required=False,
        help_text=_("E.g. the song or album name; screen readers announce the player with it."),
    )

    def clean_url(self) -> str:
        self.embed: Embed = embed_from_url(self.cleaned_data["url"])
        return self.cleaned_data["url"]
