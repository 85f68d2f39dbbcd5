"""The bookings a person is part of: the inbox, one booking with its actions, and a client's request.

A booking exists only for its participants (the band's members, the venue's staff, the client):
anyone else gets a 404, an anonymous visitor the login page. Who may act is the services' call;
their refusals become 403 (not yours to do), 409 (something is in the way: another gig, a taken
place, a stale page) or 400 (bad input), each with its message on the page.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event
from django_htmx.middleware import HtmxDetails

from accounts.models import User
from bands.models import ApprovalStatus, Band, Membership
from venues.models import VenueStaff

from . import services
from .forms import CancelForm, DeclineForm, InboxForm, RequestForm, RequestTimesForm
from .models import Booking
from .selectors import band_free_between, booking_events, booking_for_viewer, user_booking_scope
from .services import BookingConflict, BookingError, BookingPermissionError, when_text
from .threads import thread_unread_counts

Status = Booking.Status
Kind = Booking.Kind

PAGE_SIZE = 20
HISTORY = (Status.DECLINED, Status.WITHDRAWN, Status.CANCELLED, Status.COMPLETED)
TABS = {
    "answer": "Needs your answer",
    "waiting": "Waiting for the other side",
    "upcoming": "Upcoming gigs",
    "history": "History",
}
EMPTY = {
    "answer": "Nothing is waiting for your answer.",
    "waiting": "You are not waiting for anyone’s answer.",
    "upcoming": "No gigs booked yet.",
    "history": "No past bookings yet: declined, withdrawn, cancelled and played gigs end up here.",
}
# Never true, but plain SQL: an empty `__in` would make a whole filtered count fail to compile.
NOTHING = Q(pk__isnull=True)
CHANGED = "booking-changed"  # the booking page reloads itself when its status block sees a change


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: User


def _partial(request: HtmxHttpRequest) -> bool:
    """An HTMX swap gets the part; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _when(starts_at: dt.datetime, ends_at: dt.datetime, zone) -> str:
    """when_text without the zone, for a list whose heading names it."""
    return when_text(starts_at, ends_at, zone).removesuffix(f" ({zone.key})")


# ---- Inbox ----------------------------------------------------------------------------------


@dataclass
class InboxRow:
    booking: Booking
    when: str
    side: str  # the viewer's part in it: "Band: …", "Venue: …", "Your request"
    needs_you: bool
    unread: int = 0  # messages in its thread the viewer has not read

    @property
    def last_change(self) -> dt.datetime:
        return self.booking.status_changed_at or self.booking.created_at


