"""Pages where a band's leaders and admins set up its profile: create, profile, links, photos, players."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from core.fields.timezones import zone_name

from .. import services
from ..forms.manage import (
    BandEmbedForm,
    BandForm,
    BandGigTimesForm,
    BandLinksForm,
    BandPhotoCaptionForm,
    BandPhotoForm,
)
from ..links import LINK_FIELDS
from ..permissions import add_errors, as_manager, band_for, form_change, render_manage
from ..selectors import band_embed_of, band_embeds, band_photo_of, band_photos
from ..services import EMBED_LIMIT, PHOTO_LIMIT, BandPermissionError

# ---- Create and profile ---------------------------------------------------------------


def _zone_note(form: BandForm) -> str:
    return (
        " "
        + gettext("Its time zone is %(zone)s, proposed from its home city.") % {"zone": zone_name(form.zone_proposed)}
        if form.zone_proposed
        else ""
    )


@login_required
def band_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = BandForm(request.POST)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            genres = fields.pop("genres")
            try:
                band = services.band_create(by=request.user, genres=genres, **fields)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext(
                        "%(name)s is on StageSlot. Its members can see it now; "
                        "it is listed publicly once StageSlot staff have approved it."
                    )
                    % {"name": band.name}
                    + _zone_note(form),
                )
                # Back to where the person came from (an emailed offer waiting for the new band).
                next_url = request.GET.get("next", "")
                if url_has_allowed_host_and_scheme(
                    next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
                ):
                    return redirect(next_url)
                return redirect("bands:manage", slug=band.slug)
        status = 400
    else:
        form = BandForm(initial={"time_zone": request.user.time_zone})
        status = 200
    return render(request, "bands/manage/create.html", {"form": form}, status=status)


@login_required
def band_manage(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = band_for(request, slug)
    if request.method == "POST":
        form = BandForm(request.POST, instance=copy.copy(band))
        if form.is_valid():
            fields = dict(form.cleaned_data)
            genres = fields.pop("genres")
            try:
                band = services.band_update(band=band, by=request.user, genres=genres, **fields)
            except BandPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, gettext("The profile is saved.") + _zone_note(form))
                return redirect("bands:manage", slug=band.slug)
        status = 400
    else:
        form = BandForm(instance=band)
        status = 200
    context = {"band": band, "membership": membership, "form": form}
    return render_manage(request, "bands/manage/profile.html", context, section="profile", status=status)


def _settings_page(request: HttpRequest, slug: str, *, form_class, fields, save, saved: str, section: str):
    """A manage page of one form over some of the band's own fields: shown filled in, saved through
    `save(band=…, by=…, **cleaned_data)`, refused with the reasons next to the fields (400)."""
    band, membership = band_for(request, slug)
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                band = save(band=band, by=request.user, **form.cleaned_data)
            except BandPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, saved)
                return redirect(f"bands:{section}", slug=band.slug)
        status = 400
    else:
        form = form_class(initial={name: getattr(band, name) for name in fields})
        status = 200
    context = {"band": band, "membership": membership, "form": form}
    return render_manage(request, f"bands/manage/{section}.html", context, section=section, status=status)


@login_required
def band_links(request: HttpRequest, slug: str) -> HttpResponse:
    """The band's website and social links."""
    return _settings_page(
        request,
        slug,
        form_class=BandLinksForm,
        fields=[name for name, _ in LINK_FIELDS],
        save=services.band_update,
        saved=gettext("The links are saved."),
        section="links",
    )


@login_required
def band_gig_times(request: HttpRequest, slug: str) -> HttpResponse:
    """The band's load-in and pack-down around every gig, whether it takes two gigs a day, its instant
    booking limits and travel speed, and how many days before a gig silent members are reminded."""
    return _settings_page(
        request,
        slug,
        form_class=BandGigTimesForm,
        fields=(
            "load_in_minutes",
            "pack_down_minutes",
            "two_gigs_a_day",
            "instant_notice_hours",
            "instant_max_per_day",
            "instant_max_per_week",
            "travel_speed_kmh",
            "rsvp_reminder_days",
        ),
        save=services.band_gig_times_set,
        saved=gettext("The gig times are saved; gigs to come moved with them."),
        section="gig_times",
    )


