"""The legal details pages: a band's (its leaders and admins), a venue's (its owners and bookers), and a
person's own. To anyone else a band's or venue's page does not exist."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.web.htmx import HtmxHttpRequest

from ..forms.legal import LegalDetailsForm
from ..models import LegalDetails
from ..selectors.legal import band_by_slug, legal_details_of, venue_by_slug
from ..services.legal import legal_details_set, may_edit_legal


def _initial(details: LegalDetails | None, fallback: dict) -> dict:
    if details is None:
        return {**fallback, "vat_rate": "0"}
    rate = details.vat_rate_bp / 100
    return {
        "legal_name": details.legal_name,
        "address": details.address,
        "email": details.email,
        "tax_number": details.tax_number,
        "vat_rate": f"{rate:g}",
        "reverse_charge": details.reverse_charge,
        "invoice_note": details.invoice_note,
    }


def _legal_page(request: HtmxHttpRequest, *, owner: dict, title: str, fallback: dict, back: str) -> HttpResponse:
    """The form for one owner's details (owner: {"band": b} / {"venue": v} / {"user": u}); saved on POST."""
    issuer = "band" in owner
    details = legal_details_of(**owner)
    form = LegalDetailsForm(request.POST or None, issuer=issuer, initial=_initial(details, fallback))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                legal_details_set(by=request.user, **owner, **form.cleaned_data)
            except ValidationError as exc:
                form.apply_errors(exc.message_dict)
            except PermissionDenied as exc:
                raise Http404("No such page.") from exc
            else:
                messages.success(request, _("Legal details saved. Documents issued from now on use them."))
                return redirect(request.path)
        status = 400
    context = {"form": form, "title": title, "issuer": issuer, "details": details, "back": back}
    return render(request, "documents/legal/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def band_legal(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    band = band_by_slug(slug)
    if band is None or not may_edit_legal(by=request.user, band=band):
        raise Http404("No such page.")
    place = ", ".join(part for part in (band.city, band.region) if part)
    fallback = {"legal_name": band.name, "address": place}
    title = _("Legal details of %(name)s") % {"name": band.name}
    return _legal_page(
        request, owner={"band": band}, title=title, fallback=fallback, back=reverse("bands:manage", args=[band.slug])
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_legal(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    venue = venue_by_slug(slug)
    if venue is None or not may_edit_legal(by=request.user, venue=venue):
        raise Http404("No such page.")
    address = ", ".join(part for part in (venue.address, venue.postcode, venue.city) if part)
    fallback = {"legal_name": venue.name, "address": address}
    title = _("Legal details of %(name)s") % {"name": venue.name}
    return _legal_page(
        request,
        owner={"venue": venue},
        title=title,
        fallback=fallback,
        back=reverse("venues:manage", args=[venue.slug]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_legal(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    fallback = {"legal_name": user.name, "address": "", "email": user.email}
    back = reverse("accounts:profile")
    return _legal_page(request, owner={"user": user}, title=_("Your legal details"), fallback=fallback, back=back)
