"""Pages where a venue's owners and bookers manage it."""

import copy
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from bands.invite_forms import InviteForm

from . import services
from .forms import PhotoForm, StaffRoleForm, StageForm, VenueCreateForm, VenueProfileForm
from .models import Stage, Venue, VenueInvite, VenuePhoto, VenueStaff
from .selectors import (
    venue_for_staff,
    venue_invites,
    venue_photos,
    venue_slug_suggest,
    venue_staff_list,
    venue_stages,
)

OWNER = VenueStaff.Role.OWNER
EDITORS = (VenueStaff.Role.OWNER, VenueStaff.Role.BOOKER)


def _venue(request: HttpRequest, slug: str, *, roles: tuple[str, ...] = EDITORS) -> Venue:
    """The venue if the user holds one of `roles` there; 404 if there is no such venue, else 403."""
    venue = venue_for_staff(slug=slug, user=request.user)
    if venue is None:
        raise Http404("No venue at this address.")
    if venue.my_role is None:
        raise PermissionDenied("Only this venue's staff can manage it.")
    if venue.my_role not in roles:
        raise PermissionDenied("Only the venue's owners can manage its staff and invites.")
    return venue


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _render(request: HttpRequest, template: str, venue: Venue, context: dict, *, status: int = 200) -> HttpResponse:
    return render(request, template, {"venue": venue, "is_owner": venue.my_role == OWNER, **context}, status=status)


def _with_suggestion(form: VenueCreateForm, name: str) -> VenueCreateForm:
    """Show the address that an empty slug field will get."""
    if name:
        suggestion = venue_slug_suggest(name=name)
        form.fields["slug"].widget.attrs["placeholder"] = suggestion
        form.fields["slug"].help_text = f"Leave empty to use /venues/{suggestion}/, or type your own."
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
                    f"{venue.name} is set up. StageSlot staff will review it soon; "
                    "until then only you and your staff can see it.",
                )
                return redirect("venues:manage", slug=venue.slug)
        form = _with_suggestion(form, request.POST.get("name", "").strip()[:120])
        status = 400
    else:
        form = VenueCreateForm()
        status = 200
    return render(request, "venues/create.html", {"form": form}, status=status)


@login_required
@require_GET
def venue_slug_suggestion(request: HttpRequest) -> HttpResponse:
    """The slug field of the create form, with a free address suggested from the typed name (HTMX)."""
    form = VenueCreateForm(initial={"slug": request.GET.get("slug", "")[:120]})
    name = request.GET.get("name", "").strip()[:120]
    return render(request, "venues/create.html#slug_field", {"form": _with_suggestion(form, name)})


@login_required
def venue_manage(request: HttpRequest, slug: str) -> HttpResponse:
    venue = _venue(request, slug)
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
                messages.success(request, "The venue profile is saved.")
                return redirect("venues:manage", slug=venue.slug)
        status = 400
    else:
        form = VenueProfileForm(instance=venue)
        status = 200
    return _render(request, "venues/manage/profile.html", venue, {"form": form}, status=status)


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
    venue = _venue(request, slug)
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
                messages.success(request, f"Stage “{stage.name}” added.")
                return redirect("venues:stages", slug=venue.slug)
        status = 400
    context = {"stage_forms": _stage_forms(venue), "add_form": add_form}
    return _render(request, "venues/manage/stages.html", venue, context, status=status)


@login_required
@require_POST
def venue_stage_update(request: HttpRequest, slug: str, stage_id: int) -> HttpResponse:
    venue = _venue(request, slug)
    stage = get_object_or_404(Stage, pk=stage_id, venue=venue)
    form = StageForm(request.POST, instance=stage, prefix=f"stage-{stage.pk}")
    if form.is_valid():
        try:
            services.stage_update(stage=stage, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Stage “{stage.name}” saved.")
            return redirect("venues:stages", slug=venue.slug)
    context = {"stage_forms": _stage_forms(venue, bound=form), "add_form": StageForm(prefix="new")}
    return _render(request, "venues/manage/stages.html", venue, context, status=400)


@login_required
@require_POST
def venue_stage_delete(request: HttpRequest, slug: str, stage_id: int) -> HttpResponse:
    venue = _venue(request, slug)
    stage = get_object_or_404(Stage, pk=stage_id, venue=venue)
    try:
        services.stage_delete(stage=stage)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, f"Stage “{stage.name}” deleted.")
    return redirect("venues:stages", slug=venue.slug)


# ---- Photos ------------------------------------------------------------------------------


