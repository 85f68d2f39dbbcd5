"""The venue's staff: owners and bookers, their roles, leaving the venue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from .. import services
from ..forms.staff import StaffRoleForm
from ..permissions import OWNER, refusal_text, render_manage, venue_for
from ..selectors import venue_staff_for, venue_staff_list, venue_staff_of


@login_required
@require_GET
def venue_staff_page(request: HttpRequest, slug: str) -> HttpResponse:
    venue = venue_for(request, slug)
    staff = venue_staff_list(venue=venue)
    owners = sum(1 for s in staff if s.role == OWNER)
    rows = [(s, StaffRoleForm(initial={"role": s.role}, prefix=f"staff-{s.pk}")) for s in staff]
    return render_manage(request, "venues/staff/page.html", venue, {"rows": rows, "owner_count": owners})


@login_required
@require_POST
def venue_staff_role(request: HttpRequest, slug: str, staff_id: int) -> HttpResponse:
    venue = venue_for(request, slug, roles=(OWNER,))
    staff = venue_staff_of(venue=venue, pk=staff_id)
    form = StaffRoleForm(request.POST, prefix=f"staff-{staff.pk}")
    if not form.is_valid():
        messages.error(request, gettext("Choose owner or booker."))
    else:
        try:
            staff = services.venue_staff_set_role(staff=staff, role=form.cleaned_data["role"])
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(
                request,
                gettext("%(name)s is now %(role)s.")
                % {"name": staff.user.name, "role": staff.get_role_display().lower()},
            )
    return redirect("venues:staff", slug=venue.slug)


@login_required
@require_POST
def venue_staff_remove_view(request: HttpRequest, slug: str, staff_id: int) -> HttpResponse:
    venue = venue_for(request, slug, roles=(OWNER,))
    staff = venue_staff_of(venue=venue, pk=staff_id)
    try:
        services.venue_staff_remove(staff=staff)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("venues:staff", slug=venue.slug)
    if staff.user_id == request.user.pk:
        messages.success(request, gettext("You have left %(name)s.") % {"name": venue.name})
        return redirect("dashboard")
    messages.success(
        request, gettext("%(name)s no longer works for %(venue)s.") % {"name": staff.user.name, "venue": venue.name}
    )
    return redirect("venues:staff", slug=venue.slug)


@login_required
@require_POST
def venue_leave(request: HttpRequest, slug: str) -> HttpResponse:
    venue = venue_for(request, slug)
    staff = venue_staff_for(venue=venue, user=request.user)
    try:
        services.venue_staff_remove(staff=staff)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("venues:staff", slug=venue.slug)
    messages.success(request, gettext("You have left %(name)s.") % {"name": venue.name})
    return redirect("dashboard")
