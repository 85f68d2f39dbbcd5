"""What the availability pages share: a page or one of its HTMX regions, and the answer after a change.

Pages render in full, or as the HTMX partial their region (calendar, dialog, rule list, imports) asks
for. A change made in the dialog answers 204 with an `availability-changed` event; the regions that
show busy time listen for it and reload themselves.
"""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import trigger_client_event

from core.web.htmx import HtmxHttpRequest, is_partial

CHANGED_EVENT = "availability-changed"
DIALOG_TARGET = "cal-dialog-body"


def wants_region(request: HtmxHttpRequest, target: str) -> bool:
    """An HTMX request for one region of the page (a history restore needs the whole page)."""
    return is_partial(request) and request.htmx.target == target


def page_or_dialog(request: HtmxHttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """The page, or only its dialog body when the dialog asked for it."""
    if wants_region(request, DIALOG_TARGET):
        return render(request, f"{template}#dialog", {**context, "in_dialog": True}, status=200)
    return render(request, template, {**context, "in_dialog": False}, status=status)


def invalid_status(request: HtmxHttpRequest) -> int:
    """The status of a form answered with its errors."""
    # htmx swaps only 2xx answers, so a form re-rendered with its errors in the dialog is a 200.
    return 200 if request.htmx else 400


def changed(request: HtmxHttpRequest, message: str, *, day: dt.date | None = None) -> HttpResponse:
    """After a change: close the dialog and refresh the calendar (HTMX), or go back to the calendar."""
    if request.htmx:
        # The date lets the calendar move to the month (or week) of what was just saved.
        detail = {"message": message, **({"date": day.isoformat()} if day else {})}
        return trigger_client_event(HttpResponse(status=204), CHANGED_EVENT, detail)
    messages.success(request, message)
    url = reverse("availability:calendar")
    return redirect(f"{url}?{urlencode({'date': day.isoformat()})}" if day else url)


def add_errors(form, error: ValidationError, *, field_of=None) -> None:
    """A service's ValidationError, shown next to the fields it names."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = field_of(name) if field_of else (name if name in form.fields else None)
        form.add_error(target, errors)


def calendar_url(view: str, day: dt.date) -> str:
    """The calendar page showing `day` as a month or a week."""
    return f"{reverse('availability:calendar')}?{urlencode({'view': view, 'date': day.isoformat()})}"
