"""Pages where a band's leaders and admins manage it."""

import copy
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import services
from .forms import (
    BandEmbedForm,
    BandForm,
    BandInviteForm,
    BandLinksForm,
    BandPhotoCaptionForm,
    BandPhotoForm,
    MembershipForm,
)
from .invites import InviteError, invite_check_usable
from .links import LINK_FIELDS
from .models import Band, BandEmbed, BandInvite, BandPhoto, Membership
from .selectors import (
    band_embeds,
    band_for_manage,
    band_invite_path,
    band_invites_active,
    band_invites_past,
    band_members,
    band_photos,
)
from .services import EMBED_LIMIT, PHOTO_LIMIT, BandError, BandPermissionError

NOT_A_MANAGER = "Only the band's leaders and admins can change it. Ask one of them if something needs updating."
NOT_A_MEMBER = "Only the people in this band can see this page."


def _band_for(request: HttpRequest, slug: str, *, manage: bool = True) -> tuple[Band, Membership]:
    """The band and the viewer's membership; 403 unless the viewer may use the page."""
    band, membership = band_for_manage(slug=slug, user=request.user)
    if membership is None:
        raise PermissionDenied(NOT_A_MEMBER)
    if manage and not membership.can_manage:
        raise PermissionDenied(NOT_A_MANAGER)
    return band, membership


def _render(request: HttpRequest, template: str, context: dict, *, section: str, status: int = 200) -> HttpResponse:
    return render(request, template, {"section": section, **context}, status=status)


def _as_manager(call: Callable[[], object]) -> None:
    """Run a service call for a leader or admin; a BandPermissionError answers 403."""
    try:
        call()
    except BandPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc


def _form_change(form, call: Callable[[], object], *, invalid_field: str | None = None) -> bool:
    """Run a service call for a valid form: True when it worked.

    A refusal answers 403; a broken band rule (BandError) becomes a message on the form, and
    so does a ValidationError when `invalid_field` names the field it belongs to.
    """
    try:
        _as_manager(call)
    except ValidationError as exc:
        if invalid_field is None:
            raise
        form.add_error(invalid_field, exc)
    except BandError as exc:
        form.add_error(None, str(exc))
    else:
        return True
    return False


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# ---- Create and profile ---------------------------------------------------------------


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
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"{band.name} is on StageSlot. Its members can see it now; it is listed publicly "
                    "once StageSlot staff have approved it.",
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
    return render(request, "bands/create.html", {"form": form}, status=status)