@login_required
def venue_photos_page(request: HttpRequest, slug: str) -> HttpResponse:
    venue = _venue(request, slug)
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
                messages.success(request, "Photo added.")
                return redirect("venues:photos", slug=venue.slug)
        status = 400
    else:
        form = PhotoForm()
    photos = list(venue_photos(venue=venue))
    limit = services.PHOTO_LIMIT
    context = {"form": form, "photos": photos, "photo_limit": limit, "room_left": limit - len(photos)}
    return _render(request, "venues/manage/photos.html", venue, context, status=status)


@login_required
@require_POST
def venue_photo_remove(request: HttpRequest, slug: str, photo_id: int) -> HttpResponse:
    venue = _venue(request, slug)
    photo = get_object_or_404(VenuePhoto, pk=photo_id, venue=venue)
    services.venue_photo_delete(photo=photo)
    messages.success(request, "Photo deleted.")
    return redirect("venues:photos", slug=venue.slug)


# ---- Staff -------------------------------------------------------------------------------


@login_required
@require_GET
def venue_staff_page(request: HttpRequest, slug: str) -> HttpResponse:
    venue = _venue(request, slug)
    staff = venue_staff_list(venue=venue)
    owners = sum(1 for s in staff if s.role == OWNER)
    rows = [(s, StaffRoleForm(initial={"role": s.role}, prefix=f"staff-{s.pk}")) for s in staff]
    return _render(request, "venues/manage/staff.html", venue, {"rows": rows, "owner_count": owners})


@login_required
@require_POST
def venue_staff_role(request: HttpRequest, slug: str, staff_id: int) -> HttpResponse:
    venue = _venue(request, slug, roles=(OWNER,))
    staff = get_object_or_404(VenueStaff.objects.select_related("user"), pk=staff_id, venue=venue)
    form = StaffRoleForm(request.POST, prefix=f"staff-{staff.pk}")
    if not form.is_valid():
        messages.error(request, "Choose owner or booker.")
    else:
        try:
            staff = services.venue_staff_set_role(staff=staff, role=form.cleaned_data["role"])
        except ValidationError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, f"{staff.user.name} is now {staff.get_role_display().lower()}.")
    return redirect("venues:staff", slug=venue.slug)


@login_required
@require_POST
def venue_staff_remove_view(request: HttpRequest, slug: str, staff_id: int) -> HttpResponse:
    venue = _venue(request, slug, roles=(OWNER,))
    staff = get_object_or_404(VenueStaff.objects.select_related("user"), pk=staff_id, venue=venue)
    try:
        services.venue_staff_remove(staff=staff)
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("venues:staff", slug=venue.slug)
    if staff.user_id == request.user.pk:
        messages.success(request, f"You have left {venue.name}.")
        return redirect("dashboard")
    messages.success(request, f"{staff.user.name} no longer works for {venue.name}.")
    return redirect("venues:staff", slug=venue.slug)


@login_required
@require_POST
def venue_leave(request: HttpRequest, slug: str) -> HttpResponse:
    venue = _venue(request, slug)
    staff = VenueStaff.objects.select_related("user").get(venue=venue, user=request.user)
    try:
        services.venue_staff_remove(staff=staff)
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("venues:staff", slug=venue.slug)
    messages.success(request, f"You have left {venue.name}.")
    return redirect("dashboard")


# ---- Invites -----------------------------------------------------------------------------


def _invite_form(data=None) -> InviteForm:
    return InviteForm(data, role_choices=VenueStaff.Role.choices, initial_role=VenueStaff.Role.BOOKER)


@login_required
def venue_invites_page(request: HttpRequest, slug: str) -> HttpResponse:
    venue = _venue(request, slug, roles=(OWNER,))
    status = 200
    form = _invite_form()
    if request.method == "POST":
        form = _invite_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                invite = services.venue_invite_create(
                    venue=venue,
                    by=request.user,
                    role=data["role"],
                    max_uses=data["max_uses"],
                    valid_for=timedelta(days=data["valid_days"]),
                    email=data["email"],
                    site_url=request.build_absolute_uri("/"),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if invite.email:
                    messages.success(request, f"Invite created and emailed to {invite.email}.")
                else:
                    messages.success(request, "Invite created. Copy its link below and send it to whoever should join.")
                return redirect("venues:invites", slug=venue.slug)
        status = 400
    invites = venue_invites(venue=venue)
    for invite in invites:
        invite.link = request.build_absolute_uri(invite.link_path) if invite.link_path else ""
    return _render(request, "venues/manage/invites.html", venue, {"form": form, "invites": invites}, status=status)


@login_required
@require_POST
def venue_invite_revoke_view(request: HttpRequest, slug: str, invite_id: int) -> HttpResponse:
    venue = _venue(request, slug, roles=(OWNER,))
    invite = get_object_or_404(VenueInvite, pk=invite_id, venue=venue)
    services.venue_invite_revoke(invite=invite)
    messages.success(request, "Invite withdrawn; its link no longer works.")
    return redirect("venues:invites", slug=venue.slug)
