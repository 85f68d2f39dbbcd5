"""Who plays: a gig's line-up page for its band's members, the band's who-is-in table, the one-click answer
links of the "Can you play?" email, and the card on the booking page."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.idempotency import replayable
from accounts.links import LinkPerson, link_for_a_person
from accounts.models import User
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking
from bookings.selectors.detail import booking_title
from core.fields.timezones import when_text
from core.web.htmx import HtmxHttpRequest, is_partial, render_page
from core.web.offline import kept_offline

from ..forms.answers import AnswerByForm, AnswerForm, AnswersLockForm, CommentForm
from ..models import Answer, GigAnswer
from ..selectors.answers import (
    MANAGING_ROLES,
    answer_by_of,
    gig_for_member,
    lineup_counts,
    lineup_groups,
    lineup_of,
    member_band,
    membership_of,
    place_of_link,
    place_of_member,
    who_is_in,
)
from ..selectors.parts import gig_sections, gig_total
from ..services.answers import (
    answer_link_read,
    gig_answer_by_set,
    gig_answer_set,
    gig_answers_lock,
    gig_lineup_open,
)

GIG_TEMPLATE = "gigs/answers/gig.html"
TABLE_TEMPLATE = "gigs/answers/band_gigs.html"
LINK_TEMPLATE = "gigs/answers/link.html"


def _status_of(exc: BookingError) -> int:
    return 403 if isinstance(exc, BookingPermissionError) else 409 if isinstance(exc, BookingConflict) else 400


def _gig_or_404(request: HtmxHttpRequest, uid: UUID) -> Booking:
    booking = gig_for_member(uid=uid, user=request.user)
    if booking is None:
        raise Http404("No such gig.")
    return booking


def _gig_context(
    request: HtmxHttpRequest,
    booking: Booking,
    *,
    form=None,
    error: str = "",
    notice: str = "",
    answer_by_form=None,
    answer_by_error: str = "",
) -> dict:
    now = timezone.now()
    places = lineup_of(booking=booking)
    mine = next((p for p in places if p.member_id == request.user.pk), None)
    if form is None and mine is not None:
        form = AnswerForm(initial={"answer": mine.answer or None, "comment": mine.comment}, auto_id="answer_%s")
    membership = membership_of(band_id=booking.band_id, user=request.user)
    zone = timezone.get_current_timezone()
    answer_by = answer_by_of(booking=booking, places=places, now=now)
    sections = gig_sections(booking=booking, places=places)
    if answer_by_form is None:
        answer_by_form = AnswerByForm(initial={"answer_by": answer_by.day}, auto_id="answer_by_%s")
    return {
        "answer_by": answer_by,
        "answer_by_form": answer_by_form,
        "answer_by_error": answer_by_error,
        "booking": booking,
        "title": booking_title(booking),
        "when": when_text(booking.starts_at, booking.ends_at, zone),
        "when_event": when_text(booking.starts_at, booking.ends_at, booking.zone)
        if booking.zone.key != zone.key
        else "",
        "groups": lineup_groups(places),
        "sections": sections,
        # The players in all against the band's total (no query for a band without one).
        "total": sections.total_count if sections is not None else gig_total(booking=booking, places=places),
        "counts": lineup_counts(places),
        "mine": mine,
        "form": form,
        "open": booking.status in (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS) and booking.ends_at > now,
        "leads": membership is not None and membership.role in MANAGING_ROLES,
        "error": error,
        "notice": notice,
    }


@login_required
@require_http_methods(["GET", "POST"])
@kept_offline
@replayable
def gig_page(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """GET: the gig's line-up for the band's members. POST: the viewer's own answer and comment."""
    booking = _gig_or_404(request, uid)
    gig_lineup_open(booking=booking)
    if request.method == "GET":
        return render(request, GIG_TEMPLATE, _gig_context(request, booking))
    form = AnswerForm(request.POST, auto_id="answer_%s")
    if not form.is_valid():
        context = _gig_context(request, booking, form=form, error=gettext("Choose an answer: see below."))
        return render_page(request, GIG_TEMPLATE, context, partial="lineup", status=400)
    try:
        gig_answer_set(booking=booking, member=request.user, by=request.user, **form.cleaned_data)
    except BookingError as exc:
        context = _gig_context(request, booking, form=form, error=str(exc))
        return render_page(request, GIG_TEMPLATE, context, partial="lineup", status=_status_of(exc))
    except ValidationError as exc:
        context = _gig_context(request, booking, form=form, error=" ".join(exc.messages))
        return render_page(request, GIG_TEMPLATE, context, partial="lineup", status=400)
    notice = gettext("Your answer is saved: %(answer)s.") % {"answer": Answer(form.cleaned_data["answer"]).label}
    if is_partial(request):
        booking.refresh_from_db()
        return render_page(request, GIG_TEMPLATE, _gig_context(request, booking, notice=notice), partial="lineup")
    messages.success(request, notice)
    return redirect("gigs:gig", uid=booking.uid)