# ---- Photos -------------------------------------------------------------------------------


def _photos_page(request, band, membership, *, form=None, caption_form=None, caption_pk=None, status=200):
    photos = list(band_photos(band=band))
    for photo in photos:
        if photo.pk == caption_pk and caption_form is not None:
            photo.caption_form = caption_form
        else:
            photo.caption_form = BandPhotoCaptionForm(initial={"caption": photo.caption}, prefix=f"photo-{photo.pk}")
    context = {
        "band": band,
        "membership": membership,
        "photos": photos,
        "form": form or BandPhotoForm(),
        "limit": PHOTO_LIMIT,
        "full": len(photos) >= PHOTO_LIMIT,
    }
    return render_manage(request, "bands/manage/photos.html", context, section="photos", status=status)


@login_required
def band_photos_page(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = band_for(request, slug)
    if request.method != "POST":
        return _photos_page(request, band, membership)
    form = BandPhotoForm(request.POST, request.FILES)
    if form.is_valid() and form_change(
        form,
        lambda: services.band_photo_add(
            band=band, by=request.user, image=form.cleaned_data["image"], caption=form.cleaned_data["caption"]
        ),
    ):
        messages.success(request, gettext("The photo is added."))
        return redirect("bands:photos", slug=band.slug)
    return _photos_page(request, band, membership, form=form, status=400)


@login_required
@require_POST
def band_photo_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, membership = band_for(request, slug)
    photo = band_photo_of(band=band, pk=pk)
    form = BandPhotoCaptionForm(request.POST, prefix=f"photo-{photo.pk}")
    if not form.is_valid():
        return _photos_page(request, band, membership, caption_form=form, caption_pk=photo.pk, status=400)
    as_manager(lambda: services.band_photo_update(photo=photo, by=request.user, caption=form.cleaned_data["caption"]))
    messages.success(request, gettext("The description is saved."))
    return redirect("bands:photos", slug=band.slug)


@login_required
@require_POST
def band_photo_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _ = band_for(request, slug)
    photo = band_photo_of(band=band, pk=pk)
    as_manager(lambda: services.band_photo_delete(photo=photo, by=request.user))
    messages.success(request, gettext("The photo is deleted."))
    return redirect("bands:photos", slug=band.slug)


# ---- Music and video ------------------------------------------------------------------------


def _embeds_page(request, band, membership, *, form=None, status=200):
    embeds = list(band_embeds(band=band))
    context = {
        "band": band,
        "membership": membership,
        "embeds": embeds,
        "form": form or BandEmbedForm(),
        "limit": EMBED_LIMIT,
        "full": len(embeds) >= EMBED_LIMIT,
    }
    return render_manage(request, "bands/manage/embeds.html", context, section="embeds", status=status)


@login_required
def band_embeds_page(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = band_for(request, slug)
    if request.method != "POST":
        return _embeds_page(request, band, membership)
    form = BandEmbedForm(request.POST)
    if form.is_valid() and form_change(
        form,
        lambda: services.band_embed_add(
            band=band, by=request.user, url=form.cleaned_data["url"], title=form.cleaned_data["title"]
        ),
        invalid_field="url",
    ):
        messages.success(request, gettext("The player is added."))
        return redirect("bands:embeds", slug=band.slug)
    return _embeds_page(request, band, membership, form=form, status=400)


@login_required
@require_POST
def band_embed_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _ = band_for(request, slug)
    embed = band_embed_of(band=band, pk=pk)
    as_manager(lambda: services.band_embed_delete(embed=embed, by=request.user))
    messages.success(request, gettext("The player is removed."))
    return redirect("bands:embeds", slug=band.slug)
