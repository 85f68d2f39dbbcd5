"""The analytics pages: a band's, a venue's, an agency's bands side by side, and the platform's for staff.
Each takes a date range (?start=&end=), compares it with the range before, and answers one chart's numbers
as CSV with ?csv=<chart>."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from teams.models import Organisation
from teams.selectors import organisation_for_member

from . import selectors
from .forms import period_from


def _page(request: HttpRequest, *, dashboard_of, owner: str, context: dict) -> HttpResponse:
    form, period = period_from(request.GET)
    if form.is_bound and not form.is_valid():
        return render(request, "analytics/dashboard.html", {**context, "form": form}, status=400)
    dash = dashboard_of(period)
    wanted = request.GET.get("csv")
    if wanted is not None:
        chart = dash.chart(wanted)
        if chart is None:
            raise Http404(_("This page has no chart of that name."))
        response = HttpResponse(chart.csv(), content_type="text/csv; charset=utf-8")
        name = chart.filename(owner, period.start, period.end)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    query = f"start={period.start.isoformat()}&end={period.end.isoformat()}"
    return render(request, "analytics/dashboard.html", {**context, "form": form, "dash": dash, "query": query})


@login_required
def band_analytics(request: HttpRequest, slug: str) -> HttpResponse:
    band = selectors.band_named(slug=slug)
    if band is None:
        raise Http404(_("No band at this address."))
    if not selectors.may_see_band(request.user, band):
        raise PermissionDenied(_("Only the band's members and its agency see its figures."))
    context = {
        "eyebrow": band.name,
        "heading": _("Analytics"),
        "intro": _("The band's gigs, money, answers and reviews over the range, against the range before."),
        "back_url": reverse("bands:manage", args=[band.slug]),
        "back_label": _("Back to the band"),
    }
    return _page(
        request,
        dashboard_of=lambda period: selectors.band_dashboard(band=band, period=period),
        owner=band.slug,
        context=context,
    )


@login_required
def venue_analytics(request: HttpRequest, slug: str) -> HttpResponse:
    venue = selectors.venue_named(slug=slug)
    if venue is None:
        raise Http404(_("No venue at this address."))
    if not selectors.may_see_venue(request.user, venue):
        raise PermissionDenied(_("Only the venue's staff and its group see its figures."))
    context = {
        "eyebrow": venue.name,
        "heading": _("Analytics"),
        "intro": _("The venue's slots, applications, no-shows, spend and genres over the range."),
        "back_url": reverse("venues:manage", args=[venue.slug]),
        "back_label": _("Back to the venue"),
    }
    return _page(
        request,
        dashboard_of=lambda period: selectors.venue_dashboard(venue=venue, period=period),
        owner=venue.slug,
        context=context,
    )


@login_required
def organisation_analytics(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = organisation_for_member(slug=slug, user=request.user)
    if organisation is None or organisation.my_role is None:
        raise Http404(_("No organisation of yours at this address."))
    context = {
        "eyebrow": organisation.name,
        "heading": _("Analytics"),
        "back_url": reverse("teams:detail", args=[organisation.slug]),
        "back_label": _("Back to the organisation"),
    }
    if organisation.kind == Organisation.Kind.AGENCY:
        bands = selectors.agency_bands(organisation=organisation)
        context["intro"] = _("The bands the agency represents, side by side over the range.")
        context["bands"] = bands
        return _page(
            request,
            dashboard_of=lambda period: selectors.agency_dashboard(
                title=organisation.name, bands=bands, period=period, organisation=organisation
            ),
            owner=organisation.slug,
            context=context,
        )
    context["venues"] = selectors.group_venue_list(organisation=organisation)
    context["intro"] = _("Each venue the group runs has its own figures.")
    return render(request, "analytics/group.html", context)


@login_required
def platform_analytics(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied(_("Only StageSlot's staff see the platform's figures."))
    context = {
        "eyebrow": _("Staff"),
        "heading": _("The platform"),
        "intro": _("Sign-ups, bookings, money through StageSlot and disputes over the range."),
        "back_url": reverse("admin:index"),
        "back_label": _("Back to the staff pages"),
    }
    return _page(
        request,
        dashboard_of=lambda period: selectors.platform_dashboard(period=period),
        owner="stageslot",
        context=context,
    )
