"""Saved gig finder searches: a band's leaders keep the finder's current search and are alerted to
new slots and support calls that fit it and the band's green zone; the list of them, deleting one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bands.selectors import genres_all

from ..errors import BookingError
from ..forms.finder import FinderForm
from ..models import SavedSearch
from ..pages import refusal_code
from ..selectors.alerts import saved_search_managed, saved_searches_of
from ..selectors.finder import finder_bands_of, finder_countries
from ..services import alerts


@login_required
def saved_searches(request: HttpRequest) -> HttpResponse:
    """The saved searches of every band the viewer leads or runs; POST keeps the finder's search."""
    managed = [b for b in finder_bands_of(user=request.user) if b.can_manage]
    if request.method == "POST":
        return _save(request, managed)
    searches = saved_searches_of(bands=managed)
    return render(request, "bookings/alerts/list.html", {"searches": list(searches), "bands": managed})


def _save(request: HttpRequest, managed: list) -> HttpResponse:
    if not managed:
        raise PermissionDenied(_("Only a band's leaders and admins can save searches."))
    query = QueryDict(request.POST.get("query", "")[:2000])
    form = FinderForm(
        query,
        genres=genres_all(),
        countries=finder_countries(now=timezone.now()),
        bands=managed,
        zone=timezone.get_current_timezone(),
    )
    band = next((b for b in managed if b.slug == request.POST.get("band")), None)
    if band is None:
        raise Http404("No such band.")
    try:
        alerts.saved_search_create(band=band, by=request.user, filters=form.filters(), label=form.alert_label())
    except BookingError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("bookings:saved_searches"), status=refusal_code(exc))
    messages.success(
        request, _("Saved. %(band)s's leaders are told of new matches while the band is free.") % {"band": band.name}
    )
    return redirect("bookings:saved_searches")


@login_required
@require_POST
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    search = get_object_or_404(SavedSearch, pk=pk)
    try:
        alerts.saved_search_delete(search=search, by=request.user)
    except BookingError:
        raise Http404("No such saved search.") from None
    messages.success(request, _("The saved search is deleted."))
    return redirect("bookings:saved_searches")


@login_required
@require_POST
def saved_search_pause(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause a saved search (`paused=1`) or resume it (`paused=0`)."""
    search = saved_search_managed(user=request.user, pk=pk)
    if search is None:
        raise Http404("No such saved search.")
    paused = request.POST.get("paused") == "1"
    alerts.saved_search_pause(search=search, by=request.user, paused=paused)
    if paused:
        messages.success(request, _("Paused. Nobody is told of matches until you resume it."))
    else:
        messages.success(request, _("Resumed. Matches posted from now on are told again."))
    return redirect("bookings:saved_searches")
