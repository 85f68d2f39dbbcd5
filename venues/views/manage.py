"""Pages where a venue's owners and bookers set it up: create, profile, stages, photos."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from core.fields.timezones import zone_name

from .. import services
from ..forms.manage import PhotoForm, StageForm, VenueCreateForm, VenueProfileForm
from ..models import Stage, Venue
from ..permissions import refusal_text, render_manage, venue_for
from ..selectors import venue_photo_of, venue_photos, venue_slug_suggest, venue_stage_of, venue_stages


def _with_suggestion(form: VenueCreateForm, name: str) -> VenueCreateForm:
    """Show the address that an empty slug field will get."""
    if name:
        suggestion = venue_slug_suggest(name=name)
        form.fields["slug"].widget.attrs["placeholder"] = suggestion
        form.fields["slug"].help_text = gettext("Leave empty to use /venues/%(suggestion)s/, or type your own.") % {
            "suggestion": suggestion
        }
    return form


@login_required
def venue_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = VenueCreateForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            stage_name = data.pop("stage_name")
            data["slug"] = data["slug"] or venue_slug_suggest(name=data["name"])
            try:
                venue = services.venue_create(by=request.user, stage_name=stage_name, **data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    gettext(
                        "%(name)s is set up. StageSlot staff will review it soon; "
                        "until then only you and your staff can see it."
                    )
                    % {"name": venue.name},
                )
                return redirect("venues:manage", slug=venue.slug)
        form = _with_suggestion(form, request.POST.get("name", "").strip()[:120])
        status = 400
    else:
        form = VenueCreateForm()
        status = 200
    return render(request, "venues/manage/create.html", {"form": form}, status=status)


@login_required
@require_GET
def venue_slug_suggestion(request: HttpRequest) -> HttpResponse:
    """The slug field of the create form, with a free address suggested from the typed name (HTMX)."""
    form = VenueCreateForm(initial={"slug": request.GET.get("slug", "")[:120]})
    name = request.GET.get("name", "").strip()[:120]
    return render(request, "venues/manage/create.html#slug_field", {"form": _with_suggestion(form, name)})


@login_required
def venue_manage(request: HttpRequest, slug: str) -> HttpResponse:
    venue = venue_for(request, slug)
    if request.method == "POST":
        # The form and the service work on a copy, so that rejected values never reach the page head.
        form = VenueProfileForm(request.POST, instance=copy.copy(venue))
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "genres"}
            try:
                services.venue_update(venue=form.instance, genres=form.cleaned_data["genres"], **data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                note = (
                    " "
                    + gettext("Its time zone is %(zone)s, proposed from its location.")
                    % {"zone": zone_name(form.zone_proposed)}
                    if form.zone_proposed
                    else ""
                )
                messages.success(request, gettext("The venue profile is saved.") + note)
                return redirect("venues:manage", slug=venue.slug)
        status = 400
    else:
        form = VenueProfileForm(instance=venue)
        status = 200
    return render_manage(request, "venues/manage/profile.html", venue, {"form": form}, status=status)


# ---- Stages ------------------------------------------------------------------------------


def _stage_forms(venue: Venue, bound: StageForm | None = None) -> list[tuple[Stage, StageForm]]:
    """A rename form per stage; `bound` (with its errors) stands in for the one of its stage."""
    pairs = []
    for stage in venue_stages(venue=venue):
        if bound is not None and bound.instance.pk == stage.pk:
            pairs.append((stage, bound))
        else:
            pairs.append((stage, StageForm(instance=stage, prefix=f"stage-{stage.pk}")))
    return pairs


@login_required
def venue_stages_page(request: HttpRequest, slug: str) -> HttpResponse:
    venue = venue_for(request, slug)
    add_form = StageForm(prefix="new")
    status = 200
    if request.method == "POST":
        add_form = StageForm(request.POST, prefix="new")
        if add_form.is_valid():
            try:
                stage = services.stage_add(venue=venue, **add_form.cleaned_data)
            except ValidationError as exc:
                add_form.add_error(None, exc)
            else:
                messages.success(request, gettext("Stage “%(name)s” added.") % {"name": stage.name})
                return redirect("venues:stages", slug=venue.slug)
        status = 400
    context = {"stage_forms": _stage_forms(venue), "add_form": add_form}
    return render_manage(request, "venues/manage/stages.html", venue, context, status=status)


@login_required
@require_POST
def venue_stage_update(request: HttpRequest, slug: str, stage_id: int) -> HttpResponse:
    venue = venue_for(request, slug)
    stage = venue_stage_of(venue=venue, pk=stage_id)
    form = StageForm(request.POST, instance=stage, prefix=f"stage-{stage.pk}")
    if form.is_valid():
        try:
            services.stage_update(stage=stage, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, gettext("Stage “%(name)s” saved.") % {"name": stage.name})
            return redirect("venues:stages", slug=venue.slug)
    context = {"stage_forms": _stage_forms(venue, bound=form), "add_form": StageForm(prefix="new")}
    return render_manage(request, "venues/manage/stages.html", venue, context, status=400)


@login_required
@require_POST
def venue_stage_delete(request: HttpRequest, slug: str, stage_id: int) -> HttpResponse:
    venue = venue_for(request, slug)
    stage = venue_stage_of(venue=venue, pk=stage_id)
    try:
        services.stage_delete(stage=stage)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, gettext("Stage “%(name)s” deleted.") % {"name": stage.name})
    return redirect("venues:stages", slug=venue.slug)


# ---- Photos ------------------------------------------------------------------------------


@login_required
def venue_photos_page(request: HttpRequest, slug: str) -> HttpResponse:
    venue = venue_for(request, slug)
    status = 200
    if request.method == "POST":
        form = PhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.venue_photo_add(
                    venue=venue, image=form.cleaned_data["image"], caption=form.cleaned_data["caption"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, gettext("Photo added."))
                return redirect("venues:photos", slug=venue.slug)
        status = 400
    else:
        form = PhotoForm()
    photos = list(venue_photos(venue=venue))
    limit = services.PHOTO_LIMIT
    context = {"form": form, "photos": photos, "photo_limit": limit, "room_left": limit - len(photos)}
    return render_manage(request, "venues/manage/photos.html", venue, context, status=status)


@login_required
@require_POST
def venue_photo_remove(request: HttpRequest, slug: str, photo_id: int) -> HttpResponse:
    venue = venue_for(request, slug)
    photo = venue_photo_of(venue=venue, pk=photo_id)
    services.venue_photo_delete(photo=photo)
    messages.success(request, gettext("Photo deleted."))
    return redirect("venues:photos", slug=venue.slug)
