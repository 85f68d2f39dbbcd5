"""Contracts: a booking's contract (drawn from its agreed terms by either side), its page with the key
terms and the sign form, its PDFs (the one to sign, the sealed one), the public verification page,
and a band's or a venue's own template.

Only the booking's parties (the band's members read, its leaders and admins sign; the venue's staff;
the client) and StageSlot's staff see a contract: 404 for everyone else, the login page for
anonymous visitors. Refusals as elsewhere: 403 not yours to sign, 409 in the way (void, signed
already, the PDF changed), 400 bad input; nothing is changed by a refused request.
"""

import hashlib
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.mfa import second_factor_required
from accounts.ratelimit import rate_limit_take, rate_limited_response
from bookings.errors import BookingError
from bookings.pages import refusal_code
from bookings.selectors.detail import booking_title
from core.web.client_ip import client_ip
from core.web.htmx import HtmxHttpRequest, render_page

from .. import seal
from ..forms.contracts import SignForm, TemplateForm, VerifyForm
from ..models import Contract
from ..selectors import contracts as selectors
from ..services import contracts as services

PAGE = "documents/contracts/contract.html"
BOOKING_PAGE = "documents/contracts/booking.html"
TEMPLATE_PAGE = "documents/contracts/template.html"
VERIFY_PAGE = "documents/contracts/verify.html"


def _booking(request: HtmxHttpRequest, uid: UUID):
    booking = selectors.contract_booking(uid=uid, user=request.user)
    if booking is None:
        raise Http404("No such booking.")
    return booking


def _contract(request: HtmxHttpRequest, uid: UUID) -> Contract:
    contract = selectors.contract_for_viewer(uid=uid, user=request.user)
    if contract is None:
        raise Http404("No such contract.")
    return contract


