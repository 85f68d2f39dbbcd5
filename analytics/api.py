"""Each analytics page's figures and charts through the API: the same numbers as the page and its CSV, for
the same people. Mounted on the one API object by stageslot/urls.py (analytics sits on top)."""

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from bookings.api.bookings import ONE_ERRORS
from bookings.api.core import ApiProblem, caller, token_auth
from teams.models import Organisation
from teams.selectors import organisation_for_member

from . import selectors
from .forms import PeriodForm

router = Router(auth=token_auth, tags=["analytics"])


class RangeIn(Schema):
    start: str = Field("", description="From this day (YYYY-MM-DD), included; the default is twelve months ago")
    end: str = Field("", description="To this day (YYYY-MM-DD), included; the default is today")


class FigureOut(Schema):
    key: str
    label: str
    unit: str = Field(description="count, money (whole units of `currency`), percent, stars or hours")
    value: float | None
    before: float | None = Field(description="The same figure for the range of the same length before")
    change: float | None = Field(description="The change against the range before, in %")
    currency: str


class SeriesOut(Schema):
    label: str
    values: list[float | None]
    previous: bool = Field(description="The range before, month for month")


class ChartOut(Schema):
    key: str = Field(description="The page's ?csv= name of the chart")
    title: str
    kind: str
    unit: str
    currency: str
    column: str
    labels: list[str]
    series: list[SeriesOut]


class DashboardOut(Schema):
    title: str
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    figures: list[FigureOut]
    charts: list[ChartOut]


def _period(params: RangeIn):
    form = PeriodForm({"start": params.start, "end": params.end})
    if not form.is_valid():
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        raise ApiProblem(400, " ".join(" ".join(v) for v in errors.values()), errors=errors)
    return form.cleaned_data["period"]


def _out(dash) -> DashboardOut:
    return DashboardOut(
        title=dash.title,
        start=dash.period.start,
        end=dash.period.end,
        previous_start=dash.previous.start,
        previous_end=dash.previous.end,
        figures=[
            FigureOut(
                key=f.key,
                label=str(f.label),
                unit=f.unit,
                value=f.value,
                before=f.before,
                change=f.change,
                currency=f.currency,
            )
            for f in dash.figures
        ],
        charts=[
            ChartOut(
                key=c.key,
                title=str(c.title),
                kind=c.kind,
                unit=c.unit,
                currency=c.currency,
                column=str(c.column),
                labels=[str(label) for label in c.labels],
                series=[SeriesOut(label=str(s.label), values=s.values, previous=s.previous) for s in c.series],
            )
            for c in dash.charts
        ],
    )


@router.get("/analytics/bands/{slug}", response={200: DashboardOut, **ONE_ERRORS}, summary="A band's figures")
def band_figures(request: HttpRequest, slug: str, params: Query[RangeIn]):
    """For the band's members and the people of an agency that represents it."""
    user = caller(request)
    band = selectors.band_named(slug=slug)
    if band is None or not selectors.may_see_band(user, band):
        raise Http404(_("No band of yours at this address."))
    return _out(selectors.band_dashboard(band=band, period=_period(params)))


@router.get("/analytics/venues/{slug}", response={200: DashboardOut, **ONE_ERRORS}, summary="A venue's figures")
def venue_figures(request: HttpRequest, slug: str, params: Query[RangeIn]):
    """For the venue's staff and the people of a group that runs it."""
    user = caller(request)
    venue = selectors.venue_named(slug=slug)
    if venue is None or not selectors.may_see_venue(user, venue):
        raise Http404(_("No venue of yours at this address."))
    return _out(selectors.venue_dashboard(venue=venue, period=_period(params)))


@router.get(
    "/analytics/agencies/{slug}", response={200: DashboardOut, **ONE_ERRORS}, summary="An agency's bands side by side"
)
def agency_figures(request: HttpRequest, slug: str, params: Query[RangeIn]):
    """For the agency's people."""
    user = caller(request)
    organisation = organisation_for_member(slug=slug, user=user)
    if organisation is None or organisation.my_role is None or organisation.kind != Organisation.Kind.AGENCY:
        raise Http404(_("No agency of yours at this address."))
    bands = selectors.agency_bands(organisation=organisation)
    return _out(
        selectors.agency_dashboard(
            title=organisation.name, bands=bands, period=_period(params), organisation=organisation
        )
    )


@router.get("/analytics/platform", response={200: DashboardOut, **ONE_ERRORS}, summary="The platform's figures (staff)")
def platform_figures(request: HttpRequest, params: Query[RangeIn]):
    """For StageSlot's staff."""
    user = caller(request)
    if not user.is_staff:
        raise ApiProblem(403, _("Only StageSlot's staff see the platform's figures."))
    return _out(selectors.platform_dashboard(period=_period(params)))