class CountedPaginator(Paginator):
    """A paginator told its count: the inbox counts every tab in one query already."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known = count

    @cached_property
    def count(self) -> int:
        return self._known


@dataclass
class Roles:
    """Where the viewer stands: the bands they play in, the ones they manage, the venues they run."""

    user: User
    memberships: list[Membership]
    staff: list[VenueStaff]

    @cached_property
    def managed_ids(self) -> set[int]:
        return {m.band_id for m in self.memberships if m.can_manage}

    @cached_property
    def venue_ids(self) -> set[int]:
        return {s.venue_id for s in self.staff}

    def answer_q(self) -> Q:
        """Pending bookings this person may accept or decline (never their own asking)."""
        answerable = NOTHING
        if self.venue_ids:
            answerable |= Q(kind=Kind.APPLICATION, venue_id__in=self.venue_ids)
        if self.managed_ids:
            answerable |= Q(kind__in=(Kind.OFFER, Kind.REQUEST), band_id__in=self.managed_ids)
        return Q(status=Status.PENDING) & answerable & ~Q(requested_by_id=self.user.pk)

    def tab_q(self, tab: str) -> Q:
        return {
            "answer": self.answer_q(),
            "waiting": Q(status=Status.PENDING) & ~self.answer_q(),
            "upcoming": Q(status=Status.BOOKED),
            "history": Q(status__in=HISTORY),
        }[tab]

    def show_choices(self) -> list[tuple[str, str]]:
        bands = [(f"band:{m.band_id}", f"Band: {m.band.name}") for m in self.memberships]
        venues = [(f"venue:{s.venue_id}", f"Venue: {s.venue.name}") for s in self.staff]
        return [*bands, *venues, ("client", "My private requests")]

    def show_q(self, show: str | None) -> Q:
        if not show:
            return Q()
        if show == "client":
            return Q(client_id=self.user.pk)
        kind, _, pk = show.partition(":")
        return Q(band_id=int(pk)) if kind == "band" else Q(venue_id=int(pk))

    def side_label(self, booking: Booking) -> str:
        if booking.client_id == self.user.pk:
            return "Your request"
        if booking.venue_id in self.venue_ids:
            return f"Venue: {booking.venue.name}"
        return f"Band: {booking.band.name}"


def _roles(user: User) -> Roles:
    return Roles(
        user=user,
        memberships=list(Membership.objects.filter(user=user).select_related("band").order_by("band__name", "pk")),
        staff=list(VenueStaff.objects.filter(user=user).select_related("venue").order_by("venue__name", "pk")),
    )


def _inbox_rows(roles: Roles, bookings: list[Booking], zone, tab: str) -> list[InboxRow]:
    needs_you = tab == "answer"
    unread = thread_unread_counts(user=roles.user, booking_ids=[b.pk for b in bookings])
    return [
        InboxRow(b, _when(b.starts_at, b.ends_at, zone), roles.side_label(b), needs_you, unread.get(b.pk, 0))
        for b in bookings
    ]


@login_required
@require_GET
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    """Everything the viewer is part of, in four tabs; the filter appears for people with several roles."""
    roles = _roles(request.user)
    shows = roles.show_choices()
    form = InboxForm(request.GET or None, tabs=list(TABS.items()), shows=shows)
    show = form.value("show")
    # The bookings of user_booking_scope, without the duplicates its joins make.
    mine = Q(pk__in=Booking.objects.filter(user_booking_scope(user=request.user)).values("pk"))
    counts = Booking.objects.filter(mine).aggregate(
        **{tab: Count("pk", filter=roles.show_q(show) & roles.tab_q(tab)) for tab in TABS},
        requests=Count("pk", filter=Q(client_id=request.user.pk)),
    )
    tab = form.value("tab") or next((t for t in ("answer", "waiting", "upcoming") if counts[t]), "history")
    rows = (
        Booking.objects.filter(mine, roles.show_q(show), roles.tab_q(tab))
        .select_related("band", "venue", "slot", "client")
        .order_by(*(("-status_changed_at", "-created_at", "-pk") if tab == "history" else ("starts_at", "pk")))
    )
    paginator = CountedPaginator(rows, PAGE_SIZE, count=counts[tab])
    page = paginator.get_page(form.value("page"))
    zone = timezone.get_current_timezone()
    # Several roles: a filter is worth its space. A person with one band and no requests needs none.
    several = len(roles.memberships) + len(roles.staff) + (1 if counts["requests"] else 0) > 1
    context = {
        "tabs": [(key, label, counts[key]) for key, label in TABS.items()],
        "tab": tab,
        "tab_label": TABS[tab],
        "empty": EMPTY[tab],
        "show": show or "",
        "shows": shows if several else [],
        "form": form,
        "rows": _inbox_rows(roles, list(page.object_list), zone, tab),
        "page_obj": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "time_zone": zone.key,
        "has_roles": bool(roles.memberships or roles.staff or counts["requests"]),
        "total": sum(counts[key] for key in TABS),
    }
    if _partial(request):
        return render(request, "bookings/inbox.html#list", context)
    return render(request, "bookings/inbox.html", context)


# ---- One booking ----------------------------------------------------------------------------


@dataclass
class Viewer:
    """What the viewer is in this booking, and so what they may do."""

    booking: Booking
    user: User
    membership: Membership | None
    venue_staff: bool

    @property
    def is_client(self) -> bool:
        return self.booking.client_id == self.user.pk

    @property
    def sides(self) -> set[str]:
        """Every side the viewer may act for: services.side_of names one, but a venue's booker may lead the band."""
        sides = set()
        if self.is_client:
            sides.add("client")
        if self.venue_staff:
            sides.add("venue")
        if self.membership is not None and self.membership.can_manage:
            sides.add("band")
        return sides

    @property
    def role(self) -> str:
        booking = self.booking
        if self.is_client:
            return "You asked for this gig."
        parts = []
        if self.venue_staff:
            parts.append(f"You are on the staff of {booking.venue.name}.")
        if self.membership is not None:
            parts.append(f"You play in {booking.band.name} ({self.membership.get_role_display().lower()}).")
        return " ".join(parts)

    @property
    def watching_only(self) -> bool:
        """A plain band member: sees everything, but the band's leaders and admins act."""
        return not self.sides

    def can_answer(self) -> bool:
        booking = self.booking
        mine = self.user.pk in (booking.requested_by_id, booking.client_id)
        return booking.is_pending and booking.answering_side in self.sides and not mine

    def can_accept(self, now: dt.datetime) -> bool:
        return self.can_answer() and self.booking.starts_at > now

    def can_withdraw(self) -> bool:
        return self.booking.is_pending and self.booking.asking_side in self.sides

    def can_cancel(self, now: dt.datetime) -> bool:
        return self.booking.is_booked and bool(self.sides) and self.booking.ends_at > now


