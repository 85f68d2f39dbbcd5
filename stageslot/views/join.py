"""/join/<token>/: accept an invite link to a band or a venue."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.links import LinkPerson, link_for_a_person
from accounts.models import HereFor
from accounts.services import user_here_for_default
from bands.invites import InviteError, invite_check_usable, invite_link_parse
from gigs.selectors.tours import tour_invite_name
from gigs.services.joins import band_invite_join
from gigs.services.tours import tour_invite_accept
from teams.services import org_invite_accept
from venues.services import venue_invite_accept

from ..selectors import invite_by_token, invite_membership_of

TEMPLATE = "stageslot/join.html"


@dataclass
class Target:
    """The band or venue an invite leads into: what the join page shows, checks and does."""

    kind: str
    invite: Any
    name: str
    role_label: str

    @property
    def place(self) -> Any:
        return self.invite.organisation if self.kind == "team" else getattr(self.invite, self.kind)

    def membership_of(self, user) -> Any:
        return invite_membership_of(kind=self.kind, invite=self.invite, user=user)

    def accept(self, user) -> tuple[Any, list]:
        """The membership, and the gigs of the band the person is marked out of (they play another gig then)."""
        if self.kind == "band":
            return band_invite_join(invite=self.invite, user=user)
        if self.kind == "team":
            return org_invite_accept(invite=self.invite, user=user), []
        if self.kind == "tour":
            return tour_invite_accept(invite=self.invite, user=user), []
        return venue_invite_accept(invite=self.invite, user=user), []

    def home_url(self) -> str:
        """Where someone in the band or on the venue's staff lands after joining; a traveller, on the tour."""
        if self.kind == "tour":
            return reverse("gigs:tour", args=[self.invite.tour_id])
        name = {"band": "bands:members", "team": "teams:detail"}.get(self.kind, "venues:staff")
        return reverse(name, kwargs={"slug": self.place.slug})


def _find(kind: str, token: str) -> Target | None:
    invite = invite_by_token(kind=kind, token=token)
    if invite is None:
        return None
    if kind == "tour":
        name = tour_invite_name(invite)
    else:
        name = (invite.organisation if kind == "team" else getattr(invite, kind)).name
    return Target(kind=kind, invite=invite, name=name, role_label=invite.get_role_display().lower())


def _problem(request: HttpRequest, context: dict, exc: InviteError, *, status: int) -> HttpResponse:
    """The invite cannot be used (expired, used up, withdrawn, broken): say why."""
    return render(request, TEMPLATE, {**context, "state": exc.code, "problem": str(exc)}, status=status)


def _already_in(request: HttpRequest, target: Target, member: Any, context: dict) -> HttpResponse:
    """Someone already in the band or on the venue's staff: nothing to join."""
    if request.method == "POST":
        messages.info(request, _("You are already in %(name)s.") % {"name": target.name})
        return redirect(target.home_url())
    return render(request, TEMPLATE, {**context, "state": "member", "membership": member})


def _welcome(request: HttpRequest, context: dict) -> HttpResponse:
    """An anonymous visitor: log in or sign up first, then come back here."""
    next_query = urlencode({"next": request.path})
    if request.method == "POST":
        return redirect(f"{reverse('account_login')}?{next_query}")
    context |= {
        "state": "welcome",
        "login_url": f"{reverse('account_login')}?{next_query}",
        "signup_url": f"{reverse('account_signup')}?{next_query}",
    }
    return render(request, TEMPLATE, context)


def _accept(request: HttpRequest, target: Target, context: dict) -> HttpResponse:
    try:
        membership, marked_out = target.accept(request.user)
    except InviteError as exc:
        return _problem(request, context, exc, status=410)
    # Someone who came in by a band's (or a venue's) invite is here to play (or to run it): their dashboard
    # follows that, unless they said otherwise themselves.
    if here_for := {"band": HereFor.BAND, "venue": HereFor.VENUE}.get(target.kind):
        user_here_for_default(user=request.user, here_for=here_for)
    role = membership.get_role_display().lower()
    # Translators: name is a band or a venue; role is "member", "admin" or "owner" (lowercase).
    messages.success(request, _("Welcome to %(name)s! You joined as %(role)s.") % {"name": target.name, "role": role})
    if marked_out:
        count = len(marked_out)
        messages.warning(
            request,
            ngettext(
                "You play another gig at the time of %(count)d gig of %(name)s: that gig stands, so you are marked "
                "out of this one (your answer is “can't”), and the leaders of both bands are told.",
                "You play other gigs at the time of %(count)d gigs of %(name)s: those gigs stand, so you are marked "
                "out of these (your answer is “can't”), and the leaders of both bands are told.",
                count,
            )
            % {"count": count, "name": target.name},
        )
    return redirect(target.home_url())


def _invitee(request: HttpRequest, token: str) -> LinkPerson | None:
    """The address an invite was emailed to; a link shared by hand names nobody (anyone may join with it)."""
    try:
        kind, raw = invite_link_parse(token)
    except InviteError:
        return None
    target = _find(kind, raw)
    if target is None or not target.invite.email:
        return None
    return LinkPerson(name=target.invite.email, email=target.invite.email)


# An invite adds whoever accepts it, so someone logged in with another address is asked, not refused:
# the confirmation page says to whom it was emailed and who would join.
@link_for_a_person(_invitee, refuse=False)
def join(request: HttpRequest, token: str) -> HttpResponse:
    """Show what an invite link leads to; a POST from a logged-in person joins (GET never does)."""
    try:
        kind, raw = invite_link_parse(token)
    except InviteError as exc:
        return _problem(request, {}, exc, status=400)
    target = _find(kind, raw)
    if target is None:
        return render(request, TEMPLATE, {"state": "unknown"}, status=404)
    context = {"target": target, "path": request.path, "link_check": request.link_check}
    if request.user.is_authenticated and (member := target.membership_of(request.user)) is not None:
        return _already_in(request, target, member, context)
    try:
        invite_check_usable(target.invite)
    except InviteError as exc:
        return _problem(request, context, exc, status=410)
    if not request.user.is_authenticated:
        return _welcome(request, context)
    if request.method == "POST":
        return _accept(request, target, context)
    return render(request, TEMPLATE, {**context, "state": "confirm"})
