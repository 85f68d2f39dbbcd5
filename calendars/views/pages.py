"""/me/calendars/: the member's connected calendar accounts – their state, "Refresh now", choosing
what is read and where gigs go, and disconnecting."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from accounts.ratelimit import rate_limited
from core.web.htmx import HtmxHttpRequest, is_partial

from .. import services
from ..forms import CaldavConnectForm, CalendarChoiceForm, ReconnectForm
from ..models import ConnectedCalendar
from ..selectors import user_connected_calendar, user_connected_calendars


def google_available() -> bool:
    """Whether the Google button is shown (its keys are set)."""
    try:
        from .. import google
    except ImportError:
        return False
    return google.is_configured()


def render_page(
    request: HtmxHttpRequest, *, form: CaldavConnectForm | None = None, status: int = 200, notice: str = ""
) -> HttpResponse:
    calendars = list(user_connected_calendars(user_id=request.user.pk))
    context = {
        "calendars": calendars,
        "form": form or CaldavConnectForm(),
        "full": len(calendars) >= services.CONNECTED_LIMIT,
        "limit": services.CONNECTED_LIMIT,
        "google_available": google_available(),
        "notice": notice,
        "section": "connected",
    }
    if is_partial(request) and request.htmx.target == "connected":
        return render(request, "calendars/page.html#connected", context)
    return render(request, "calendars/page.html", context, status=status)


@login_required
def calendars_page(request: HtmxHttpRequest) -> HttpResponse:
    return render_page(request)


def own_calendar(request: HttpRequest, pk: int) -> ConnectedCalendar:
    calendar = user_connected_calendar(user_id=request.user.pk, pk=pk)
    if calendar is None:
        raise Http404("No such calendar.")
    return calendar


def sync_message(calendar: ConnectedCalendar) -> str:
    name = f"“{calendar}”"
    if calendar.needs_reconnect:
        return gettext("%(name)s needs connecting again: %(error)s") % {"name": name, "error": calendar.last_error}
    if calendar.last_error:
        return gettext("%(name)s could not be read: %(error)s") % {"name": name, "error": calendar.last_error}
    if calendar.last_synced_at is None:
        return gettext("%(name)s is being read; its busy times appear in a minute.") % {"name": name}
    return ngettext(
        "%(name)s is up to date: %(count)s busy time in your calendar.",
        "%(name)s is up to date: %(count)s busy times in your calendar.",
        calendar.event_count,
    ) % {"name": name, "count": calendar.event_count}


def done(request: HtmxHttpRequest, message: str, *, error: bool = False) -> HttpResponse:
    if request.htmx:
        return render_page(request, notice=message)
    (messages.error if error else messages.success)(request, message)
    return redirect("calendars:page")


@login_required
@require_POST
@rate_limited("calendar_refresh")
def calendar_refresh(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    calendar = own_calendar(request, pk)
    services.connected_calendar_refresh_request(calendar=calendar, by=request.user)
    calendar.refresh_from_db()
    return done(request, sync_message(calendar))


@login_required
@require_POST
def calendar_disconnect(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    calendar = own_calendar(request, pk)
    services.connected_calendar_disconnect(calendar=calendar, by=request.user)
    return done(
        request, gettext("“%(calendar)s” is disconnected; its events no longer make you busy.") % {"calendar": calendar}
    )


@login_required
def calendar_settings(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    calendar = own_calendar(request, pk)
    can_write = calendar.provider == ConnectedCalendar.Provider.CALDAV
    initial = {
        "read": calendar.calendars or list(calendar.calendar_names),
        "write_calendar_url": calendar.write_calendar_url,
    }
    form = CalendarChoiceForm(names=calendar.calendar_names, can_write=can_write, initial=initial)
    status = 200
    if request.method == "POST":
        form = CalendarChoiceForm(request.POST, names=calendar.calendar_names, can_write=can_write)
        if form.is_valid():
            try:
                services.connected_calendar_choose(
                    calendar=calendar,
                    by=request.user,
                    read=form.cleaned_data["read"],
                    write_calendar_url=form.cleaned_data.get("write_calendar_url", ""),
                )
            except ValidationError as e:
                for field, errors in e.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                calendar.refresh_from_db()
                messages.success(request, gettext("Saved. %(state)s") % {"state": sync_message(calendar)})
                return redirect("calendars:page")
        status = 400
    context = {
        "calendar": calendar,
        "form": form,
        "reconnect_form": ReconnectForm(),
        "section": "connected",
    }
    return render(request, "calendars/settings.html", context, status=status)
