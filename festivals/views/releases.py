"""Releases of the timetable and what the public reads (decision 0103): "Publish release N" from the builder,
the public page, its calendars (ICS per stage and per act) and printable running orders, all read from the
last release; each earlier release at its own address; the frab/pretalx schedule (XML and JSON) of a
release, the same bytes while the sets stay the same, answered 304 to a reader that has them."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.web.htmx import render_page
from core.web.site import site_url

from .. import selectors
from ..forms import ReleaseForm
from ..ical import placements_ics
from ..schedule import schedule_etag, schedule_json, schedule_xml
from ..services import calls, releases
from .common import attempt, form_errors_text


def _organiser_festival(request: HttpRequest, slug: str):
    festival = selectors.festival_of(slug=slug)
    if not calls.acting_in(festival.organisation_id, request.user):
        raise Http404(_("No festival of yours at this address."))
    return festival


@login_required
@require_POST
def release_publish(request: HttpRequest, slug: str) -> HttpResponse:
    """Publish the next release (the organisation's owners and bookers; anyone else reads a 404)."""
    festival = _organiser_festival(request, slug)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("festivals:builder", festival.slug)
    done, release = attempt(
        request,
        lambda: releases.release_publish(
            festival=festival, by=request.user, note=form.cleaned_data["note"], now=timezone.now()
        ),
    )
    if done:
        messages.success(
            request,
            _("Release %(number)s is published; the acts whose sets changed are told.") % {"number": release.number},
        )
    return redirect("festivals:builder", festival.slug)


# ---- What the public reads ------------------------------------------------------------------------------


def _shown(slug: str, number: int | None = None):
    """The festival and the release the public reads: the given one, or the last. A festival published
    before releases existed, with none yet, shows its live timetable (release None); one neither released
    nor published is not public."""
    festival = selectors.festival_of(slug=slug)
    if number is not None:
        return festival, selectors.release_of(festival=festival, number=number)
    release = selectors.release_last(festival=festival)
    if release is None and not festival.published:
        raise Http404(_("This timetable is not published."))
    return festival, release


# JSON inside a <script>: nothing a name holds can close the element.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def festival_json_ld(festival, days) -> str:
    """schema.org Festival with each set a sub-event (MusicEvent) on its stage."""
    base = site_url()
    events = [
        {
            "@type": "MusicEvent",
            "name": cell.placement.band.name,
            "startDate": cell.placement.starts_at.isoformat(),
            "endDate": cell.placement.ends_at.isoformat(),
            "location": {"@type": "Place", "name": f"{column.fstage.stage.name}, {festival.venue.name}"},
            "performer": {
                "@type": "MusicGroup",
                "name": cell.placement.band.name,
                "url": base + reverse("bands:detail", args=[cell.placement.band.slug]),
            },
        }
        for day in days
        for column in day.columns
        for cell in column.cells
    ]
    ld = {
        "@context": "https://schema.org",
        "@type": "Festival",
        "name": festival.name,
        "startDate": festival.first_day.isoformat(),
        "endDate": festival.last_day.isoformat(),
        "location": {"@type": "Place", "name": festival.venue.name},
        "url": base + reverse("festivals:festival", args=[festival.slug]),
        "subEvent": events,
    }
    return mark_safe(json.dumps(ld, ensure_ascii=False).translate(_SCRIPT_ESCAPES))  # noqa: S308


def _page(request: HttpRequest, festival, release, *, last) -> HttpResponse:
    if release is None:
        days = selectors.timetable(festival=festival, booked_only=True)
    else:
        days = selectors.release_timetable(festival=festival, release=release)
    context = {
        "festival": festival,
        "days": days,
        "release": release,
        "last": last,
        "json_ld": festival_json_ld(festival, days),
    }
    return render_page(request, "festivals/timetable/public.html", context)


def public(request: HttpRequest, slug: str) -> HttpResponse:
    festival, release = _shown(slug)
    return _page(request, festival, release, last=release)


def release_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """An earlier (or the last) release, as it was published."""
    festival, release = _shown(slug, number)
    return _page(request, festival, release, last=selectors.release_last(festival=festival))


def release_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Every release of the timetable, the last first, with its note and a link (a changelog)."""
    festival = selectors.festival_of(slug=slug)
    rows = selectors.releases_of(festival=festival)
    if not rows:
        raise Http404(_("This timetable has no release yet."))
    return render_page(request, "festivals/timetable/releases.html", {"festival": festival, "releases": rows})


def _sets(festival, release, *, removed: bool):
    if release is None:
        return selectors.timetable_query(festival=festival, include_cancelled=removed)
    if removed:
        return selectors.released_with_removed(festival=festival, release=release)
    return selectors.released_sets(release)


def running_order(request: HttpRequest, slug: str, stage_id: int) -> HttpResponse:
    festival, release = _shown(slug)
    fstage = get_object_or_404(festival.stages.select_related("stage"), pk=stage_id)
    placements = [p for p in _sets(festival, release, removed=False) if p.festival_stage.pk == fstage.pk]
    return render_page(
        request,
        "festivals/timetable/running_order.html",
        {"festival": festival, "fstage": fstage, "placements": placements},
    )


def stage_ics(request: HttpRequest, slug: str, stage_id: int) -> HttpResponse:
    festival, release = _shown(slug)
    fstage = get_object_or_404(festival.stages, pk=stage_id)
    return placements_ics(
        request, festival, [p for p in _sets(festival, release, removed=True) if p.festival_stage.pk == fstage.pk]
    )


def act_ics(request: HttpRequest, slug: str, band: str) -> HttpResponse:
    festival, release = _shown(slug)
    return placements_ics(request, festival, [p for p in _sets(festival, release, removed=True) if p.band.slug == band])


# ---- The schedule other programs read ---------------------------------------------------------------------


def _schedule(request: HttpRequest, slug: str, number: int | None, kind: str) -> HttpResponse:
    festival, release = _shown(slug, number)
    if release is None:
        raise Http404(_("This timetable has no release yet."))
    body = schedule_xml(festival, release) if kind == "xml" else schedule_json(festival, release)
    etag = schedule_etag(body)
    last_modified = int(release.published_at.timestamp())
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        return not_modified
    content_type = "application/xml; charset=utf-8" if kind == "xml" else "application/json; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def schedule_file(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    return _schedule(request, slug, None, kind)


def release_schedule_file(request: HttpRequest, slug: str, number: int, kind: str) -> HttpResponse:
    return _schedule(request, slug, number, kind)
