"""What the venue management pages share: who may use them, and how a refusal reads."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .models import Venue, VenueStaff
from .selectors import venue_for_staff

OWNER = VenueStaff.Role.OWNER
EDITORS = (VenueStaff.Role.OWNER, VenueStaff.Role.BOOKER)


def venue_for(request: HttpRequest, slug: str, *, roles: tuple[str, ...] = EDITORS) -> Venue:
    """The venue if the user holds one of `roles` there; 404 if there is no such venue, else 403."""
    venue = venue_for_staff(slug=slug, user=request.user)
    if venue is None:
        raise Http404(_("No venue at this address."))
    if venue.my_role is None:
        raise PermissionDenied(_("Only this venue's staff can manage it."))
    if venue.my_role not in roles:
        raise PermissionDenied(_("Only the venue's owners can manage its staff and invites."))
    return venue


def refusal_text(exc: ValidationError) -> str:
    """A service's ValidationError as one sentence for a message."""
    return " ".join(exc.messages)


def render_manage(
    request: HttpRequest, template: str, venue: Venue, context: dict, *, status: int = 200
) -> HttpResponse:
    """A management page of `venue`, knowing whether the viewer is one of its owners."""
    return render(request, template, {"venue": venue, "is_owner": venue.my_role == OWNER, **context}, status=status)
