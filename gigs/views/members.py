"""A member's role, instrument and "required" in the band: a door that gives them places at its gigs, so it
lives above the bookings' locks and checks (gigs.services.joins, decision 0094). The page is the band's
manage page for the member."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext, ngettext

from bands.forms.members import MembershipForm
from bands.models import Membership
from bands.permissions import band_for, form_change, render_manage
from bands.selectors import band_member_of

from ..services.joins import band_member_change


@login_required
def band_member_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, membership = band_for(request, slug)
    member = band_member_of(band=band, pk=pk)
    is_leader = membership.role == Membership.Role.LEADER
    initial = {"role": member.role, "instrument": member.instrument, "required": member.required}
    status = 200
    form = MembershipForm(initial=initial, can_set_leader=is_leader)
    if request.method == "POST":
        form = MembershipForm(request.POST, initial=initial, can_set_leader=is_leader)
        done: list = []
        if form.is_valid() and form_change(
            form,
            lambda: done.extend(band_member_change(membership=member, by=request.user, **form.cleaned_data)[1]),
        ):
            messages.success(request, gettext("The changes to %(name)s are saved.") % {"name": member.user.name})
            if done:
                messages.warning(request, _marked_out(member.user.name, len(done)))
            return redirect("bands:members", slug=band.slug)
        status = 400
    context = {
        "band": band,
        "membership": membership,
        "member": member,
        "form": form,
        "can_remove": member.role != Membership.Role.LEADER or is_leader,
    }
    return render_manage(request, "bands/members/edit.html", context, section="members", status=status)


def _marked_out(name: str, count: int) -> str:
    return ngettext(
        "%(name)s plays another gig at the time of %(count)d gig of the band: they are marked out of it, "
        "and the leaders are told.",
        "%(name)s plays other gigs at the time of %(count)d gigs of the band: they are marked out of them, "
        "and the leaders are told.",
        count,
    ) % {"name": name, "count": count}