def _answer_by_refused(request: HtmxHttpRequest, booking: Booking, message: str, status: int, form=None):
    context = _gig_context(request, booking, answer_by_form=form, answer_by_error=message)
    return render(request, GIG_TEMPLATE, context, status=status)


@login_required
@require_POST
def answer_by_set(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """A leader sets or clears the gig's answer-by date; back to the gig page, or the page with the reason."""
    booking = _gig_or_404(request, uid)
    form = AnswerByForm(request.POST, auto_id="answer_by_%s")
    if not form.is_valid():
        return _answer_by_refused(request, booking, " ".join(form.errors.get("answer_by", [])), 400, form)
    day = form.cleaned_data["answer_by"]
    try:
        gig_answer_by_set(booking=booking, by=request.user, answer_by=day)
    except BookingError as exc:
        return _answer_by_refused(request, booking, str(exc), _status_of(exc), form)
    except ValidationError as exc:
        return _answer_by_refused(request, booking, " ".join(exc.messages), 400, form)
    saved = gettext("The answer-by date is saved.") if day else gettext("The answer-by date is cleared.")
    messages.success(request, saved)
    return redirect("gigs:gig", uid=booking.uid)


@login_required
@require_POST
def answers_lock(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """A leader locks the gig's answers after its answer-by date, or unlocks them."""
    booking = _gig_or_404(request, uid)
    form = AnswersLockForm(request.POST)
    if not form.is_valid():
        return _answer_by_refused(request, booking, " ".join(form.errors.get("locked", [])), 400)
    locked = form.cleaned_data["locked"]
    try:
        gig_answers_lock(booking=booking, by=request.user, locked=locked)
    except BookingError as exc:
        return _answer_by_refused(request, booking, str(exc), _status_of(exc))
    messages.success(request, gettext("The answers are locked.") if locked else gettext("The answers are open again."))
    return redirect("gigs:gig", uid=booking.uid)


def _page_number(request: HtmxHttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 100))
    except ValueError:
        return 1


@login_required
@require_GET
def band_gigs(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The band's who-is-in table: its gigs ahead by its members' answers, for the band's members."""
    viewer = member_band(slug=slug, user=request.user)
    if viewer is None:
        raise Http404("No such band.")
    band = viewer.band
    table = who_is_in(band=band, viewer=viewer, now=timezone.now(), page=_page_number(request))
    return render_page(request, TABLE_TEMPLATE, {"table": table, "band": band}, partial="table")


@login_required
@require_POST
def table_answer(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The viewer's answer from their cell of the who-is-in table: the cell again (htmx) or the table."""
    booking = _gig_or_404(request, uid)
    form = AnswerForm(request.POST, auto_id=f"cell_{booking.pk}_%s")
    error = ""
    status = 200
    if form.is_valid():
        try:
            gig_answer_set(booking=booking, member=request.user, by=request.user, **form.cleaned_data)
        except BookingError as exc:
            error, status = str(exc), _status_of(exc)
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 400
    else:
        error, status = gettext("Choose one of the five answers."), 400
    if not is_partial(request):
        if error:
            messages.error(request, error)
        return redirect("gigs:band_gigs", slug=booking.band.slug)
    place = place_of_member(booking_id=booking.pk, member_id=request.user.pk)
    context = {"cell": place, "gig": booking, "mine": True, "error": error, "saved": not error}
    return render(request, f"{TABLE_TEMPLATE}#cell", context, status=status)


# ---- One click from the email -----------------------------------------------------------------------


def _link_place(token: str) -> tuple[GigAnswer, str]:
    try:
        uid, member_id, answer = answer_link_read(token)
    except signing.BadSignature as exc:
        raise Http404("No such link.") from exc
    try:
        UUID(uid)
    except ValueError as exc:
        raise Http404("No such link.") from exc
    place = place_of_link(uid=uid, member_id=member_id)
    if place is None:
        raise Http404("No such link.")
    return place, answer


def _link_member(request: HtmxHttpRequest, token: str) -> LinkPerson | None:
    """The member an answer link names (None for a link we did not send: the view says 404)."""
    try:
        place, _answer = _link_place(token)
    except Http404:
        return None
    return LinkPerson(name=place.member.name, user_id=place.member_id)


@require_http_methods(["GET", "POST"])
@link_for_a_person(_link_member, eyebrow=gettext_lazy("Can you play?"))
def answer_link(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The page behind a one-click answer of the "Can you play?" email. The signed link is personal (it names
    the member, the gig and the answer), so it works without signing in; GET only shows the answer and saves
    it by POST (our script posts at once; mail scanners that follow links change nothing). Someone signed in
    as another person changes nothing and is told whose answer it is (accounts/links.py)."""
    place, answer = _link_place(token)
    booking = place.booking
    member: User = place.member
    zone = member.zone if not request.user.is_authenticated else timezone.get_current_timezone()
    context = {
        "place": place,
        "booking": booking,
        "answer": answer,
        "answer_label": Answer(answer).label,
        "title": booking_title(booking),
        "when": when_text(booking.starts_at, booking.ends_at, zone),
        "token": token,
        "signed_in_as_member": request.user.is_authenticated and request.user.pk == member.pk,
        "comment_form": CommentForm(initial={"comment": place.comment}, auto_id="link_%s"),
    }
    if request.method == "GET":
        return render(request, LINK_TEMPLATE, {**context, "state": "confirm"})
    form = CommentForm(request.POST, auto_id="link_%s")
    if not form.is_valid():
        return render(request, LINK_TEMPLATE, {**context, "state": "saved", "comment_form": form}, status=400)
    comment = form.cleaned_data["comment"] if "comment" in request.POST else place.comment
    try:
        place = gig_answer_set(booking=booking, member=member, by=member, answer=answer, comment=comment)
    except BookingError as exc:
        return render(
            request, LINK_TEMPLATE, {**context, "state": "refused", "error": str(exc)}, status=_status_of(exc)
        )
    except ValidationError as exc:
        return render(
            request, LINK_TEMPLATE, {**context, "state": "refused", "error": " ".join(exc.messages)}, status=400
        )
    context["comment_form"] = CommentForm(initial={"comment": place.comment}, auto_id="link_%s")
    return render(request, LINK_TEMPLATE, {**context, "place": place, "state": "saved"})


# ---- The booking page's card ----------------------------------------------------------------------


@require_GET
def booking_card(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """ "Who plays" on the booking page, for the band's members only (nothing for anyone else)."""
    booking = gig_for_member(uid=uid, user=request.user)
    if booking is None:
        return HttpResponse(status=204)
    gig_lineup_open(booking=booking)
    places = lineup_of(booking=booking)
    return render(
        request,
        "gigs/answers/card.html",
        {
            "booking": booking,
            "counts": lineup_counts(places),
            "mine": next((p for p in places if p.member_id == request.user.pk), None),
        },
    )
