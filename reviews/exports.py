"""The reviews as a CSV, for the side they belong to: a band's (its leaders and admins), a venue's (its
staff), a client's own. "Received" holds what the side's public list shows (published, not hidden, a
no-show only once staff confirmed it): the double blind is never opened by an export. "Given" holds the
side's own reviews, written or waiting to be published.

Written with documents' streamed CSV (reviews sits above documents, so it may use it).
"""

from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from bands.permissions import band_for
from documents.exports import CHUNK_SIZE, csv_response, iso_local, safe_text
from venues.selectors import venue_for_staff

from .models import Review, Side, public_q

DIRECTIONS = ("received", "given")
RATINGS = ("overall", "performance", "punctuality", "communication", "sound", "hospitality", "paid")
NOT_VENUE_STAFF = "Only the venue's owners and bookers can export its reviews."


class ReviewsExportForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Reviews"),
        required=False,
        choices=[("", ""), ("received", _("Received")), ("given", _("Given"))],
        error_messages={"invalid_choice": _("Choose reviews “received” or “given”, not “%(value)s”.")},
    )


def reviews_export_rows(*, side: str, party: Q, direction: str) -> QuerySet:
    """The reviews of one party (`party` names it: band, venue or client) received or given as `side`,
    the latest first, as plain rows (one query, read in chunks)."""
    if direction == "received":
        qs = Review.objects.filter(party, public_q(), subject_side=side).order_by("-published_at", "-pk")
    else:
        qs = Review.objects.filter(party, author_side=side).order_by("-created_at", "-pk")
    return qs.values_list(
        "booking__uid",
        "booking__starts_at",
        "author_side",
        "subject_side",
        "band__name",
        "venue__name",
        "client__display_name",
        "client__email",
        "no_show",
        *RATINGS,
        "again",
        "text",
        "reply_text",
        "created_at",
        "published_at",
    )


def _rows(qs: QuerySet, zone: ZoneInfo):
    sides = {value: str(label) for value, label in Side.choices}
    yes, no = gettext("yes"), gettext("no")
    for r in qs.iterator(chunk_size=CHUNK_SIZE):
        uid, starts, author, subject, band, venue, c_name, c_email, no_show = r[:9]
        ratings = r[9 : 9 + len(RATINGS)]
        again, text, reply, created, published = r[9 + len(RATINGS) :]
        names = {"band": band, "venue": venue, "client": c_name or (c_email or "").split("@", 1)[0]}
        yield (
            uid,
            iso_local(starts, zone),
            zone.key,
            sides.get(author, author),
            safe_text(names.get(author) or ""),
            sides.get(subject, subject),
            safe_text(names.get(subject) or ""),
            yes if no_show else no,
            *("" if value is None else value for value in ratings),
            "" if again is None else (yes if again else no),
            safe_text(text),
            safe_text(reply),
            iso_local(created, zone),
            iso_local(published, zone),
        )


def _header() -> list[str]:
    return [
        gettext("Booking"),
        gettext("Gig starts"),
        gettext("Time zone"),
        gettext("By side"),
        gettext("By"),
        gettext("About side"),
        gettext("About"),
        gettext("No-show report"),
        gettext("Overall"),
        gettext("Performance"),
        gettext("Punctuality"),
        gettext("Communication"),
        gettext("Sound and production"),
        gettext("Hospitality"),
        gettext("Paid as agreed"),
        gettext("Again"),
        gettext("Review"),
        gettext("Reply"),
        gettext("Written"),
        gettext("Published"),
    ]


def _export(request: HttpRequest, *, name: str, side: str, party: Q, back: str) -> HttpResponse:
    form = ReviewsExportForm(request.GET)
    if not form.is_valid():
        problems = [str(m) for errors in form.errors.values() for m in errors]
        return render(request, "documents/exports/refused.html", {"problems": problems, "back": back}, status=400)
    direction = form.cleaned_data["direction"] or DIRECTIONS[0]
    zone = timezone.get_current_timezone()
    rows = _rows(reviews_export_rows(side=side, party=party, direction=direction), zone)
    return csv_response(name=f"{name}-reviews-{direction}", header=_header(), rows=rows)


@login_required
@require_GET
def band_reviews_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """A band's reviews, received or given, for its leaders and admins."""
    band, _ = band_for(request, slug)
    back = reverse("reviews:band", args=[band.slug])
    return _export(request, name=band.slug, side=Side.BAND, party=Q(band_id=band.pk), back=back)


@login_required
@require_GET
def venue_reviews_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """A venue's reviews, received or given, for its owners and bookers."""
    venue = venue_for_staff(slug=slug, user=request.user)
    if venue is None:
        raise Http404("No venue at this address.")
    if venue.my_role is None:
        raise PermissionDenied(NOT_VENUE_STAFF)
    back = reverse("reviews:venue", args=[venue.slug])
    return _export(request, name=venue.slug, side=Side.VENUE, party=Q(venue_id=venue.pk), back=back)


@login_required
@require_GET
def client_reviews_csv(request: HttpRequest) -> HttpResponse:
    """A client's own reviews: those bands wrote about them (published) and those they wrote."""
    back = reverse("bookings:inbox")
    return _export(request, name="my", side=Side.CLIENT, party=Q(client_id=request.user.pk), back=back)
