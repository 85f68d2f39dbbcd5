"""What the band management pages share: who may use them, and a service refusal turned into a 403
or into a message on the form."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Band, Membership
from .selectors import band_for_manage
from .services import BandError, BandPermissionError

NOT_A_MANAGER = "Only the band's leaders and admins can change it. Ask one of them if something needs updating."
NOT_A_MEMBER = "Only the people in this band can see this page."


def band_for(request: HttpRequest, slug: str, *, manage: bool = True) -> tuple[Band, Membership]:
    """The band and the viewer's membership; 403 unless the viewer may use the page."""
    band, membership = band_for_manage(slug=slug, user=request.user)
    if membership is None:
        raise PermissionDenied(NOT_A_MEMBER)
    if manage and not membership.can_manage:
        raise PermissionDenied(NOT_A_MANAGER)
    return band, membership


def render_manage(
    request: HttpRequest, template: str, context: dict, *, section: str, status: int = 200
) -> HttpResponse:
    """A management page, with its `section` marked in the management menu."""
    return render(request, template, {"section": section, **context}, status=status)


def as_manager(call: Callable[[], object]) -> None:
    """Run a service call for a leader or admin; a BandPermissionError answers 403."""
    try:
        call()
    except BandPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc


def form_change(form, call: Callable[[], object], *, invalid_field: str | None = None) -> bool:
    """Run a service call for a valid form: True when it worked.

    A refusal answers 403; a broken band rule (BandError) becomes a message on the form, and
    so does a ValidationError when `invalid_field` names the field it belongs to.
    """
    try:
        as_manager(call)
    except ValidationError as exc:
        if invalid_field is None:
            raise
        form.add_error(invalid_field, exc)
    except BandError as exc:
        form.add_error(None, str(exc))
    else:
        return True
    return False


def add_errors(form, error: ValidationError) -> None:
    """A service's ValidationError, shown next to the fields it names (else above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
