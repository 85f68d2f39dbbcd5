"""Calendar feeds: the secret .ics addresses and the page where people make, tune and rotate them.

The feed itself needs no login (calendar apps cannot log in): the token is the key, and an unknown,
rotated or orphaned one is a 404. The management page lists the feeds the person may manage; its
buttons are POSTs checked by the services – someone else's feed is a 404, a band or venue that is not
yours a 403. Each button answers an htmx request with its card drawn again, anything else with a
redirect to the page.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts.models import User
from bands.models import Band
from core.db.replica import reads_from_replica
from venues.models import Venue

from ..forms.feeds import FeedCreateForm, FeedOptionsForm
from ..ical import (
    feed_body_hash,
    feed_body_keep,
    feed_body_kept,
    feed_events_changed_at,
    feed_not_modified,
    feed_render,
    feed_response,
)
from ..models import CalendarFeed
from ..selectors.feeds import (
    FeedCard,
    feed_by_token,
    feed_cards,
    feed_events,
    feed_filename,
    feed_fresh_until,
    feed_marks_stamp,
    feed_may_manage,
    feed_name,
    feed_of,
)
from ..services.feeds import (
    FeedPermissionError,
    feed_content_seen,
    feed_create,
    feed_options_update,
    feed_rotate,
)

TEMPLATE = "bookings/feeds/my_feeds.html"
NOTICES = {
    "create": gettext_lazy("Your calendar link is ready. Subscribe to it below."),
    "rotate": gettext_lazy("New link made. The old address no longer works: subscribe again with the new one."),
    "options": gettext_lazy("Saved. Calendar apps pick up the change at their next refresh."),
}


@require_safe
@reads_from_replica
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The .ics file of a feed, with ETag/Last-Modified and 304 for an unchanged one (GET and HEAD).

    A poll whose validators match the stored body is answered 304 without building the feed, after
    two queries, while the feed's change marks and the time are as they were when that body was built
    (bookings.models.FeedMark); a poll without them is answered, on the same condition, with that body
    as kept when it was built (bookings.ical.feed_body_kept: this process's, or the shared cache's);
    otherwise the body is built, and a 304 still answers when it came out the same.
    """
    calendar = feed_by_token(token=token)
    if calendar is None:
        raise Http404("No calendar at this address.")
    now = timezone.now()
    stamp = feed_marks_stamp(feed=calendar)
    if (
        stamp is not None
        and stamp == calendar.marks_stamp
        and calendar.fresh_until is not None
        and now < calendar.fresh_until
        and calendar.content_changed_at is not None
    ):
        answer = feed_not_modified(
            request, body_hash=calendar.body_hash, content_changed_at=calendar.content_changed_at
        )
        if answer is not None:
            if settings.FEEDS_CHECK_MARKS:
                _check_marks(calendar, now)
            return answer
        # A poll without the validators (most calendar apps) gets the body on record, kept when it was built.
        kept = feed_body_kept(calendar.body_hash)
        if kept is not None:
            if settings.FEEDS_CHECK_MARKS:
                _check_marks(calendar, now)
            body, events_changed_at = kept
            return feed_response(
                request,
                body=body,
                filename=feed_filename(calendar),
                content_changed_at=calendar.content_changed_at,
                body_hash=calendar.body_hash,
                events_changed_at=events_changed_at,
            )
    body = feed_render(name=feed_name(calendar), events=feed_events(feed=calendar, now=now))
    body_hash, events_changed_at = feed_body_hash(body), feed_events_changed_at(body)
    changed = feed_content_seen(
        feed=calendar,
        body_hash=body_hash,
        events_changed_at=events_changed_at,
        marks_stamp=stamp,
        fresh_until=feed_fresh_until(feed=calendar, now=now) if stamp is not None else None,
    )
    if stamp is not None:
        feed_body_keep(body, body_hash=body_hash, events_changed_at=events_changed_at)
    return feed_response(
        request,
        body=body,
        filename=feed_filename(calendar),
        content_changed_at=changed,
        body_hash=body_hash,
        events_changed_at=events_changed_at,
    )


