"""The organiser's desk: what an organisation's people can start (a call, a festival) and what is running
(calls open, applications waiting for the jury, festivals with acts to place), each a link."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .. import selectors


@login_required
def desk(request: HttpRequest, org: str = "") -> HttpResponse:
    """/organise/: every organisation the person runs; /organise/<org>/: one (404 to anyone else)."""
    organisation_id = None
    if org:
        organisation_id = selectors.organisation_of(slug=org).pk
    desks = selectors.organiser_desks(user=request.user, organisation_id=organisation_id)
    if org and not desks:
        raise Http404(_("No organisation of yours at this address."))
    return render(request, "festivals/desk.html", {"desks": desks, "one": bool(org)})
