"""Shows: hosting one, the public show page and its calendar file, "My shows", the manage page (the
applicants, tickets, who fills the support places), and the show lists of a band and a venue.

Who may do what is the services' call; their refusals become 403, 409 or 400 with the message on
the page, and nothing changes.
"""

import json
import zoneinfo
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext
from django.views.decorators.http import require_GET, require_POST

from accounts.ratelimit import rate_limited
from bands.models import ApprovalStatus, Band
from core.db.replica import reads_from_replica
from core.fields.timezones import known_zone, when_text
from core.web.htmx import is_partial
from core.web.site import site_url
from venues.models import Slot, Venue

from ..cards import show_map
from ..errors import BookingError
from ..forms.detail import CancelForm
from ..forms.shows import (
    BillMessageForm,
    RunningOrderForm,
    ShowApplyForm,
    ShowHostForm,
    SupportAskForm,
    SupportPickerForm,
    TicketsForm,
)
from ..ical import FeedEvent, feed_render
from ..models import Booking
from ..pages import refusal_code
from ..selectors.bookings import can_manage_band, is_venue_staff
from ..selectors.finder import finder_bands_of, slot_bands_of
from ..selectors.public import venue_visible_to
from ..selectors.shows import (
    band_shows,
    bill_messages,
    can_see_manage,
    my_shows,
    on_the_bill,
    show_applicants,
    show_booking_of,
    show_for_manager,
    show_json_ld,
    show_lineup,
    show_public,
    show_status,
    venue_whats_on,
)
from ..services import answering, asking, venue_slots
from ..services import shows as show_services

# JSON inside <script>: nothing in it may close the element or open a comment.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _show_or_404(pk: int) -> Slot:
    slot = show_public(pk=pk)
    if slot is None:
        raise Http404("No such show.")
    return slot


def _lineup_rows(slot: Slot, lineup: list[Booking]) -> list[dict]:
    zone = slot.zone
    rows = []
    for act in lineup:
        set_time = ""
        if act.set_starts_at:
            set_time = pgettext("time range", "%(start)s–%(end)s") % {
                "start": time_format(act.set_starts_at.astimezone(zone), "CLOCK_FORMAT"),
                "end": time_format(act.set_ends_at.astimezone(zone), "CLOCK_FORMAT"),
            }
        rows.append({"band": act.band, "role": act.get_role_display(), "set_time": set_time})
    return rows


def _show_context(request: HttpRequest, slot: Slot, **extra) -> dict:
    now = timezone.now()
    zone = slot.zone
    lineup = show_lineup(slot=slot)
    status, status_label = show_status(slot, now=now)
    url = site_url() + reverse("bookings:show_detail", args=[slot.pk])
    ld = show_json_ld(slot=slot, lineup=lineup, status=status, site=site_url(), url=url)
    names = ", ".join(act.band.name for act in lineup) or gettext("Live music")
    place = slot.place_label
    title = slot.title or gettext("%(names)s at %(place)s") % {"names": names, "place": place}
    when = when_text(slot.starts_at, slot.ends_at, zone)
    context = {
        "show": slot,
        "lineup": _lineup_rows(slot, lineup),
        "status": status,
        "status_label": status_label,
        "tickets": list(slot.tickets.all()),
        "when": when,
        "doors": time_format(slot.doors_at.astimezone(zone), "CLOCK_FORMAT") if slot.doors_at else "",
        "curfew": time_format(slot.curfew_at.astimezone(zone), "CLOCK_FORMAT") if slot.curfew_at else "",
        "zone_name": zone.key,
        "address": slot.place_address_line,
        "map_query": ", ".join(p for p in (place, slot.place_address_line) if p),
        "json_ld": mark_safe(json.dumps(ld, ensure_ascii=False).translate(_SCRIPT_ESCAPES)),  # noqa: S308
        "show_map": show_map(slot, title=title, when=when),
        "og": {
            "title": title,
            "description": gettext("%(names)s – %(when)s at %(place)s")
            % {"names": names, "when": when, "place": place},
            "url": url,
        },
        "page_url": url,
        "can_manage": can_see_manage(slot=slot, user=request.user),
        "on_bill": on_the_bill(slot=slot, user=request.user),
    }
    context.update(extra)
    return context


