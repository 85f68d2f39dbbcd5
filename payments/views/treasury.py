"""The treasurer's year: each member's statement with the band over a period (a leader reads everyone's,
a member or a stand-in their own), payouts to members recorded and reversed by the band's leaders, and
the band's totals for a year (for its leaders and its agency). docs/decisions/0071-the-treasurers-year.md"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.mfa import second_factor_required
from bands.models import Band
from bands.permissions import add_errors, band_for
from bookings.errors import BookingConflict, BookingPermissionError

from ..forms import MemberPayoutForm, PeriodForm
from ..selectors import (
    band_of,
    band_today,
    band_year_totals,
    member_currencies,
    member_due,
    member_payout_of,
    member_statements,
    payees_of,
    statement_access,
    year_totals_access,
)
from ..services.treasury import member_payout_record, member_payout_reverse

NOT_YOURS = "Only the band's leaders, and each member for their own, read these statements."
NOT_FOR_YOU = "Only the band's leaders and admins, and its agency, read the band's yearly totals."


def _period(request: HttpRequest, band: Band):
    """The period form and its period (None when the form is not valid)."""
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, form.period(band=band, today=band_today(band))


@login_required
@require_http_methods(["GET"])
def band_statements(request: HttpRequest, slug: str) -> HttpResponse:
    """Each person's statement with the band over a year or a period: a leader or admin reads everyone's
    (and records payouts), a member or a stand-in only their own."""
    band = band_of(slug=slug)
    access = statement_access(band=band, user=request.user)
    if access is False:
        raise PermissionDenied(NOT_YOURS)
    form, period = _period(request, band)
    statements = []
    if period is not None:
        statements = member_statements(band=band, period=period, member_id=None if access is True else access)
    context = {
        "band": band,
        "form": form,
        "period": period,
        "statements": statements,
        "leads": access is True,
        "query": urlencode({k: v for k, v in request.GET.items() if k in form.fields}),
    }
    return render(request, "payments/treasury/statements.html", context, status=200 if period else 400)


@login_required
@second_factor_required
@require_http_methods(["GET", "POST"])
def member_payout_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Record a payout to a member, for the band's leaders and admins."""
    band, membership = band_for(request, slug)
    payees = payees_of(band=band)
    initial = {"paid_on": band_today(band), "method": "bank"}
    for name in ("member", "currency"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    form = MemberPayoutForm(request.POST or None, payees=payees, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                member_payout_record(band=band, by=request.user, **form.service_values())
            except BookingPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, gettext("The payout is recorded."))
                return redirect("payments:band_statements", slug=band.slug)
        status = 400
    due = []
    member_id = form.data.get("member") or initial.get("member")
    if member_id and str(member_id).isdigit() and any(u.pk == int(member_id) for u, _m in payees):
        due = [
            (c, member_due(band_id=band.pk, member_id=int(member_id), currency=c))
            for c in member_currencies(band_id=band.pk, member_id=int(member_id))
        ]
    context = {"band": band, "membership": membership, "section": "money", "form": form, "due": due}
    return render(request, "payments/treasury/payout.html", context, status=status)


@login_required
@second_factor_required
@require_POST
def member_payout_undo(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Reverse a payout recorded by mistake (a reversing row; the payout stays)."""
    band, _membership = band_for(request, slug)
    payout = member_payout_of(band=band, pk=pk)
    if payout is None:
        raise Http404("No such payout of this band.")
    try:
        member_payout_reverse(payout=payout, by=request.user, note=request.POST.get("note", "")[:300])
    except BookingPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except BookingConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("The payout is reversed: the band owes the amount again."))
    back = reverse("payments:band_statements", args=[band.slug])
    year = payout.paid_on.year
    return redirect(f"{back}?{urlencode({'year': year})}")


@login_required
@require_http_methods(["GET"])
def band_year_summary(request: HttpRequest, slug: str) -> HttpResponse:
    """The band's totals per currency for a year or a period, with its CSV and PDF."""
    band = band_of(slug=slug)
    if not year_totals_access(band=band, user=request.user):
        raise PermissionDenied(NOT_FOR_YOU)
    form, period = _period(request, band)
    context = {
        "band": band,
        "form": form,
        "period": period,
        "totals": band_year_totals(band=band, period=period) if period else [],
        "query": urlencode({k: v for k, v in request.GET.items() if k in form.fields}),
    }
    return render(request, "payments/treasury/year.html", context, status=200 if period else 400)
