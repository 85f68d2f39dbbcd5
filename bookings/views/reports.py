"""Reporting a message, a request or booking, a band's or venue's profile or a show to staff (decision 0081).
The thing is named by ?message=<id>, ?booking=<uid>, ?band=<slug>, ?venue=<slug> or ?show=<id>; what the
viewer may not see is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from accounts.models import Report
from accounts.ratelimit import rate_limited
from core.fields.form_fields import plain_value

from ..forms.reports import ReportForm
from ..selectors.reports import ReportSubject, report_subject
from ..services.reports import report_create


def _subject(request: HttpRequest) -> ReportSubject:
    data = request.POST if request.method == "POST" else request.GET
    for kind in Report.Subject.values:
        if ref := plain_value(data, kind):
            subject = report_subject(kind=kind, ref=ref, user=request.user)
            if subject is not None:
                return subject
            break
    raise Http404("Nothing to report here.")


@login_required
@rate_limited("report")
def report_new(request: HttpRequest) -> HttpResponse:
    """The report form; its POST sends the report to staff and goes back to what was reported."""
    subject = _subject(request)
    form = ReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report_create(reporter=request.user, subject=subject, **form.cleaned_data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(
                    request, gettext("Thank you. Staff will look at your report and tell you what they did.")
                )
                return redirect(subject.back)
        status = 400
    context = {"subject": subject, "form": form, "kind_label": Report.Subject(subject.kind).label}
    return render(request, "bookings/reports/new.html", context, status=status)
