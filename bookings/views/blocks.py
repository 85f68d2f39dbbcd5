"""Blocking from a band's, a venue's or a booking's page, and the list of blocks in the settings
(decision 0081). The target is named by a public slug or by a booking the viewer is part of, never by a
person's id: the page shows a name only to who may already see it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from bands.selectors import bands_public
from core.fields.form_fields import plain_value
from venues.selectors import venues_public

from ..errors import BookingPermissionError
from ..forms.blocks import BlockForm
from ..selectors.blocks import (
    BlockTarget,
    band_party,
    block_liftable,
    block_targets_of_booking,
    block_voices,
    blocks_made_by,
    venue_party,
)
from ..selectors.bookings import booking_for_viewer
from ..services.blocks import block_create, block_remove


def _target(request: HttpRequest) -> tuple[BlockTarget, dict[str, str]]:
    """Who is to be blocked, from ?band=<slug>, ?venue=<slug> or ?booking=<uid> (GET or POST); 404 otherwise."""
    data = request.POST if request.method == "POST" else request.GET
    if slug := plain_value(data, "band"):
        band = get_object_or_404(bands_public(), slug=slug)
        return BlockTarget(band_party(band.pk), band.name), {"band": band.slug}
    if slug := plain_value(data, "venue"):
        venue = get_object_or_404(venues_public(), slug=slug)
        return BlockTarget(venue_party(venue.pk), venue.name), {"venue": venue.slug}
    if uid := plain_value(data, "booking"):
        try:
            booking = booking_for_viewer(uid=uid, user=request.user)
        except ValidationError:
            booking = None
        targets = block_targets_of_booking(booking, request.user) if booking is not None else []
        if targets:
            return targets[0], {"booking": str(booking.uid)}
    raise Http404("Nobody to block here.")


@login_required
def block_new(request: HttpRequest) -> HttpResponse:
    """The page that asks "block X for whom?"; its POST blocks and goes to the list of blocks."""
    target, hidden = _target(request)
    voices = block_voices(request.user)
    form = BlockForm(request.POST if request.method == "POST" else None, voices=voices)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            voice = next(v for v in voices if v.party.key == form.cleaned_data["voice"])
            try:
                block_create(by=request.user, blocker=voice.party, blocked=target.party)
            except BookingPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    gettext("%(name)s can no longer contact %(voice)s, nor you them. Lift it here at any time.")
                    % {"name": target.name, "voice": voice.name},
                )
                return redirect("bookings:blocks")
        status = 400
    context = {"target": target, "hidden": hidden, "form": form}
    return render(request, "bookings/blocks/new.html", context, status=status)


@login_required
def block_list(request: HttpRequest) -> HttpResponse:
    """Everyone blocked by the viewer or a band or venue they run, each with Unblock."""
    return render(request, "bookings/blocks/list.html", {"blocks": blocks_made_by(request.user)})


@login_required
@require_POST
def block_lift(request: HttpRequest, pk: int) -> HttpResponse:
    """Unblock; a block the viewer may not lift is a 404 (it is not theirs to see)."""
    found = block_liftable(pk=pk, user=request.user)
    if found is None:
        raise Http404("No such block.")
    block, name = found
    block_remove(by=request.user, block=block)
    messages.success(request, gettext("%(name)s is unblocked.") % {"name": name})
    return redirect("bookings:blocks")