def _apply_context(request: HttpRequest, slot: Slot, form: ShowApplyForm | None = None) -> dict:
    """For a signed-in band leader: their bands marked free or not, and the form to apply for support."""
    if not (request.user.is_authenticated and slot.is_support_call):
        return {}
    bands = [b for b in slot_bands_of(slot=slot, user=request.user) if b.pk != slot.host_band_id]
    managed = [b for b in bands if b.can_manage and (b.booking is None or b.booking.status not in Booking.LIVE)]
    if form is None and managed:
        form = ShowApplyForm(bands=managed, auto_id="apply_%s")
    return {"my_bands": bands, "apply_form": form}


@require_GET
@reads_from_replica
def show_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The public page of a show: line-up in running order, times in its place's zone, place and map
    link, status and tickets, "add to my calendar"; JSON-LD and Open Graph for search and previews."""
    slot = _show_or_404(pk)
    context = _show_context(request, slot, **_apply_context(request, slot))
    return render(request, "bookings/shows/show.html", context)


@require_GET
@reads_from_replica
def show_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The show as a single-event calendar file."""
    slot = _show_or_404(pk)
    lineup = show_lineup(slot=slot)
    now = timezone.now()
    status, _ = show_status(slot, now=now)
    url = site_url() + reverse("bookings:show_detail", args=[slot.pk])
    names = ", ".join(act.band.name for act in lineup) or gettext("Live music")
    event = FeedEvent(
        uid=f"show-{slot.pk}@stageslot",
        summary=slot.title or gettext("%(names)s at %(place)s") % {"names": names, "place": slot.place_label},
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        status="CANCELLED" if status == "cancelled" else "CONFIRMED",
        sequence=slot.sequence,
        modified_at=slot.updated_at,
        description=f"{names}\n\n{url}",
        location=", ".join(p for p in (slot.place_label, slot.place_address_line) if p),
        url=url,
    )
    body = feed_render(name=slot.title or names, events=[event])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stageslot-show-{slot.pk}.ics"'
    return response