def _booking_or_404(request: HtmxHttpRequest, uid: UUID) -> Booking:
    booking = booking_for_viewer(uid=uid, user=request.user)
    if booking is None:
        raise Http404("No such booking.")
    return booking


def _viewer(booking: Booking, user: User) -> Viewer:
    membership = Membership.objects.filter(band_id=booking.band_id, user_id=user.pk).first()
    staff = bool(booking.venue_id) and services.is_venue_staff(booking.venue_id, user)
    return Viewer(booking=booking, user=user, membership=membership, venue_staff=staff)


def _fee_label(booking: Booking) -> str:
    return {Kind.APPLICATION: "Fee asked", Kind.OFFER: "Fee offered", Kind.REQUEST: "Budget"}[booking.kind]


def _title(booking: Booking) -> str:
    if booking.kind == Kind.REQUEST:
        return f"{booking.band.name} for {booking.client.name}: {(booking.event_type or 'private event').lower()}"
    return f"{booking.band.name} at {booking.venue.name}"


def _detail_context(
    request: HtmxHttpRequest,
    booking: Booking,
    *,
    notice: str = "",
    error: str = "",
    decline_form: DeclineForm | None = None,
    cancel_form: CancelForm | None = None,
) -> dict:
    now = timezone.now()
    viewer = _viewer(booking, request.user)
    zone = timezone.get_current_timezone()
    lineup = []
    if booking.slot_id:
        lineup = list(
            Booking.objects.filter(slot_id=booking.slot_id, status=Status.BOOKED)
            .exclude(pk=booking.pk)
            .select_related("band")
            .order_by("role", "pk")
        )
    band_free = None
    if booking.is_pending and booking.ends_at > now:
        band_free = band_free_between(band_id=booking.band_id, start=booking.starts_at, end=booking.ends_at)
    detail_url = reverse("bookings:detail", args=[booking.uid])
    return {
        "booking": booking,
        "viewer": viewer,
        "title": _title(booking),
        "time_zone": zone.key,
        "when": when_text(booking.starts_at, booking.ends_at, zone),
        "when_event": (
            when_text(booking.starts_at, booking.ends_at, booking.zone) if booking.zone.key != zone.key else ""
        ),
        "fee_label": _fee_label(booking),
        "lineup": lineup,
        "band_free": band_free,
        "events": list(booking_events(booking=booking)),
        "can_accept": viewer.can_accept(now),
        "can_decline": viewer.can_answer(),
        "can_withdraw": viewer.can_withdraw(),
        "can_cancel": viewer.can_cancel(now),
        "is_live": booking.status in Booking.LIVE,
        "decline_form": decline_form or DeclineForm(auto_id="decline_%s"),
        "cancel_form": cancel_form or CancelForm(auto_id="cancel_%s"),
        "notice": notice,
        "error": error,
        "detail_url": detail_url,
        "status_url": f"{detail_url}?part=status&seq={booking.sequence}",
    }