def _page(request: HtmxHttpRequest, contract: Contract, *, form: SignForm | None = None, error: str = "", status=200):
    booking = contract.booking
    signatures = selectors.contract_signatures(contract)
    state = selectors.contract_state(contract, signatures, request.user)
    forms = {}
    for side in state["may_sign"]:
        if form is not None and form.data.get("side") == side:
            forms[side] = form
        else:
            forms[side] = SignForm(
                initial={"side": side, "sha256": contract.draft_sha256, "full_name": request.user.display_name}
            )
    context = {
        **state,
        "booking": booking,
        "title": booking_title(booking),
        "c": contract.content,
        "sign_forms": [(side, selectors.SIDE_NAMES[side], f) for side, f in forms.items()],
        "error": error,
        "detail_url": reverse("bookings:detail", args=[booking.uid]),
    }
    return render_page(request, PAGE, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def booking_contract(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """/documents/bookings/<uid>/contract/: the booking's contract (to its page), or, when there is
    none, what it would be drawn from and the "Prepare the contract" button; POST draws it."""
    booking = _booking(request, uid)
    if request.method == "POST":
        try:
            contract = services.contract_draw(booking=booking, by=request.user)
        except BookingError as exc:
            context = {"booking": booking, "title": booking_title(booking), "error": str(exc), "may_draw": False}
            return render_page(request, BOOKING_PAGE, context, status=refusal_code(exc))
        messages.success(request, gettext("The contract is ready: read it, then sign."))
        return redirect("documents:contract", contract.uid)
    contract = selectors.contract_latest(booking)
    if contract is not None:
        return redirect("documents:contract", contract.uid)
    context = {
        "booking": booking,
        "title": booking_title(booking),
        "may_draw": selectors.may_draw_contract(booking, request.user),
        "applies": selectors.other_side_of(booking) is not None,
        "has_terms": selectors.has_terms(booking),
    }
    return render_page(request, BOOKING_PAGE, context)


@login_required
@require_GET
def contract_detail(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """/documents/contracts/<uid>/: the key terms, the clauses, the PDF, the signatures, the sign form."""
    contract = _contract(request, uid)
    contract = services.contract_check_current(contract=contract)
    return _page(request, contract)


@login_required
@second_factor_required
@require_POST
def contract_sign(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    contract = _contract(request, uid)
    form = SignForm(request.POST)
    if not form.is_valid():
        return _page(request, contract, form=form, error=gettext("Nothing was signed: see below."), status=400)
    data = form.cleaned_data
    given = services.SignIn(
        side=data["side"],
        full_name=data["full_name"],
        consent=data["consent"],
        password=data["password"],
        shown_sha256=data["sha256"],
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    try:
        contract = services.contract_sign(contract=contract, by=request.user, given=given)
    except BookingError as exc:
        contract = _contract(request, uid)
        return _page(request, contract, form=form, error=str(exc), status=refusal_code(exc))
    if contract.status == Contract.Status.SIGNED:
        messages.success(request, gettext("Signed by both sides: the sealed contract is ready to download."))
    else:
        messages.success(
            request, gettext("Signed. The other side has been told; the sealed PDF follows once they sign.")
        )
    return redirect("documents:contract", contract.uid)


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(bytes(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def contract_pdf(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The PDF to sign (the draft), byte for byte what the signatures' SHA-256 names."""
    contract = _contract(request, uid)
    data = selectors.pdf_bytes(contract.draft_id)
    return _pdf(data, f"contract-{contract.uid}-v{contract.version}.pdf")


@login_required
@require_GET
def contract_signed_pdf(request: HtmxHttpRequest, uid: UUID) -> HttpResponse:
    """The signed and sealed PDF; 404 until both sides have signed."""
    contract = _contract(request, uid)
    if not contract.final_id:
        raise Http404("Not sealed yet.")
    data = selectors.pdf_bytes(contract.final_id)
    return _pdf(data, f"contract-{contract.uid}-v{contract.version}-signed.pdf")


@never_cache
@require_http_methods(["GET", "POST"])
def contract_verify(request: HtmxHttpRequest) -> HttpResponse:
    """/documents/contracts/verify/ (public): upload a PDF; it says whether it is a contract sealed
    here and intact, by whom and when. Nothing uploaded is kept. Limited per address."""
    if request.method != "POST":
        return render_page(request, VERIFY_PAGE, {"form": VerifyForm()})
    who = client_ip(request) or "unknown"
    if wait := rate_limit_take(action="contract_verify", who=who):
        return rate_limited_response(request, action="contract_verify", wait=wait)
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_page(request, VERIFY_PAGE, {"form": form}, status=400)
    data = form.cleaned_data["pdf"]
    digest = hashlib.sha256(data).hexdigest()
    contract = selectors.contract_by_final_sha256(digest)
    check = seal.seal_check(data)
    context = {
        "form": VerifyForm(),
        "checked": True,
        "digest": digest,
        "check": check,
        "contract": contract,
        "genuine": contract is not None and check.valid,
        "signatures": selectors.contract_signatures(contract) if contract else [],
        "side_labels": services.SIDE_LABELS,
    }
    return render_page(request, VERIFY_PAGE, context)


def _template_page(request: HtmxHttpRequest, *, owner, kind: str) -> HttpResponse:
    template = selectors.template_of(**{kind: owner})
    preview = None
    status = 200
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if not form.is_valid():
            status = 400
        elif "preview" in request.POST:
            preview = {
                "clauses": selectors.paragraphs(form.cleaned_data["clauses"]),
                "additions": selectors.paragraphs(form.cleaned_data["additions"]),
            }
        else:
            services.contract_template_save(
                by=request.user,
                clauses=form.cleaned_data["clauses"],
                additions=form.cleaned_data["additions"],
                **{kind: owner},
            )
            messages.success(request, gettext("Saved: contracts drawn from now on use these clauses."))
            return redirect(request.path)
    else:
        form = TemplateForm(
            initial={
                "clauses": template.clauses if template else selectors.default_clauses_text(),
                "additions": template.additions if template else "",
            }
        )
    if preview is None and status == 200:
        initial = form.initial if not form.is_bound else {}
        preview = {
            "clauses": selectors.paragraphs(initial.get("clauses", "")),
            "additions": selectors.paragraphs(initial.get("additions", "")),
        }
    context = {"form": form, "owner": owner, "kind": kind, "template": template, "preview": preview}
    return render_page(request, TEMPLATE_PAGE, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def band_contract_template(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A band's contract template: its leaders and admins edit it (404 for anyone else)."""
    band = selectors.band_managed_by(slug=slug, user=request.user)
    if band is None:
        raise Http404("No such band.")
    return _template_page(request, owner=band, kind="band")


@login_required
@require_http_methods(["GET", "POST"])
def venue_contract_template(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A venue's contract template: its staff edit it (404 for anyone else)."""
    venue = selectors.venue_staffed_by(slug=slug, user=request.user)
    if venue is None:
        raise Http404("No such venue.")
    return _template_page(request, owner=venue, kind="venue")