def _check_marks(calendar: CalendarFeed, now) -> None:
    """In tests (FEEDS_CHECK_MARKS): a 304 from the marks must be one a freshly built body gives
    too, else a write changed what the feed shows without leaving a mark."""
    body = feed_render(name=feed_name(calendar), events=feed_events(feed=calendar, now=now))
    if feed_body_hash(body) != calendar.body_hash:
        raise AssertionError(f"feed {calendar.pk} changed without a mark, yet its marks answered 304")


def _cards_context(user: User, *, forms: dict[str, FeedOptionsForm] | None = None, **extra) -> dict:
    """The cards, each with its options form (a refused one keeps what was sent)."""
    forms = forms or {}
    cards = [(card, forms.get(card.key) or _options_form(card)) for card in feed_cards(user=user)]
    return {"cards": cards, **extra}


def _options_form(card: FeedCard) -> FeedOptionsForm | None:
    if card.feed is None:
        return None
    initial = {"include_pending": card.feed.include_pending, "include_available": card.feed.include_available}
    return FeedOptionsForm(initial=initial, auto_id=f"feed-{card.key}-%s")


@login_required
@require_GET
def my_feeds(request: HttpRequest) -> HttpResponse:
    """Every feed the person may manage: their own, their bands' (leaders and admins), their venues'."""
    return render(request, TEMPLATE, _cards_context(request.user))


def _answer(
    request: HttpRequest,
    key: str,
    *,
    notice: str = "",
    error: str = "",
    status: int = 200,
    form: FeedOptionsForm | None = None,
) -> HttpResponse:
    """The card drawn again (htmx), the page with the error (400), or back to the page with a notice."""
    if request.htmx or error:
        forms = {key: form} if form is not None else {}
        context = _cards_context(request.user, forms=forms, notice=notice, error=error, message_key=key)
        mine = next(((card, f) for card, f in context["cards"] if card.key == key), None)
        if request.htmx and mine is not None:
            return render(request, f"{TEMPLATE}#card", {**context, "card": mine[0], "form": mine[1]}, status=status)
        return render(request, TEMPLATE, context, status=status)
    messages.success(request, notice)
    return redirect(f"{reverse('bookings:my_feeds')}#feed-{key}")


def _key(feed: CalendarFeed) -> str:
    if feed.scope == CalendarFeed.Scope.MEMBER:
        return "member"
    return f"band-{feed.band_id}" if feed.scope == CalendarFeed.Scope.BAND else f"venue-{feed.venue_id}"


def _managed_feed(request: HttpRequest, pk: int) -> CalendarFeed:
    """A feed the person may manage; anyone else's is a 404 (its existence is not theirs to know)."""
    calendar = feed_of(pk=pk)
    if calendar is None or not feed_may_manage(feed=calendar, user=request.user):
        raise Http404("No such calendar feed.")
    return calendar


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    form = FeedCreateForm(request.POST)
    if not form.is_valid():
        error = " ".join(str(m) for errors in form.errors.values() for m in errors)
        return _answer(request, "", error=error, status=400)
    scope, band, venue = form.cleaned_data["scope"], None, None
    if scope == CalendarFeed.Scope.BAND:
        band = get_object_or_404(Band, pk=form.cleaned_data["band"])
    elif scope == CalendarFeed.Scope.VENUE:
        venue = get_object_or_404(Venue, pk=form.cleaned_data["venue"])
    try:
        calendar = feed_create(by=request.user, scope=scope, band=band, venue=venue)
    except FeedPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    return _answer(request, _key(calendar), notice=NOTICES["create"])


@login_required
@require_POST
def rotate(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = _managed_feed(request, pk)
    try:
        calendar = feed_rotate(feed=calendar, by=request.user)
    except FeedPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    return _answer(request, _key(calendar), notice=NOTICES["rotate"])


@login_required
@require_POST
def options(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = _managed_feed(request, pk)
    key = _key(calendar)
    form = FeedOptionsForm(request.POST, auto_id=f"feed-{key}-%s")
    if not form.is_valid():
        return _answer(request, key, error=gettext("These options could not be read."), status=400, form=form)
    try:
        feed_options_update(feed=calendar, by=request.user, **form.cleaned_data)
    except FeedPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        return _answer(request, key, error=" ".join(exc.messages), status=400, form=form)
    return _answer(request, key, notice=NOTICES["options"])
