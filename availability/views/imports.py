"""/me/availability/imported/: the person's own calendars, imported by their secret address."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from core.web.htmx import HtmxHttpRequest

from .. import services
from ..forms.imports import ImportForm
from ..models import ExternalCalendar
from ..regions import CHANGED_EVENT, add_errors, invalid_status, wants_region
from ..selectors import user_calendars, user_external_calendar


def _imports_page(request: HtmxHttpRequest, form: ImportForm, *, status: int = 200, notice: str = "") -> HttpResponse:
    calendars = list(user_calendars(user_id=request.user.pk))
    context = {
        "form": form,
        "notice": notice,
        "calendars": calendars,
        "limit": services.CALENDAR_LIMIT,
        "full": len(calendars) >= services.CALENDAR_LIMIT,
        "section": "imports",
        "time_zone": request.user.time_zone,
    }
    if wants_region(request, "imports"):
        return render(request, "availability/imports.html#imports", context)
    return render(request, "availability/imports.html", context, status=status)


def _imports_done(request: HtmxHttpRequest, message: str) -> HttpResponse:
    if request.htmx:
        return trigger_client_event(_imports_page(request, ImportForm(), notice=message), CHANGED_EVENT)
    messages.success(request, message)
    return redirect("availability:imports")


@login_required
def imports_page(request: HtmxHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _imports_page(request, ImportForm())
    form = ImportForm(request.POST)
    if form.is_valid():
        try:
            calendar = services.calendar_add(
                user=request.user, url=form.cleaned_data["url"], name=form.cleaned_data["name"]
            )
        except ValidationError as e:
            add_errors(form, e)
        else:
            calendar.refresh_from_db()
            return _imports_done(request, _sync_message(calendar, added=True))
    return _imports_page(request, form, status=invalid_status(request))


def _own_calendar(request: HttpRequest, pk: int) -> ExternalCalendar:
    calendar = user_external_calendar(user_id=request.user.pk, pk=pk)
    if calendar is None:
        raise Http404("No such calendar.")
    return calendar


def _sync_message(calendar: ExternalCalendar, *, added: bool = False) -> str:
    name = f"“{calendar}”"
    if calendar.last_error:
        return gettext("%(name)s could not be read: %(last_error)s") % {"name": name, "last_error": calendar.last_error}
    if calendar.last_synced_at is None:
        return (
            gettext("%(name)s is added; its events appear in a minute.") % {"name": name}
            if added
            else gettext("%(name)s is being refreshed.") % {"name": name}
        )
    if added:
        text = ngettext(
            "%(name)s is added: %(count)s event in your calendar.",
            "%(name)s is added: %(count)s events in your calendar.",
            calendar.event_count,
        )
    else:
        text = ngettext(
            "%(name)s is up to date: %(count)s event in your calendar.",
            "%(name)s is up to date: %(count)s events in your calendar.",
            calendar.event_count,
        )
    return text % {"name": name, "count": calendar.event_count}


@login_required
@require_POST
def import_refresh(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    calendar = _own_calendar(request, pk)
    services.calendar_refresh_request(calendar=calendar, by=request.user)
    calendar.refresh_from_db()
    return _imports_done(request, _sync_message(calendar))


@login_required
@require_POST
def import_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    calendar = _own_calendar(request, pk)
    services.calendar_remove(calendar=calendar, by=request.user)
    return _imports_done(
        request, gettext("“%(calendar)s” is removed; its events no longer make you busy.") % {"calendar": calendar}
    )