@login_required
def band_manage(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = _band_for(request, slug)
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
                _add_errors(form, exc)
            else:
                messages.success(request, "The profile is saved.")
                return redirect("bands:manage", slug=band.slug)
        status = 400
    else:
        form = BandForm(instance=band)
        status = 200
    context = {"band": band, "membership": membership, "form": form}
    return _render(request, "bands/manage/profile.html", context, section="profile", status=status)


@login_required
def band_links(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = _band_for(request, slug)
    if request.method == "POST":
        form = BandLinksForm(request.POST)
        if form.is_valid():
            try:
                band = services.band_update(band=band, by=request.user, **form.cleaned_data)
            except BandPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "The links are saved.")
                return redirect("bands:links", slug=band.slug)
        status = 400
    else:
        form = BandLinksForm(initial={name: getattr(band, name) for name, _ in LINK_FIELDS})
        status = 200
    context = {"band": band, "membership": membership, "form": form}
    return _render(request, "bands/manage/links.html", context, section="links", status=status)


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
    return _render(request, "bands/manage/photos.html", context, section="photos", status=status)


@login_required
def band_photos_page(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = _band_for(request, slug)
    if request.method != "POST":
        return _photos_page(request, band, membership)
    form = BandPhotoForm(request.POST, request.FILES)
    if form.is_valid() and _form_change(
        form,
        lambda: services.band_photo_add(
            band=band, by=request.user, image=form.cleaned_data["image"], caption=form.cleaned_data["caption"]
        ),
    ):
        messages.success(request, "The photo is added.")
        return redirect("bands:photos", slug=band.slug)
    return _photos_page(request, band, membership, form=form, status=400)


@login_required
@require_POST
def band_photo_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, membership = _band_for(request, slug)
    photo = get_object_or_404(BandPhoto.objects.select_related("band"), pk=pk, band=band)
    form = BandPhotoCaptionForm(request.POST, prefix=f"photo-{photo.pk}")
    if not form.is_valid():
        return _photos_page(request, band, membership, caption_form=form, caption_pk=photo.pk, status=400)
    _as_manager(lambda: services.band_photo_update(photo=photo, by=request.user, caption=form.cleaned_data["caption"]))
    messages.success(request, "The description is saved.")
    return redirect("bands:photos", slug=band.slug)


@login_required
@require_POST
def band_photo_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _ = _band_for(request, slug)
    photo = get_object_or_404(BandPhoto.objects.select_related("band"), pk=pk, band=band)
    _as_manager(lambda: services.band_photo_delete(photo=photo, by=request.user))
    messages.success(request, "The photo is deleted.")
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
    return _render(request, "bands/manage/embeds.html", context, section="embeds", status=status)


@login_required
def band_embeds_page(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = _band_for(request, slug)
    if request.method != "POST":
        return _embeds_page(request, band, membership)
    form = BandEmbedForm(request.POST)
    if form.is_valid() and _form_change(
        form,
        lambda: services.band_embed_add(
            band=band, by=request.user, url=form.cleaned_data["url"], title=form.cleaned_data["title"]
        ),
        invalid_field="url",
    ):
        messages.success(request, "The player is added.")
        return redirect("bands:embeds", slug=band.slug)
    return _embeds_page(request, band, membership, form=form, status=400)


@login_required
@require_POST
def band_embed_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _ = _band_for(request, slug)
    embed = get_object_or_404(BandEmbed.objects.select_related("band"), pk=pk, band=band)
    _as_manager(lambda: services.band_embed_delete(embed=embed, by=request.user))
    messages.success(request, "The player is removed.")
    return redirect("bands:embeds", slug=band.slug)


# ---- Members ------------------------------------------------------------------------------


@login_required
def band_members_page(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = _band_for(request, slug, manage=False)
    context = {"band": band, "membership": membership, "members": band_members(band=band)}
    return _render(request, "bands/manage/members.html", context, section="members")


def _member_of_band(band: Band, pk: int) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user", "band"), pk=pk, band=band)


@login_required
def band_member_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, membership = _band_for(request, slug)
    member = _member_of_band(band, pk)
    is_leader = membership.role == Membership.Role.LEADER
    initial = {"role": member.role, "instrument": member.instrument, "required": member.required}
    if request.method == "POST":
        form = MembershipForm(request.POST, initial=initial, can_set_leader=is_leader)
        if form.is_valid() and _form_change(
            form, lambda: services.membership_update(membership=member, by=request.user, **form.cleaned_data)
        ):
            messages.success(request, f"The changes to {member.user.name} are saved.")
            return redirect("bands:members", slug=band.slug)
        status = 400
    else:
        form = MembershipForm(initial=initial, can_set_leader=is_leader)
        status = 200
    context = {
        "band": band,
        "membership": membership,
        "member": member,
        "form": form,
        "can_remove": member.role != Membership.Role.LEADER or is_leader,
    }
    return _render(request, "bands/manage/member_edit.html", context, section="members", status=status)


@login_required
@require_POST
def band_member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _ = _band_for(request, slug)
    member = _member_of_band(band, pk)
    try:
        services.membership_remove(membership=member, by=request.user)
    except BandPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except BandError as exc:
        messages.error(request, str(exc))
        return redirect("bands:member_edit", slug=band.slug, pk=member.pk)
    if member.user_id == request.user.pk:
        messages.success(request, f"You have left {band.name}.")
        return redirect("dashboard")
    messages.success(request, f"{member.user.name} is no longer in {band.name}.")
    return redirect("bands:members", slug=band.slug)


@login_required
@require_POST
def band_leave(request: HttpRequest, slug: str) -> HttpResponse:
    band, _ = _band_for(request, slug, manage=False)
    try:
        services.membership_leave(band=band, by=request.user)
    except BandError as exc:
        messages.error(request, str(exc))
        return redirect("bands:members", slug=band.slug)
    messages.success(request, f"You have left {band.name}.")
    return redirect("dashboard")


# ---- Invites --------------------------------------------------------------------------------


def _invite_state(invite: BandInvite, now) -> str:
    try:
        invite_check_usable(invite, now=now)
    except InviteError as exc:
        return exc.code
    return "active"


@login_required
def band_invites_page(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = _band_for(request, slug)
    if request.method == "POST":
        form = BandInviteForm(request.POST)
        if form.is_valid():
            try:
                invite = services.band_invite_create(
                    band=band, by=request.user, base_url=request.build_absolute_uri("/"), **form.cleaned_data
                )
            except BandPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                sent = f" and emailed to {invite.email}" if invite.email else ""
                messages.success(request, f"The invite link is ready{sent}. Share it with the people you invite.")
                return redirect(f"{request.path}#invite-{invite.pk}")
        status = 400
    else:
        form = BandInviteForm()
        status = 200
    now = timezone.now()
    active = [
        (invite, request.build_absolute_uri(band_invite_path(invite=invite)))
        for invite in band_invites_active(band=band, now=now)
    ]
    past = [(invite, _invite_state(invite, now)) for invite in band_invites_past(band=band, now=now)]
    context = {"band": band, "membership": membership, "form": form, "active": active, "past": past}
    return _render(request, "bands/manage/invites.html", context, section="invites", status=status)


@login_required
@require_POST
def band_invite_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _ = _band_for(request, slug)
    invite = get_object_or_404(BandInvite.objects.select_related("band"), pk=pk, band=band)
    _as_manager(lambda: services.band_invite_revoke(invite=invite, by=request.user))
    messages.success(request, "The invite link is withdrawn; it no longer lets anyone join.")
    return redirect("bands:invites", slug=band.slug)