@login_required
@rate_limited("application")
def show_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """A band's leader or admin applies for a support place on a show whose headliner picks its support."""
    slot = _show_or_404(pk)
    if request.method != "POST":
        return redirect("bookings:show_detail", pk=slot.pk)
    bands = [b for b in finder_bands_of(user=request.user) if b.can_manage]
    form = ShowApplyForm(request.POST, bands=bands, auto_id="apply_%s")
    if not bands:
        raise PermissionDenied(gettext("Only a band's leaders and admins can apply, and you lead or run no band."))
    if not form.is_valid():
        return render(request, "bookings/shows/show.html", _show_context(request, slot, apply_form=form), status=400)
    try:
        booking = asking.booking_apply(
            slot=slot,
            band=form.cleaned_data["band"],
            by=request.user,
            role=Booking.Role.SUPPORT,
            fee=slot.fee,
            message=form.cleaned_data["message"],
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return render(request, "bookings/shows/show.html", _show_context(request, slot, apply_form=form), status=400)
    except BookingError as exc:
        context = _show_context(request, slot, apply_form=form, error=str(exc))
        return render(request, "bookings/shows/show.html", context, status=refusal_code(exc))
    messages.success(
        request, gettext("%(band)s applied. The headliner will answer here.") % {"band": booking.band.name}
    )
    return redirect("bookings:detail", uid=booking.uid)


# ---- Hosting, My shows ---------------------------------------------------------------------------


def _managed_bands(request: HttpRequest) -> list[Band]:
    return [b for b in finder_bands_of(user=request.user) if b.can_manage]


@login_required
def show_new(request: HttpRequest) -> HttpResponse:
    """A band's leader or admin hosts a show of the band's own."""
    bands = _managed_bands(request)
    if not bands:
        raise PermissionDenied(
            gettext("Only a band's leaders and admins can host a show, and you lead or run no band.")
        )
    initial = {"time_zone": request.user.time_zone, "support_places": 1, "band": bands[0].pk}
    form = ShowHostForm(request.POST or None, bands=bands, initial=initial)
    status = 200
    error = ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                slot = show_services.show_host(by=request.user, **form.service_kwargs())
            except ValidationError as exc:
                form.add_service_errors(exc)
            except BookingError as exc:
                error, status = str(exc), refusal_code(exc)
            else:
                messages.success(
                    request,
                    gettext("“%(title)s” is on. Bands can now apply for its support places.") % {"title": slot.title},
                )
                return redirect("bookings:show_manage", pk=slot.pk)
    return render(request, "bookings/shows/new.html", {"form": form, "error": error}, status=status)


@login_required
@require_GET
def shows_mine(request: HttpRequest) -> HttpResponse:
    """The shows to come that the viewer's bands host or headline, with open places and applicants."""
    zone = request.user.zone
    shows = my_shows(user=request.user, now=timezone.now())
    rows = [{"show": s, "when": when_text(s.starts_at, s.ends_at, zone)} for s in shows]
    return render(
        request,
        "bookings/shows/mine.html",
        {"rows": rows, "can_host": bool(_managed_bands(request)), "zone_name": zone.key},
    )


# ---- Managing one show ---------------------------------------------------------------------------


def _manage_or_404(request: HttpRequest, pk: int) -> Slot:
    slot = show_for_manager(pk=pk)
    if slot is None or not can_see_manage(slot=slot, user=request.user):
        raise Http404("No such show.")
    return slot


def _manage_page(request: HttpRequest, slot: Slot, *, status: int = 200, error: str = "", **forms) -> HttpResponse:
    user = request.user
    zone = slot.zone
    headliner = show_services.slot_headliner(slot)
    is_staff = bool(slot.venue_id) and is_venue_staff(slot.venue_id, user)
    leads_headliner = headliner is not None and can_manage_band(headliner.band_id, user)
    tickets = list(slot.tickets.all())
    lineup = show_lineup(slot=slot)
    booked = [act for act in lineup if act.status == Booking.Status.BOOKED]
    context = {
        "show": slot,
        "headliner": headliner,
        "when": when_text(slot.starts_at, slot.ends_at, zone),
        "zone_name": zone.key,
        "lineup": _lineup_rows(slot, lineup),
        "order_form": forms.get("order_form") or RunningOrderForm(slot=slot, acts=booked),
        "applicants": show_applicants(slot=slot),
        "picks": slot.headliner_picks_support and leads_headliner,
        "is_venue_staff": is_staff,
        "leads_headliner": leads_headliner,
        "can_edit": is_staff or leads_headliner,
        "tickets_form": forms.get("tickets_form") or TicketsForm(initial=TicketsForm.initial_for(slot, tickets)),
        "ask_form": forms.get("ask_form") or SupportAskForm(initial={"places": slot.open_support_places}),
        "picker_form": forms.get("picker_form") or SupportPickerForm(initial={"picker": slot.support_picker}),
        "cancel_form": forms.get("cancel_form") or CancelForm(auto_id="cancel_%s"),
        "hosts": slot.is_hosted and leads_headliner,
        "error": error,
        "now": timezone.now(),
    }
    context.update(forms)
    return render(request, "bookings/shows/manage.html", context, status=status)


@login_required
@require_GET
def show_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """For the host or headliner and the venue: applicants to listen to and pick, tickets, support places."""
    return _manage_page(request, _manage_or_404(request, pk))


def _service_call(request: HttpRequest, slot: Slot, call, form_name: str, form, notice: str) -> HttpResponse:
    try:
        call()
    except ValidationError as exc:
        if form is not None:
            form.add_service_errors(exc)
            return _manage_page(request, slot, status=400, **{form_name: form})
        return _manage_page(request, slot, status=400, error=" ".join(exc.messages))
    except BookingError as exc:
        return _manage_page(request, slot, status=refusal_code(exc), error=str(exc), **{form_name: form})
    messages.success(request, notice)
    return redirect("bookings:show_manage", pk=slot.pk)


@login_required
@require_POST
def show_answer(request: HttpRequest, pk: int, uid: UUID, action: str) -> HttpResponse:
    """The headliner accepts or declines a support application (the same service as any booking)."""
    slot = _manage_or_404(request, pk)
    booking = show_booking_of(slot=slot, uid=uid)
    if booking is None:
        raise Http404("No such booking on this show.")
    if action not in ("accept", "decline"):
        raise Http404("No such action.")

    def call():
        if action == "accept":
            answering.booking_accept(booking=booking, by=request.user)
        else:
            answering.booking_decline(booking=booking, by=request.user, reason=request.POST.get("reason", ""))

    if action == "accept":
        notice = gettext("%(band)s is on the bill.") % {"band": booking.band.name}
    else:
        notice = gettext("%(band)s was declined.") % {"band": booking.band.name}
    return _service_call(request, slot, call, "answer_form", None, notice)


@login_required
@require_POST
def show_tickets(request: HttpRequest, pk: int) -> HttpResponse:
    """The host or the venue says how people get in."""
    slot = _manage_or_404(request, pk)
    form = TicketsForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, slot, status=400, tickets_form=form)
    data = form.cleaned_data

    def call():
        show_services.show_tickets_set(
            slot=slot, by=request.user, entry=data["entry"], sold_out=data["sold_out"], tickets=form.ticket_lines()
        )

    return _service_call(request, slot, call, "tickets_form", form, gettext("The tickets are saved."))


