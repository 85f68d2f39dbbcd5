"""/bands/<slug>/manage/packages/: what the band offers clients, at what price, and its cancellation
terms. Leaders and admins only."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext

from ..forms.packages import CancelTermsForm, PackageForm
from ..models import Band
from ..packages import (
    band_cancel_terms_update,
    band_package_of,
    band_packages,
    package_create,
    package_length_label,
    package_update,
)
from ..permissions import add_errors, band_for, render_manage
from ..services import BandPermissionError


def _page(request, band, membership, *, form=None, terms_form=None, editing=None, status=200) -> HttpResponse:
    packages = list(band_packages(band=band, active_only=False))
    context = {
        "band": band,
        "membership": membership,
        "rows": [(p, package_length_label(p)) for p in packages],
        "form": form or PackageForm(instance=editing, prefix="package"),
        "terms_form": terms_form or CancelTermsForm(instance=band, prefix="terms"),
        "editing": editing,
    }
    return render_manage(request, "bands/manage/packages.html", context, section="packages", status=status)


@login_required
def band_packages_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The band's packages, a form to add one, and the cancellation terms."""
    band, membership = band_for(request, slug)
    if request.method != "POST":
        return _page(request, band, membership)
    if "terms-cancel_free_days" in request.POST:
        return _save_terms(request, band, membership)
    form = PackageForm(request.POST, prefix="package")
    if form.is_valid():
        try:
            package_create(band=band, by=request.user, **form.cleaned_data)
        except BandPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, gettext("The package is added; clients see it on your page."))
            return redirect("bands:packages", slug=band.slug)
    return _page(request, band, membership, form=form, status=400)


def _save_terms(request: HttpRequest, band: Band, membership) -> HttpResponse:
    # The form checks a copy: a refused value must not show up in the page's own band.
    form = CancelTermsForm(request.POST, prefix="terms", instance=copy.copy(band))
    if not form.is_valid():
        return _page(request, band, membership, terms_form=form, status=400)
    try:
        band_cancel_terms_update(band=band, by=request.user, **form.cleaned_data)
    except BandPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(
        request, gettext("The cancellation terms are saved; bookings already made keep the terms they had.")
    )
    return redirect("bands:packages", slug=band.slug)


@login_required
def band_package_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change one package (or withdraw it: untick “active”)."""
    band, membership = band_for(request, slug)
    package = band_package_of(band=band, pk=pk, active_only=False)
    if request.method != "POST":
        return _page(request, band, membership, editing=package)
    form = PackageForm(request.POST, prefix="package", instance=package)
    if form.is_valid():
        try:
            package_update(package=package, by=request.user, **form.cleaned_data)
        except BandPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, gettext("The package is saved."))
            return redirect("bands:packages", slug=band.slug)
    return _page(request, band, membership, form=form, editing=package, status=400)
