"""Pages that compose several apps: home, dashboard, health."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bookings.models import Booking
from bookings.services import when_text

from .selectors import dashboard_bookings, dashboard_memberships, dashboard_venue_roles


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "stageslot/home.html")


@dataclass(frozen=True)
class BookingRow:
    """A booking as a line of the dashboard: what, when in the viewer's zone, and who is to answer."""

    booking: Booking
    title: str
    when: str
    waiting_on: str


def _booking_row(booking: Booking, zone) -> BookingRow:
    if booking.kind == Booking.Kind.REQUEST:
        title = f"{booking.band.name} – {booking.event_type or 'private event'}"
    else:
        role = " (support)" if booking.role == Booking.Role.SUPPORT else ""
        title = f"{booking.band.name}{role} at {booking.venue.name}"
    waiting_on = booking.venue.name if booking.answering_side == "venue" else booking.band.name
    return BookingRow(
        booking=booking, title=title, when=when_text(booking.starts_at, booking.ends_at, zone), waiting_on=waiting_on
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    zone = request.user.zone
    bookings = dashboard_bookings(user=request.user, now=timezone.now())

    def rows(items: list[Booking]) -> list[BookingRow]:
        return [_booking_row(b, zone) for b in items]

    context = {
        "memberships": list(dashboard_memberships(user=request.user)),
        "venue_roles": list(dashboard_venue_roles(user=request.user)),
        "upcoming": rows(bookings.upcoming),
        "needs_answer": rows(bookings.needs_answer),
        "waiting": rows(bookings.waiting),
        "past": rows(bookings.past),
        "counts": bookings.counts,
        "time_zone": zone.key,
    }
    return render(request, "stageslot/dashboard.html", context)


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """For the load balancer: the database and the cache answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "error"
    try:
        cache.set("health", "ok", 5)
        checks["cache"] = "ok" if cache.get("health") == "ok" else "error"
    except Exception:
        checks["cache"] = "error"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