@login_required
@require_POST
def show_support_ask(request: HttpRequest, pk: int) -> HttpResponse:
    """The headliner of a venue's slot asks the venue to let it fill the support places."""
    slot = _manage_or_404(request, pk)
    form = SupportAskForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, slot, status=400, ask_form=form)

    def call():
        show_services.show_support_ask(slot=slot, by=request.user, places=form.cleaned_data["places"])

    return _service_call(request, slot, call, "ask_form", form, gettext("Asked. The venue decides."))


@login_required
@require_POST
def show_support_picker(request: HttpRequest, pk: int) -> HttpResponse:
    """The venue lets the headliner fill the support places, or keeps that."""
    slot = _manage_or_404(request, pk)
    form = SupportPickerForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, slot, status=400, picker_form=form)

    def call():
        show_services.show_support_picker_set(slot=slot, by=request.user, picker=form.cleaned_data["picker"])

    return _service_call(request, slot, call, "picker_form", form, gettext("Saved: who fills the support places."))


@login_required
@require_POST
def show_running_order(request: HttpRequest, pk: int) -> HttpResponse:
    """The host or the venue sets doors, each act's load-in and set, and the curfew."""
    slot = _manage_or_404(request, pk)
    acts = [act for act in show_lineup(slot=slot) if act.status == Booking.Status.BOOKED]
    form = RunningOrderForm(request.POST, slot=slot, acts=acts)
    if not form.is_valid():
        return _manage_page(request, slot, status=400, order_form=form)

    def call():
        show_services.show_running_order_set(slot=slot, by=request.user, **form.service_kwargs())

    notice = gettext("The running order is saved; each act's busy time and calendar moved with it.")
    return _service_call(request, slot, call, "order_form", form, notice)