def _render_detail(
    request: HtmxHttpRequest, booking: Booking, *, status: int = 200, thread: dict | None = None, **extra
) -> HttpResponse:
    """The booking's page, or its #booking part for HTMX. The whole page also has the message thread
    (`thread`: what the thread's form had, e.g. {"body": …, "error": …} after a refused message)."""
    context = _detail_context(request, booking, **extra)
    if _partial(request):
        return render(request, "bookings/detail.html#booking", context, status=status)
    # The thread's views use this page's helpers; this page draws their section.
    from .views_threads import thread_section

    context.update(thread_section(request, booking, **(thread or {})))
    return render(request, "bookings/detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The booking: parties, times, money, lineup, whether the band is free, the audit log, actions."""
    booking = _booking_or_404(request, uid)
    if _partial(request) and request.GET.get("part") == "status":
        return _status(request, booking)
    return _render_detail(request, booking)


def _status(request: HtmxHttpRequest, booking: Booking) -> HttpResponse:
    """The polled status block; when the booking moved on since the page was drawn, the page redraws."""
    detail_url = reverse("bookings:detail", args=[booking.uid])
    context = {
        "booking": booking,
        "is_live": booking.status in Booking.LIVE,
        "status_url": f"{detail_url}?part=status&seq={booking.sequence}",
    }
    response = render(request, "bookings/detail.html#status", context)
    if request.GET.get("seq") != str(booking.sequence):
        trigger_client_event(response, CHANGED)
    return response


NOTICES = {
    "accept": "Accepted: {band} is booked. Everyone involved has been told.",
    "decline": "Declined. The other side has been told.",
    "withdraw": "Withdrawn. The other side has been told.",
    "cancel": "Cancelled. Everyone involved has been told, with your reason.",
}


def _act(request: HtmxHttpRequest, uid: UUID, action: str) -> HttpResponse:
    """Run one action through its service and answer with the booking as it now stands."""
    booking = _booking_or_404(request, uid)
    forms = {}
    try:
        if action == "accept":
            services.booking_accept(booking=booking, by=request.user)
        elif action == "decline":
            form = forms["decline_form"] = DeclineForm(request.POST, auto_id="decline_%s")
            if not form.is_valid():
                return _render_detail(request, booking, status=400, **forms)
            services.booking_decline(booking=booking, by=request.user, reason=form.cleaned_data["reason"])
        elif action == "withdraw":
            services.booking_withdraw(booking=booking, by=request.user)
        else:
            form = forms["cancel_form"] = CancelForm(request.POST, auto_id="cancel_%s")
            if not form.is_valid():
                return _render_detail(request, booking, status=400, **forms)
            services.booking_cancel(booking=booking, by=request.user, reason=form.cleaned_data["reason"])
    except BookingPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except BookingConflict as exc:
        booking.refresh_from_db()
        return _render_detail(request, booking, status=409, error=str(exc), **forms)
    except BookingError as exc:
        booking.refresh_from_db()
        return _render_detail(request, booking, status=400, error=str(exc), **forms)
    except ValidationError as exc:
        if "cancel_form" in forms:
            forms["cancel_form"].add_service_errors(exc)
            return _render_detail(request, booking, status=400, **forms)
        return _render_detail(request, booking, status=400, error=" ".join(exc.messages), **forms)
    booking.refresh_from_db()
    notice = NOTICES[action].format(band=booking.band.name)
    if _partial(request):
        return _render_detail(request, booking, notice=notice)
    messages.success(request, notice)
    return redirect("bookings:detail", uid=booking.uid)


@login_required
@require_POST
def accept(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    return _act(request, uid, "accept")


@login_required
@require_POST
def decline(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    return _act(request, uid, "decline")


@login_required
@require_POST
def withdraw(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    return _act(request, uid, "withdraw")


@login_required
@require_POST
def cancel(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    return _act(request, uid, "cancel")


# ---- A client's request ---------------------------------------------------------------------


def _requestable_band(slug: str) -> Band:
    """Approved bands take requests; any other band does not exist here."""
    return get_object_or_404(Band, slug=slug, status=ApprovalStatus.APPROVED)


def _plays_in(band: Band, user: User) -> bool:
    return user.is_authenticated and Membership.objects.filter(band=band, user_id=user.pk).exists()


def _check_context(band: Band, form: RequestTimesForm) -> dict:
    """Whether the band is free at the times in `form`: "free", "busy", "booked" (a gig: it cannot be asked),
    "past", "invalid" or "incomplete". Never who is busy or why."""
    context = {"band": band, "check": "incomplete", "check_when": "", "check_error": ""}
    if not form.is_bound or not all(form.data.get(name) for name in ("date", "start", "end")):
        return context
    times = form.times()
    if times is None:
        errors = [e for name in ("date", "start", "end", "time_zone") for e in form.errors.get(name, [])]
        return {**context, "check": "invalid", "check_error": errors[0] if errors else ""}
    starts_at, ends_at = times
    context["check_when"] = when_text(starts_at, ends_at, zoneinfo.ZoneInfo(form.cleaned_data["time_zone"]))
    if starts_at <= timezone.now():
        return {**context, "check": "past"}
    if band_free_between(band_id=band.pk, start=starts_at, end=ends_at):
        return {**context, "check": "free"}
    booked = Booking.objects.filter(
        band_id=band.pk, status=Status.BOOKED, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists()
    return {**context, "check": "booked" if booked else "busy"}


def _times_from_query(request: HttpRequest, default_zone: str) -> RequestTimesForm:
    """The date and times a link or the no-script check button carried, for the form's first view."""
    data = {name: request.GET.get(name, "") for name in ("date", "start", "end", "time_zone")}
    data["time_zone"] = data["time_zone"] or default_zone
    return RequestTimesForm(data)


def _request_page(
    request: HtmxHttpRequest, band: Band, form: RequestForm, check_form: RequestTimesForm, *, status: int = 200, **extra
) -> HttpResponse:
    back = urlencode({"next": reverse("bookings:request", args=[band.slug])})
    context = {
        "band": band,
        "form": form,
        "plays_in": _plays_in(band, request.user),
        "check_url": reverse("bookings:request_check", args=[band.slug]),
        "login_url": f"{reverse('account_login')}?{back}",
        "signup_url": f"{reverse('account_signup')}?{back}",
        "page_error": "",
        **_check_context(band, check_form),
        **extra,
    }
    return render(request, "bookings/request.html", context, status=status)


@require_http_methods(["GET", "POST"])
def request_band(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A client asks a band to play a private event. Anyone may read the form; sending needs a login."""
    band = _requestable_band(slug)
    default_zone = request.user.time_zone if request.user.is_authenticated else band.time_zone
    if request.method == "GET":
        check_form = _times_from_query(request, default_zone)
        # A link (or the check answered without script) may carry what was typed so far.
        initial = {name: request.GET[name] for name in RequestForm.base_fields if request.GET.get(name)}
        initial.setdefault("time_zone", default_zone)
        return _request_page(request, band, RequestForm(initial=initial, band=band), check_form)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = RequestForm(request.POST, band=band)
    page_error = ""
    status = 400
    if form.is_valid():
        try:
            booking = services.booking_request(band=band, client=request.user, **form.service_fields())
        except ValidationError as exc:
            form.add_service_errors(exc)
        except BookingPermissionError as exc:
            page_error, status = str(exc), 403
        except BookingConflict as exc:
            page_error, status = str(exc), 409
        except BookingError as exc:
            page_error = str(exc)
        else:
            messages.success(
                request,
                f"Your request is with {band.name}. You will hear when they answer; follow it here or under Bookings.",
            )
            return redirect("bookings:detail", uid=booking.uid)
    check_form = RequestTimesForm(request.POST)
    return _request_page(request, band, form, check_form, status=status, page_error=page_error)


@require_GET
def request_check(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Live: is the band free at the date and times in the form? Only free or busy, never who or why."""
    band = _requestable_band(slug)
    if not _partial(request):
        return request_band(request, slug)
    form = RequestTimesForm(request.GET)
    return render(request, "bookings/request.html#check", _check_context(band, form))
