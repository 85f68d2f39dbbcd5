"""Songs and set lists, for the band's members: the song library, a gig's set list built by dragging or by
keyboard (Move up / Move down / Move to set N, the focus staying on the moved song), copied from an earlier
gig, and a print view in large type for the stage."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.idempotency import replayable, stale_response
from bands.models import Band
from bookings.errors import BookingConflict, BookingError, BookingPermissionError, StaleEdit
from bookings.models import Booking
from bookings.selectors.detail import booking_title
from core.fields.timezones import when_text
from core.web.htmx import HtmxHttpRequest, is_partial, render_page
from core.web.offline import kept_offline

from ..forms.set_lists import SongForm
from ..models import Song
from ..selectors.answers import gig_for_member, member_band
from ..selectors.set_lists import earlier_gigs_with_set_lists, song_of, songs_of
from ..selectors.set_lists import set_list_page as page_of
from ..services import set_lists as services

LIBRARY_TEMPLATE = "gigs/set_lists/songs.html"
SET_LIST_TEMPLATE = "gigs/set_lists/set_list.html"
PRINT_TEMPLATE = "gigs/set_lists/print.html"


def _status_of(exc: BookingError) -> int:
    return 403 if isinstance(exc, BookingPermissionError) else 409 if isinstance(exc, BookingConflict) else 400


def _band_for_member(request: HtmxHttpRequest, slug: str) -> Band:
    membership = member_band(slug=slug, user=request.user)
    if membership is None:
        raise Http404("No such band.")
    return membership.band


# ---- The song library ------------------------------------------------------------------------------


def _library(request, band: Band, *, form=None, edit: Song | None = None, error: str = "", status: int = 200):
    query = request.GET.get("q", "")[:100]
    context = {
        "band": band,
        "songs": songs_of(band=band, query=query),
        "query": query,
        "form": form or SongForm(auto_id="song_%s"),
        "edit": edit,
        "error": error,
    }
    return render_page(
        request, LIBRARY_TEMPLATE, context, partial="songs" if request.method == "GET" else "", status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def song_library(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """GET: the band's songs (a title filter swaps the list). POST: a song added."""
    band = _band_for_member(request, slug)
    if request.method == "GET":
        return _library(request, band)
    form = SongForm(request.POST, auto_id="song_%s")
    if form.is_valid():
        try:
            song = services.song_create(band=band, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, gettext("“%(title)s” is in the library.") % {"title": song.title})
            return redirect("gigs:songs", slug=band.slug)
    return _library(request, band, form=form, error=gettext("Check the song: see below."), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def song_edit(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    band = _band_for_member(request, slug)
    song = song_of(band=band, pk=pk)
    if song is None:
        raise Http404("No such song.")
    if request.method == "GET":
        initial = {
            "title": song.title,
            "key": song.key,
            "length": song_length(song),
            "notes": song.notes,
            "links": song.links,
        }
        return _library(request, band, form=SongForm(initial=initial, auto_id="song_%s"), edit=song)
    form = SongForm(request.POST, auto_id="song_%s")
    if form.is_valid():
        try:
            services.song_update(song=song, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, gettext("“%(title)s” is saved.") % {"title": song.title})
            return redirect("gigs:songs", slug=band.slug)
    return _library(request, band, form=form, edit=song, error=gettext("Check the song: see below."), status=400)


def song_length(song: Song) -> str:
    minutes, seconds = divmod(song.length_seconds, 60)
    return f"{minutes}:{seconds:02d}"


@login_required
@require_POST
def song_archive(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    band = _band_for_member(request, slug)
    song = song_of(band=band, pk=pk)
    if song is None:
        raise Http404("No such song.")
    services.song_archive(song=song, by=request.user)
    messages.success(request, gettext("“%(title)s” is out of the library.") % {"title": song.title})
    return redirect("gigs:songs", slug=band.slug)


# ---- A gig's set list ---------------------------------------------------------------------------------------


def _gig(request: HtmxHttpRequest, uid: UUID) -> Booking:
    booking = gig_for_member(uid=uid, user=request.user)
    if booking is None:
        raise Http404("No such gig.")
    return booking


def _set_list(
    request,
    booking: Booking,
    *,
    error: str = "",
    notice: str = "",
    focus: int | None = None,
    status=200,
    extra_sets=0,
    added_to: int | None = None,
):
    """The page, or its editor after an htmx action with the focus on its result: the song moved (`focus`),
    the song just added to set `added_to`, or the heading of the set just added (`extra_sets`)."""
    now = timezone.now()
    query = request.GET.get("q", "")[:100]
    page = page_of(booking=booking, extra_sets=extra_sets)
    if added_to is not None:
        focus = page.last_entry_of(added_to)
    context = {
        "booking": booking,
        "title": booking_title(booking),
        "when": when_text(booking.starts_at, booking.ends_at, timezone.get_current_timezone()),
        "page": page,
        "songs": songs_of(band=booking.band, query=query)[:300],
        "query": query,
        "earlier": earlier_gigs_with_set_lists(booking=booking, now=now),
        "editable": booking.status in services.OPEN_STATUSES and booking.ends_at > now,
        "error": error,
        "notice": notice,
        "focus": focus,
        "focus_set": len(page.sets) if extra_sets else None,
        "set_numbers": range(1, services.MOST_SETS + 1),
    }
    return render_page(request, SET_LIST_TEMPLATE, context, partial="editor", status=status)


def _act(request: HtmxHttpRequest, booking: Booking, call, notice: str, added_to: int | None = None) -> HttpResponse:
    try:
        focus = call()
    except BookingError as exc:
        stale = (
            stale_response(request, message=str(exc), theirs=exc.theirs, yours=exc.yours)
            if isinstance(exc, StaleEdit)
            else None
        )
        return stale or _set_list(request, booking, error=str(exc), status=_status_of(exc))
    except ValidationError as exc:
        return _set_list(request, booking, error=" ".join(exc.messages), status=400)
    if is_partial(request):
        return _set_list(request, booking, notice=notice, focus=focus, added_to=added_to)
    messages.success(request, notice)
    return redirect("gigs:set_list", uid=booking.uid)


def _int(value: str, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
@require_GET
@kept_offline
def set_list_page(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The gig's set list by set, its lengths against the booked set, the library to add from."""
    booking = _gig(request, uid)
    return _set_list(request, booking, extra_sets=1 if request.GET.get("add_set") else 0)


@login_required
@require_POST
def set_list_add(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    booking = _gig(request, uid)
    song = song_of(band=booking.band, pk=_int(request.POST.get("song")))
    if song is None:
        return _set_list(request, booking, error=gettext("Choose a song of the band's library."), status=400)
    set_number = _int(request.POST.get("set"), 1)

    def add():
        services.set_list_add(booking=booking, by=request.user, song=song, set_number=set_number)

    notice = gettext("Added “%(title)s” to set %(set)s.") % {"title": song.title, "set": set_number}
    return _act(request, booking, add, notice, added_to=set_number)


@login_required
@require_POST
def set_list_move(request: HtmxHttpRequest, uid: UUID, pk: int) -> HttpResponse:
    """Move one song by keyboard (or a button): up, down, to another set, or off the list."""
    booking = _gig(request, uid)
    direction = request.POST.get("direction", "")[:10]
    result: dict = {}

    def move():
        _set_list_row, set_number, place = services.set_list_move(
            booking=booking, by=request.user, entry_id=pk, direction=direction
        )
        result.update(set=set_number, place=place)
        return None

    response = _act(request, booking, move, "")
    if result and response.status_code == 200 and is_partial(request):
        if result["place"]:
            notice = gettext("Moved to place %(place)s of set %(set)s.") % result
        else:
            notice = gettext("Removed from set %(set)s.") % result
        return _set_list(request, booking, notice=notice, focus=_moved_entry(booking, result))
    return response


def _moved_entry(booking: Booking, result: dict) -> int | None:
    if not result.get("place"):
        return None
    page = page_of(booking=booking)
    entries = page.sets[result["set"] - 1].entries if result["set"] <= len(page.sets) else []
    return entries[result["place"] - 1].pk if len(entries) >= result["place"] else None


@login_required
@require_POST
@replayable
def set_list_order(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The order after a drag: `entry` repeated in order as "song:set" pairs (the whole list)."""
    booking = _gig(request, uid)
    entries = []
    for raw in request.POST.getlist("entry")[: services.MOST_ENTRIES + 1]:
        song, _sep, set_number = raw.partition(":")
        if not song.isdigit() or not set_number.isdigit():
            return _set_list(request, booking, error=gettext("The new order could not be read; try again."), status=400)
        entries.append((int(song), int(set_number), ""))
    base = request.POST.get("base", "")

    def save():
        services.set_list_save(booking=booking, by=request.user, entries=entries, base=base or None)

    return _act(request, booking, save, gettext("The new order is saved."))


@login_required
@require_POST
def set_list_copy(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    booking = _gig(request, uid)
    try:
        source_uid = UUID(request.POST.get("source", ""))
    except ValueError:
        return _set_list(request, booking, error=gettext("Choose an earlier gig to copy from."), status=400)
    source = gig_for_member(uid=source_uid, user=request.user)
    if source is None:
        return _set_list(request, booking, error=gettext("Choose an earlier gig to copy from."), status=400)

    def copy():
        services.set_list_copy(booking=booking, source=source, by=request.user)

    return _act(request, booking, copy, gettext("Copied the set list of %(gig)s.") % {"gig": booking_title(source)})


@login_required
@require_GET
def set_list_print(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The set list in large type, for the stage."""
    booking = _gig(request, uid)
    return render(
        request, PRINT_TEMPLATE, {"booking": booking, "title": booking_title(booking), "page": page_of(booking=booking)}
    )
