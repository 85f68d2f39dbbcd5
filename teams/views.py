"""The organisation pages: my organisations, one organisation (its bands or venues, people and invites),
an agency's view of a band's green zone, and the band's and venue's pages that grant and end access."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.ratelimit import rate_limited
from availability.weekdays import WEEKDAY_HEADS
from bands.calendar import band_availability, calendar_members, month_grid
from bands.gig_hours import band_gig_hours
from bands.permissions import band_for
from core.fields.dates import Bound, query_month
from venues.models import VenueStaff
from venues.permissions import venue_for

from . import selectors, services
from .forms import BandPickForm, MayHoldForm, MaySignForm, OrganisationForm, OrgInviteForm, RoleForm, VenuePickForm
from .models import Organisation, OrgInvite, OrgMember, Representation, Role, VenueLink

MAX_MONTHS_AHEAD = 24


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    """The organisation if the viewer is in it; 404 otherwise (who is in an organisation is its own)."""
    organisation = selectors.organisation_for_member(slug=slug, user=request.user)
    if organisation is None or organisation.my_role is None:
        raise Http404(_("No organisation of yours at this address."))
    return organisation


def _refused(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, services.TeamsPermissionError):
        raise PermissionDenied(str(exc)) from exc
    messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))


def _run(request: HttpRequest, service, done: str, **arguments) -> bool:
    """Call `service(**arguments)`: a message for the person either way; 403 when they may not."""
    try:
        service(**arguments)
    except (services.TeamsError, services.TeamsPermissionError) as exc:
        _refused(request, exc)
        return False
    messages.success(request, done)
    return True


# ---- My organisations ------------------------------------------------------------------------------


@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    return render(request, "teams/list.html", {"roles": selectors.organisations_of(user=request.user)})


@login_required
@rate_limited("team")
def organisation_new(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None, initial={"kind": Organisation.Kind.AGENCY})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = services.organisation_create(
                by=request.user,
                kind=data["kind"],
                name=data["name"],
                email=data["email"],
                commission_bp=data["commission"],
            )
        except services.TeamsError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("%(name)s is ready. Invite your colleagues next.") % {"name": organisation.name}
            )
            return redirect("teams:detail", slug=organisation.slug)
    status = 400 if form.errors else 200
    return render(request, "teams/new.html", {"form": form}, status=status)


# ---- One organisation -------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, organisation: Organisation, **forms) -> dict:
    is_owner = organisation.my_role == Role.OWNER
    invites = selectors.organisation_invites(organisation=organisation) if is_owner else []
    for invite in invites:
        invite.link = request.build_absolute_uri(invite.link_path) if invite.link_path else ""
    settings_form = OrganisationForm(
        editing=True,
        initial={
            "name": organisation.name,
            "email": organisation.email,
            "commission": organisation.commission_percent,
        },
    )
    return {
        "organisation": organisation,
        "is_owner": is_owner,
        "can_act": organisation.my_role in (Role.OWNER, Role.BOOKER),
        "members": selectors.organisation_members(organisation=organisation),
        "invites": invites,
        "links": selectors.organisation_representations(organisation=organisation)
        if organisation.is_agency
        else selectors.organisation_venue_links(organisation=organisation),
        "roles": Role.choices,
        "invite_form": forms.get("invite_form") or OrgInviteForm(),
        "pick_form": forms.get("pick_form") or (BandPickForm() if organisation.is_agency else VenuePickForm()),
        "settings_form": forms.get("settings_form") or settings_form,
    }


@login_required
def organisation_page(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    return render(request, "teams/detail.html", _detail_context(request, organisation))


@login_required
@require_POST
def organisation_settings(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    form = OrganisationForm(request.POST, editing=True)
    if form.is_valid():
        data = form.cleaned_data
        saved = _run(
            request,
            services.organisation_update,
            _("Saved."),
            organisation=organisation,
            by=request.user,
            name=data["name"],
            email=data["email"],
            commission_bp=data["commission"],
        )
        if saved:
            return redirect("teams:detail", slug=organisation.slug)
    context = _detail_context(request, organisation, settings_form=form)
    return render(request, "teams/detail.html", context, status=400)


@login_required
@require_POST
@rate_limited("invite")
def organisation_invite(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    form = OrgInviteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        sent = _run(
            request,
            services.org_invite_create,
            _("Invite emailed to %(email)s.") % {"email": data["email"]},
            organisation=organisation,
            by=request.user,
            email=data["email"],
            role=data["role"],
            site_url=request.build_absolute_uri("/"),
        )
        if sent:
            return redirect("teams:detail", slug=organisation.slug)
    context = _detail_context(request, organisation, invite_form=form)
    return render(request, "teams/detail.html", context, status=400)


@login_required
@require_POST
def organisation_invite_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _organisation(request, slug)
    try:
        invite = selectors.org_invite_of(organisation=organisation, pk=pk)
    except OrgInvite.DoesNotExist as exc:
        raise Http404(_("No such invite.")) from exc
    done = _("Invite withdrawn; its link no longer works.")
    _run(request, services.org_invite_withdraw, done, organisation=organisation, by=request.user, invite=invite)
    return redirect("teams:detail", slug=organisation.slug)


def _member(organisation: Organisation, pk: int) -> OrgMember:
    try:
        return selectors.org_member_of(organisation=organisation, pk=pk)
    except OrgMember.DoesNotExist as exc:
        raise Http404(_("No such person in this organisation.")) from exc


@login_required
@require_POST
def organisation_member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _organisation(request, slug)
    member = _member(organisation, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose owner, booker or viewer."))
        return redirect("teams:detail", slug=organisation.slug)
    done = _("%(person)s's role is changed.") % {"person": member.user.name}
    role = form.cleaned_data["role"]
    _run(
        request,
        services.org_member_set_role,
        done,
        organisation=organisation,
        by=request.user,
        member=member,
        role=role,
    )
    return redirect("teams:detail", slug=organisation.slug)


@login_required
@require_POST
def organisation_member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _organisation(request, slug)
    member = _member(organisation, pk)
    leaving = member.user_id == request.user.pk
    if leaving:
        done = _("You left %(name)s.") % {"name": organisation.name}
    else:
        done = _("%(person)s is removed.") % {"person": member.user.name}
    removed = _run(request, services.org_member_remove, done, organisation=organisation, by=request.user, member=member)
    if removed and leaving:
        return redirect("teams:list")
    return redirect("teams:detail", slug=organisation.slug)


@login_required
@require_POST
@rate_limited("team")
def organisation_link_ask(request: HttpRequest, slug: str) -> HttpResponse:
    """An agency asks to act for a band; a venue group asks to run a venue."""
    organisation = _organisation(request, slug)
    form = BandPickForm(request.POST) if organisation.is_agency else VenuePickForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        common = {"organisation": organisation, "by": request.user, "message": data["message"]}
        if organisation.is_agency:
            done = _("Asked %(band)s; its leaders decide.") % {"band": data["band"].name}
            asked = _run(request, services.representation_ask, done, band=data["band"], **common)
        else:
            done = _("Asked %(venue)s; its owners decide.") % {"venue": data["venue"].name}
            asked = _run(request, services.venue_link_ask, done, venue=data["venue"], **common)
        if asked:
            return redirect("teams:detail", slug=organisation.slug)
    context = _detail_context(request, organisation, pick_form=form)
    return render(request, "teams/detail.html", context, status=400)


@login_required
@require_POST
def organisation_link_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _organisation(request, slug)
    link = selectors.organisation_link_of(organisation=organisation, pk=pk)
    if link is None:
        raise Http404(_("No such link."))
    if organisation.is_agency:
        _run(request, services.representation_end, _("Ended."), representation=link, by=request.user)
    else:
        _run(request, services.venue_link_end, _("Ended."), link=link, by=request.user)
    return redirect("teams:detail", slug=organisation.slug)


def _month(request: HttpRequest) -> dt.date:
    """The month asked for (YYYY-MM), within a year back and MAX_MONTHS_AHEAD ahead; else this month."""
    today = timezone.localdate()
    this_month = today.replace(day=1)
    month = query_month(request.GET, "month", bound=Bound.BROWSE, default=this_month, fallback=True)
    ahead = (month.year - today.year) * 12 + month.month - today.month
    return month if -12 <= ahead <= MAX_MONTHS_AHEAD else this_month


@login_required
def organisation_band(request: HttpRequest, slug: str, band_slug: str) -> HttpResponse:
    """An agency's view of one of its bands: the green zone by day, without any member's busy details."""
    organisation = _organisation(request, slug)
    roster = {entry.band.slug: entry for entry in selectors.agency_roster(organisation=organisation)}
    entry = roster.get(band_slug)
    if entry is None:
        raise Http404(_("This agency does not act for a band at this address."))
    band = entry.band
    members, _me = calendar_members(band=band, user=request.user)
    month = _month(request)
    first, last = month_grid(month)
    green = band_availability(
        band=band, members=members, first_day=first, last_day=last, today=timezone.localdate(), month=month.month
    )
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    context = {
        "organisation": organisation,
        "band": band,
        "representation": entry.representation,
        "green": green,
        "hours": band_gig_hours(band),
        "weekday_heads": WEEKDAY_HEADS,
        "month": month,
        "previous": previous.strftime("%Y-%m"),
        "following": following.strftime("%Y-%m"),
    }
    return render(request, "teams/band.html", context)


# ---- The band's side: agencies ---------------------------------------------------------------------


@login_required
def band_agencies(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = band_for(request, slug)
    context = {
        "band": band,
        "membership": membership,
        "section": "agencies",
        "links": selectors.band_representations(band=band),
    }
    return render(request, "teams/band_agencies.html", context)


def _band_link(request: HttpRequest, slug: str, pk: int):
    band, _membership = band_for(request, slug)
    try:
        return band, selectors.representation_for_band(band=band, pk=pk)
    except Representation.DoesNotExist as exc:
        raise Http404(_("No such agency request.")) from exc


@login_required
@require_POST
def band_agency_answer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, link = _band_link(request, slug, pk)
    accept = request.POST.get("answer") == "accept"
    form, hold_form = MaySignForm(request.POST), MayHoldForm(request.POST)
    may_sign = form.is_valid() and form.cleaned_data["may_sign"]
    may_hold = hold_form.is_valid() and hold_form.cleaned_data["may_hold"]
    names = {"agency": link.organisation.name, "band": band.name}
    done = (_("%(agency)s now acts for %(band)s.") if accept else _("You declined %(agency)s.")) % names
    _run(
        request,
        services.representation_answer,
        done,
        representation=link,
        by=request.user,
        accept=accept,
        may_sign=may_sign,
        may_hold=may_hold,
    )
    return redirect("teams:band_agencies", slug=band.slug)


@login_required
@require_POST
def band_agency_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, link = _band_link(request, slug, pk)
    done = _("%(agency)s no longer acts for %(band)s.") % {"agency": link.organisation.name, "band": band.name}
    _run(request, services.representation_end, done, representation=link, by=request.user)
    return redirect("teams:band_agencies", slug=band.slug)


@login_required
@require_POST
def band_agency_may_sign(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, link = _band_link(request, slug, pk)
    form = MaySignForm(request.POST)
    may_sign = form.is_valid() and form.cleaned_data["may_sign"]
    if may_sign:
        done = _("%(agency)s may sign contracts for the band.") % {"agency": link.organisation.name}
    else:
        done = _("%(agency)s may no longer sign contracts.") % {"agency": link.organisation.name}
    _run(request, services.representation_may_sign_set, done, representation=link, by=request.user, may_sign=may_sign)
    return redirect("teams:band_agencies", slug=band.slug)


@login_required
@require_POST
def band_agency_may_hold(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, link = _band_link(request, slug, pk)
    form = MayHoldForm(request.POST)
    may_hold = form.is_valid() and form.cleaned_data["may_hold"]
    if may_hold:
        done = _("%(agency)s may ask venues to hold dates for the band.") % {"agency": link.organisation.name}
    else:
        done = _("%(agency)s may no longer ask venues for holds.") % {"agency": link.organisation.name}
    _run(request, services.representation_may_hold_set, done, representation=link, by=request.user, may_hold=may_hold)
    return redirect("teams:band_agencies", slug=band.slug)


# ---- The venue's side: groups -----------------------------------------------------------------------


@login_required
def venue_groups(request: HttpRequest, slug: str) -> HttpResponse:
    venue = venue_for(request, slug, roles=(VenueStaff.Role.OWNER,))
    context = {"venue": venue, "is_owner": True, "links": selectors.venue_links(venue=venue)}
    return render(request, "teams/venue_groups.html", context)


def _venue_link(request: HttpRequest, slug: str, pk: int):
    venue = venue_for(request, slug, roles=(VenueStaff.Role.OWNER,))
    try:
        return venue, selectors.venue_link_for_venue(venue=venue, pk=pk)
    except VenueLink.DoesNotExist as exc:
        raise Http404(_("No such venue group request.")) from exc


@login_required
@require_POST
def venue_group_answer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    venue, link = _venue_link(request, slug, pk)
    accept = request.POST.get("answer") == "accept"
    done = (_("%(group)s now runs %(venue)s.") if accept else _("You declined %(group)s.")) % {
        "group": link.organisation.name,
        "venue": venue.name,
    }
    _run(request, services.venue_link_answer, done, link=link, by=request.user, accept=accept)
    return redirect("teams:venue_groups", slug=venue.slug)


@login_required
@require_POST
def venue_group_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    venue, link = _venue_link(request, slug, pk)
    done = _("%(group)s no longer runs %(venue)s.") % {"group": link.organisation.name, "venue": venue.name}
    _run(request, services.venue_link_end, done, link=link, by=request.user)
    return redirect("teams:venue_groups", slug=venue.slug)