@login_required
@require_POST
def show_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The host calls off its own show: every act is cancelled and every applicant declined, with the reason."""
    slot = _manage_or_404(request, pk)
    form = CancelForm(request.POST, auto_id="cancel_%s")
    if not form.is_valid():
        return _manage_page(request, slot, status=400, cancel_form=form)
    if not slot.is_hosted:
        raise PermissionDenied(gettext("A venue's slot is cancelled from the venue's slot page."))

    def call():
        venue_slots.slot_cancel(slot=slot, by=request.user, reason=form.cleaned_data["reason"])

    return _service_call(
        request, slot, call, "cancel_form", form, gettext("The show is cancelled; everyone on it is told.")
    )


# ---- The bill thread ----------------------------------------------------------------------------


def _bill_page(request: HttpRequest, slot: Slot, *, form=None, status: int = 200) -> HttpResponse:
    zone = request.user.zone
    rows = [
        {"message": m, "when": date_format(m.created_at.astimezone(zone), "WEEKDAY_MONTH_MOMENT_FORMAT")}
        for m in bill_messages(slot=slot)
    ]
    context = {
        "show": slot,
        "rows": rows,
        "form": form or BillMessageForm(),
        "zone_name": zone.key,
        "when": when_text(slot.starts_at, slot.ends_at, slot.zone),
    }
    return render(request, "bookings/shows/bill.html", context, status=status)


@login_required
def show_bill(request: HttpRequest, pk: int) -> HttpResponse:
    """The bill thread: one conversation for every act on the show, the host and the venue."""
    slot = show_for_manager(pk=pk)
    if slot is None or not on_the_bill(slot=slot, user=request.user):
        raise Http404("No such show.")
    if request.method != "POST":
        return _bill_page(request, slot)
    form = BillMessageForm(request.POST)
    if not form.is_valid():
        return _bill_page(request, slot, form=form, status=400)
    try:
        show_services.bill_message_post(slot=slot, by=request.user, body=form.cleaned_data["body"])
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _bill_page(request, slot, form=form, status=400)
    return redirect(reverse("bookings:show_bill", args=[slot.pk]) + "#bill-form")


# ---- A band's shows, a venue's "What's on" (loaded into their pages) -----------------------------


def _list_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    # Paging within the list moves focus to it; the first load into the band's or venue's page does not.
    context["focus"] = is_partial(request) and bool(request.GET.get("page") or "past" in request.GET)
    return render(request, f"{template}#list" if is_partial(request) else template, context)


@require_GET
@reads_from_replica
def band_show_list(request: HttpRequest, slug: str) -> HttpResponse:
    """A listed band's upcoming or past shows (?past=1), paged; read in the viewer's zone, else the band's."""
    band = get_object_or_404(Band, slug=slug, status=ApprovalStatus.APPROVED)
    past = request.GET.get("past") == "1"
    page = band_shows(band=band, now=timezone.now(), past=past, page=request.GET.get("page"))
    zone = known_zone(request) or zoneinfo.ZoneInfo(band.time_zone)
    rows = [{"show": s, "when": when_text(s.starts_at, s.ends_at, zone)} for s in page.object_list]
    context = {
        "band": band,
        "past": past,
        "page_obj": page,
        "rows": rows,
        "zone_name": zone.key,
        "self_url": reverse("bookings:band_shows", args=[band.slug]),
    }
    return _list_page(request, "bookings/shows/band_shows.html", context)


@require_GET
@reads_from_replica
def venue_whats_on_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A venue's public shows to come, paged, in the venue's zone."""
    venue = get_object_or_404(Venue, slug=slug)
    if not venue_visible_to(venue=venue, user=request.user):
        raise Http404("No such venue.")
    page = venue_whats_on(venue=venue, now=timezone.now(), page=request.GET.get("page"))
    zone = zoneinfo.ZoneInfo(venue.time_zone)
    rows = [{"show": s, "when": when_text(s.starts_at, s.ends_at, zone)} for s in page.object_list]
    context = {
        "venue": venue,
        "page_obj": page,
        "rows": rows,
        "zone_name": zone.key,
        "self_url": reverse("bookings:venue_whats_on", args=[venue.slug]),
    }
    return _list_page(request, "bookings/shows/whats_on.html", context)
