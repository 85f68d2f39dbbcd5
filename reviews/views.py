"""The review pages: a booking's reviews (write, edit, read, reply), reporting a review, the public lists
of a band's and a venue's reviews, and a client's reputation for the bands they ask."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.ratelimit import rate_limited
from bookings.models import Booking
from core.fields.timezones import when_text, zone_name
from core.web.htmx import is_partial

from .forms import ReplyForm, ReportForm, ReviewForm
from .models import Side
from .selectors import (
    LATEST_SHOWN,
    band_public_or_404,
    band_reviews_public,
    booking_for_review,
    booking_reviews,
    client_reputation,
    review_for_viewer,
    reviews_page,
    side_name,
    subject_side_of,
    venue_public_or_404,
    venue_reviews_public,
)
from .services import ReviewError, ReviewPermissionError, review_reply, review_report, review_save


def moment_text(moment, zone) -> str:
    """ "Fri 5 Dec 2026, 23:00 (Europe/Berlin)": a moment in the viewer's zone, named."""
    # Translators: a moment and the time zone it is told in, e.g. "Fri 5 Dec 2026, 23:00 (Europe/Berlin)".
    return gettext("%(moment)s (%(zone)s)") % {
        "moment": date_format(timezone.localtime(moment, zone), "WEEKDAY_MOMENT_FORMAT"),
        "zone": zone_name(zone),
    }


# ---- A booking's reviews -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def booking_review(request: HttpRequest, uid) -> HttpResponse:
    booking, side = booking_for_review(uid=uid, user=request.user)
    state = booking_reviews(booking=booking, side=side)
    now, status, refusal = timezone.now(), 200, ""
    subject = subject_side_of(booking, side)
    form = None
    if state.can_write(now):
        initial = ReviewForm.initial_from(state.mine)
        form = ReviewForm(
            request.POST if request.method == "POST" else None,
            initial=initial,
            author_side=side,
            subject_side=subject,
        )
    if request.method == "POST":
        if form is None:
            refusal, status = _why_closed(state, now), 400
        elif form.is_valid():
            try:
                review_save(booking=booking, by=request.user, data=form.review_input(), now=now)
            except ReviewPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ReviewError as exc:
                refusal, status = str(exc), 400
            else:
                messages.success(request, gettext("Your review is saved."))
                return redirect("reviews:booking", uid=booking.uid)
        else:
            status = 400
    context = {
        "booking": booking,
        "state": state,
        "form": form,
        "refusal": refusal,
        "side": side,
        "subject_side": subject,
        "other_name": side_name(booking, subject),
        "when": when_text(booking.starts_at, booking.ends_at, request.user.zone),
        "closes": moment_text(state.closes_at, request.user.zone),
        "reply_form": ReplyForm(),
        "can_reply": state.theirs is not None and state.theirs.is_public and state.theirs.reply_at is None,
    }
    return render(request, "reviews/booking.html", context, status=status)


def _why_closed(state, now) -> str:
    if state.booking.status != Booking.Status.COMPLETED:
        return gettext("You can review a gig once it has taken place.")
    if state.mine is not None and state.mine.published_at is not None:
        return gettext("Your review is published and can no longer be changed.")
    return gettext("Reviews of this gig closed 14 days after it.")


# ---- Replies and reports -------------------------------------------------------------------------


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@login_required
@require_POST
def review_reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    review, _side = review_for_viewer(pk=pk, user=request.user)
    back = _back(request, reverse("reviews:booking", kwargs={"uid": review.booking.uid}))
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _refused(request, " ".join(form.errors["text"]), back, 400)
    try:
        review_reply(review=review, by=request.user, text=form.cleaned_data["text"])
    except ReviewPermissionError as exc:
        return _refused(request, str(exc), back, 403)
    except ReviewError as exc:
        return _refused(request, str(exc), back, 400)
    messages.success(request, gettext("Your reply is published."))
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("report")
def review_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    review, side = review_for_viewer(pk=pk, user=request.user)
    back = _back(request, _public_list_of(review) or reverse("reviews:booking", kwargs={"uid": review.booking.uid}))
    form, refusal, status = ReportForm(request.POST or None), "", 200
    if side == review.author_side:
        refusal, status, form = (
            gettext("You cannot report your own review."),
            400 if request.method == "POST" else 200,
            None,
        )
    elif request.method == "POST":
        if form.is_valid():
            try:
                review_report(review=review, by=request.user, reason=form.cleaned_data["reason"])
            except ReviewError as exc:
                refusal, status = str(exc), 400
            else:
                messages.success(request, gettext("Thank you: staff will look at this review."))
                return redirect(back)
        else:
            status = 400
    context = {"review": review, "form": form, "refusal": refusal, "back": back}
    return render(request, "reviews/report.html", context, status=status)


def _public_list_of(review) -> str:
    if review.subject_side == Side.BAND:
        return reverse("reviews:band", kwargs={"slug": review.booking.band.slug})
    if review.subject_side == Side.VENUE:
        return reverse("reviews:venue", kwargs={"slug": review.booking.venue.slug})
    return ""


def _refused(request: HttpRequest, message: str, back: str, status: int) -> HttpResponse:
    return render(request, "reviews/refused.html", {"message": message, "back": back}, status=status)


# ---- Public lists -------------------------------------------------------------------------------


@require_GET
def band_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    band = band_public_or_404(slug=slug, user=request.user)
    return _list(request, thing=band, kind="band", reviews=band_reviews_public(band=band))


@require_GET
def venue_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    venue = venue_public_or_404(slug=slug, user=request.user)
    return _list(request, thing=venue, kind="venue", reviews=venue_reviews_public(venue=venue))


@require_GET
def band_reviews_latest(request: HttpRequest, slug: str) -> HttpResponse:
    band = band_public_or_404(slug=slug, user=request.user)
    return _latest(request, thing=band, kind="band", reviews=band_reviews_public(band=band))


@require_GET
def venue_reviews_latest(request: HttpRequest, slug: str) -> HttpResponse:
    venue = venue_public_or_404(slug=slug, user=request.user)
    return _latest(request, thing=venue, kind="venue", reviews=venue_reviews_public(venue=venue))


def _list(request: HttpRequest, *, thing, kind: str, reviews) -> HttpResponse:
    page = reviews_page(reviews, request.GET.get("page"))
    context = {"thing": thing, "kind": kind, "page": page, "reviews": list(page.object_list)}
    template = "reviews/list.html#results" if is_partial(request) else "reviews/list.html"
    return render(request, template, context)


def _latest(request: HttpRequest, *, thing, kind: str, reviews) -> HttpResponse:
    """The newest few reviews, as the profile page loads them under its rating summary."""
    context = {"thing": thing, "kind": kind, "reviews": list(reviews[:LATEST_SHOWN])}
    return render(request, "reviews/latest.html", context)


# ---- A client's reputation ---------------------------------------------------------------------


@login_required
@require_GET
def client_reputation_view(request: HttpRequest, uid) -> HttpResponse:
    """What bands wrote about the client of a private request; only the requested band's leaders see it."""
    booking, side = booking_for_review(uid=uid, user=request.user)
    if side != Side.BAND or booking.kind != Booking.Kind.REQUEST or booking.client_id is None:
        raise Http404
    context = {"booking": booking, "reputation": client_reputation(client_id=booking.client_id)}
    return render(request, "reviews/client.html", context)
