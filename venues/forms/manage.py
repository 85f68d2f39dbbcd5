"""Input parsing and validation for setting up a venue: create, profile, stages, photos."""

from django import forms
from django.core.files.base import ContentFile
from django.db import models
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bands.links import LINK_FIELDS, LinkField
from bands.models import Genre
from core.fields.form_fields import OneLineField, TimeZoneField, bounded_formfield
from core.files.images import PHOTO_RULES, image_clean
from places.forms import CityField, PlaceFormMixin, coordinate_field, point_clean

from ..models import Stage, Venue
from ..selectors import venue_slug_problem

CAPACITY_LIMIT = 200_000
PROFILE_FIELDS = ["name", "description", "address", "postcode", "place", "latitude", "longitude", "time_zone"]
PROFILE_FIELDS += ["capacity", "genres"]
ZONE_NOTE = _("Proposed from the venue’s location.")
LINK_HELP = {
    "website": _("Your own site, e.g. https://kellerbar.example"),
    "instagram": _("e.g. https://instagram.com/yourvenue"),
    "facebook": _("e.g. https://facebook.com/yourvenue"),
}


def _profile_formfield(field: models.Field, **kwargs) -> forms.Field | None:
    """The links as bands.links takes them (https:// added, checked as real addresses); the rest as usual."""
    labels = dict(LINK_FIELDS)
    if field.name in labels:
        return LinkField(kind=field.name, label=labels[field.name], help_text=LINK_HELP.get(field.name, ""))
    return bounded_formfield(field, **kwargs)


class VenueProfileForm(PlaceFormMixin, forms.ModelForm):
    """The venue's public profile: place, description, capacity, genres and links."""

    place = CityField(required=False, zone_note=ZONE_NOTE)
    latitude = coordinate_field(_("Latitude"), 90, "e.g. 52.5200")
    longitude = coordinate_field(_("Longitude"), 180, "e.g. 13.4050")
    time_zone = TimeZoneField(label=_("Time zone"), help_text=_("Your slots and gigs are planned in this zone."))
    capacity = forms.IntegerField(
        label=_("Capacity"),
        required=False,
        min_value=1,
        max_value=CAPACITY_LIMIT,
        help_text=_("Standing capacity of your largest room."),
        error_messages={
            "min_value": _("Capacity is the number of people who fit in; it must be at least 1."),
            "max_value": format_lazy(
                _("That is more than any venue holds; enter at most {capacity_limit}."),
                capacity_limit=format(CAPACITY_LIMIT, ","),
            ),
            "invalid": _("Enter a whole number of people, e.g. 250."),
        },
    )
    genres = forms.ModelMultipleChoiceField(
        queryset=Genre.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Genres"),
        help_text=_("What you like to book. Bands searching by genre find you."),
    )

    class Meta:
        model = Venue
        fields = [*PROFILE_FIELDS, *(name for name, _ in LINK_FIELDS)]
        formfield_callback = _profile_formfield
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
        }
        labels = {"address": _("Street address")}
        error_messages = {"name": {"required": _("Give your venue a name.")}}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.setdefault("autocomplete", "organization")
        self.place_initial()
        venue = self.instance
        if venue.pk and not venue.exact_point:
            # Empty inputs mean the city's point; show it as the example.
            self.initial["latitude"] = self.initial["longitude"] = ""
            if venue.latitude is not None:
                self.fields["latitude"].widget.attrs["placeholder"] = gettext("%(latitude)s (the city’s)") % {
                    "latitude": format(venue.latitude, ".4f")
                }
                self.fields["longitude"].widget.attrs["placeholder"] = gettext("%(longitude)s (the city’s)") % {
                    "longitude": format(venue.longitude, ".4f")
                }

    def clean(self) -> dict:
        data = super().clean()
        self.clean_place_keeping_old_text(data)
        city = data.get("place", self.instance.place if self.instance.place_id else None)
        point = point_clean(self, data, city=city)
        if self.has_error("latitude") or self.has_error("longitude"):
            return data
        data["latitude"], data["longitude"] = point if point else (None, None)
        data["exact_point"] = point is not None
        venue = self.instance
        old = (venue.latitude, venue.longitude) if venue.pk and venue.exact_point else None
        if "place" in data:
            lat, lon = data["latitude"], data["longitude"]
            self.propose_time_zone(data, latitude=lat, longitude=lon, point_changed=old != point)
        return data

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(gettext("Give your venue a name."), code="required")
        return name

    def validate_unique(self) -> None:
        # The service checks the slug with a friendlier message, and again at insert time.
        pass


class VenueCreateForm(VenueProfileForm):
    """A new venue: its profile without links, its address on StageSlot and its first stage."""

    slug = forms.SlugField(
        label=_("Address on StageSlot"),
        required=False,
        max_length=120,
        help_text=_("Lowercase letters, numbers and hyphens. Leave empty to make one from the name."),
        error_messages={"invalid": _("Use only lowercase letters, numbers and hyphens, e.g. kellerbar-berlin.")},
    )
    stage_name = OneLineField(
        label=_("Name of your first stage"),
        max_length=80,
        initial=_("Main stage"),
        help_text=_("Every venue has at least one stage; you can add and rename stages later."),
        error_messages={"required": _("Name your first stage, e.g. “Main stage”.")},
    )

    class Meta(VenueProfileForm.Meta):
        fields = ["name", "slug", *PROFILE_FIELDS[1:]]

    field_order = ["name", "slug", "description", "address", "postcode", "place", "latitude", "longitude"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Suggest a free address while the name is typed; without JavaScript an empty field does the same.
        self.fields["name"].widget.attrs.update(
            {
                "hx-get": reverse("venues:slug_suggestion"),
                "hx-trigger": "input changed delay:400ms",
                "hx-include": "#id_slug",
                "hx-target": "#venue-slug-field",
                "hx-swap": "outerHTML",
            }
        )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        # Said now, with the other fields' messages; the service checks again when it saves.
        if slug and (problem := venue_slug_problem(slug=slug)):
            raise forms.ValidationError(problem, code="unavailable")
        return slug


class StageForm(forms.ModelForm):
    capacity = forms.IntegerField(
        label=_("Capacity"),
        required=False,
        min_value=1,
        max_value=CAPACITY_LIMIT,
        error_messages={
            "min_value": _("Capacity must be at least 1."),
            "max_value": format_lazy(
                _("That is more than any stage holds; enter at most {capacity_limit}."),
                capacity_limit=format(CAPACITY_LIMIT, ","),
            ),
        },
    )

    class Meta:
        formfield_callback = bounded_formfield
        model = Stage
        fields = ["name", "capacity", "notes"]
        labels = {"name": _("Stage name")}
        error_messages = {"name": {"required": _("Give the stage a name.")}}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(gettext("Give the stage a name."), code="required")
        return name

    def validate_unique(self) -> None:
        # Stage names are unique per venue; the service checks that under a lock.
        pass


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"),
        help_text=format_lazy(
            _("JPEG, PNG or WebP, up to {megabytes} MB and {megapixels} megapixels. Large photos are scaled down."),
            megabytes=PHOTO_RULES.max_bytes // (1024 * 1024),
            megapixels=PHOTO_RULES.max_pixels // 1_000_000,
        ),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        error_messages={"required": _("Choose a photo to upload.")},
    )
    caption = OneLineField(
        label=_("Caption"),
        required=False,
        max_length=200,
        help_text=_("Describe the photo for people who cannot see it, e.g. “The main room from the bar, full house”."),
    )

    def clean_image(self) -> ContentFile:
        return image_clean(upload=self.cleaned_data["image"], rules=PHOTO_RULES)
