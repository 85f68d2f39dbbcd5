"""/me/calendars/caldav/…: connecting a CalDAV account (tested before it is saved), and giving it a new
app password when the server refused the old one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.ratelimit import rate_limited
from core.web.htmx import HtmxHttpRequest

from .. import services
from ..forms import CaldavConnectForm, CalendarChoiceForm, ReconnectForm
from .pages import own_calendar, render_page


def _errors_to(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_POST
@rate_limited("calendar_connect")
def caldav_connect(request: HtmxHttpRequest) -> HttpResponse:
    form = CaldavConnectForm(request.POST)
    if form.is_valid():
        try:
            calendar = services.caldav_calendar_connect(
                user=request.user,
                server_url=form.cleaned_data["server_url"],
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as e:
            _errors_to(form, e)
        else:
            messages.success(
                request,
                gettext("Connected. Choose which calendars make you busy, and where your gigs should go."),
            )
            return redirect("calendars:settings", pk=calendar.pk)
    return render_page(request, form=form, status=200 if request.htmx else 400)


@login_required
@require_POST
@rate_limited("calendar_connect")
def caldav_reconnect(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    calendar = own_calendar(request, pk)
    form = ReconnectForm(request.POST)
    if form.is_valid():
        try:
            services.caldav_calendar_reconnect(
                calendar=calendar, by=request.user, password=form.cleaned_data["password"]
            )
        except ValidationError as e:
            _errors_to(form, e)
        else:
            messages.success(request, gettext("Connected again; we read your calendar now."))
            return redirect("calendars:page")
    choice = CalendarChoiceForm(
        names=calendar.calendar_names,
        can_write=True,
        initial={
            "read": calendar.calendars or list(calendar.calendar_names),
            "write_calendar_url": calendar.write_calendar_url,
        },
    )
    context = {"calendar": calendar, "form": choice, "reconnect_form": form, "section": "connected"}
    return render(request, "calendars/settings.html", context, status=400)
