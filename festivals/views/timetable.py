"""The timetable builder (days × stages; a keyboard-friendly "place act X on stage Y at T" form, dragging
posts the same; htmx swaps the grid and answers a refusal with a 409), moving an act, and the published
timetable: its page, ICS per stage and per act, and a printable running order per stage."""

import datetime as dt
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.web.htmx import is_partial, render_page

from .. import selectors
from ..forms import CounterAnswerForm, FestivalForm, MoveForm, PlaceForm, ReleaseForm, StageHoursForm, WithdrawForm
from ..services import calls, timetable
from .common import attempt, form_errors_text


def _organiser_festival(request: HttpRequest, slug: str):
    festival = selectors.festival_of(slug=slug)
    if not calls.acting_in(festival.organisation_id, request.user):
        raise Http404(_("No festival of yours at this address."))
    return festival


def _builder(
    request: HttpRequest, festival, *, status: int = 200, verdict=None, form=None, moved: bool = False, nearest=()
) -> HttpResponse:
    form = form or PlaceForm()
    chosen_stage = form.data.get("stage", "") if form.is_bound else ""
    days = selectors.timetable(festival=festival)
    selectors.counters_waiting(festival=festival, days=days)
    context = {
        # What the form had chosen, read once (the act list is long).
        "chosen_band": form.data.get("band", "") if form.is_bound else "",
        "chosen_stage": int(chosen_stage) if str(chosen_stage).isdigit() else None,
        "festival": festival,
        "days": days,
        "acts": selectors.placeable_acts(festival=festival),
        "stages": festival.stages.select_related("stage"),
        "form": form,
        "move_form": MoveForm(),
        "stage_form": StageHoursForm(stages=selectors.stages_free_for(festival=festival), auto_id="add_%s"),
        "placements": selectors.placements_to_move(festival=festival),
        "verdict": verdict,
        # The nearest times that work after a refusal, each a button that offers the set then.
        "nearest": list(nearest),
        "last_release": selectors.release_last(festival=festival),
        "release_form": ReleaseForm(auto_id="release_%s"),
        # The last answer, drawn inside the form that was sent (place or move).
        "notices": list(messages.get_messages(request)) if is_partial(request) and not moved else [],
        "move_notices": list(messages.get_messages(request)) if is_partial(request) and moved else [],
    }
    return render_page(request, "festivals/timetable/builder.html", context, partial="grid", status=status)


def _in_place(response: HttpResponse) -> HttpResponse:
    """The builder's answer to a form sent by htmx, drawn over its grid whatever its status (stageslot.js
    swaps a 400 or 409 that names its place)."""
    response["HX-Retarget"] = "#timetable-grid"
    return response


@login_required
def festival_new(request: HttpRequest, org: str) -> HttpResponse:
    """A festival of the organisation on the stages of a venue it runs."""
    organisation = selectors.organisation_of(slug=org)
    if not calls.acting_in(organisation.pk, request.user):
        raise Http404(_("No organisation of yours at this address."))
    venues = selectors.venues_for_festival(organisation=organisation, user=request.user)
    form = FestivalForm(request.POST or None, venues=venues)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done, festival = attempt(
            request,
            lambda: timetable.festival_create(
                organisation=organisation, venue=d["venue"], name=d["name"], first_day=d["first_day"],
                last_day=d["last_day"], transfer_minutes=d["transfer_minutes"], by=request.user,
            ),
            form=form,
        )  # fmt: skip
        if done:
            return redirect("festivals:builder", festival.slug)
    return render_page(request, "festivals/timetable/new.html", {"form": form, "organisation": organisation})


@login_required
@require_POST
def stage_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Play on one more stage of the site, with its hours and changeover."""
    festival = _organiser_festival(request, slug)
    form = StageHoursForm(request.POST, stages=selectors.stages_free_for(festival=festival))
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("festivals:builder", festival.slug)
    d = form.cleaned_data
    done, _s = attempt(
        request,
        lambda: timetable.festival_stage_add(
            festival=festival, stage=d["stage"], opens=d["opens"], closes=d["closes"],
            changeover_minutes=d["changeover_minutes"], by=request.user,
        ),
    )  # fmt: skip
    if done:
        messages.success(request, _("%(stage)s is on the timetable.") % {"stage": d["stage"].name})
    return redirect("festivals:builder", festival.slug)


@login_required
def builder(request: HttpRequest, slug: str) -> HttpResponse:
    return _builder(request, _organiser_festival(request, slug))


def _start(festival, day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=zoneinfo.ZoneInfo(festival.time_zone)).astimezone(dt.UTC)


@login_required
@require_POST
def place(request: HttpRequest, slug: str) -> HttpResponse:
    """Offer an act a set (or only check where it may go: `check_only`); it is booked when the act accepts."""
    festival = _organiser_festival(request, slug)
    form = PlaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return _in_place(_builder(request, festival, status=400 if is_partial(request) else 200, form=form))
    d = form.cleaned_data
    fstage = festival.stages.filter(pk=d["stage"]).select_related("stage", "festival__venue").first()
    application = None
    if d["band"]:
        band = selectors.band_by_slug(slug=d["band"])
        if band is not None:
            application = selectors.placeable_application(festival=festival, band=band)
    else:
        found = selectors.band_to_invite(text=d["invite"])
        if len(found) != 1:
            messages.error(
                request,
                _("No approved band goes by that name or address.")
                if not found
                else _("Two bands go by that name: give the band's address instead."),
            )
            return _in_place(_builder(request, festival, status=400, form=form))
        band = found[0]
    if fstage is None or band is None:
        messages.error(request, _("Choose an act and a stage of this festival."))
        return _in_place(_builder(request, festival, status=400, form=form))
    if d["day"] < festival.first_day or d["day"] > festival.last_day:
        messages.error(request, _("Choose a day of the festival."))
        return _in_place(_builder(request, festival, status=400, form=form))
    starts_at, now = _start(festival, d["day"], d["time"]), timezone.now()
    if d["check_only"]:
        verdict = timetable.placement_try(
            fstage=fstage, band=band, starts_at=starts_at, set_minutes=d["minutes"], now=now
        )
        nearest = _nearest(festival, fstage, band, starts_at, d["minutes"], now) if verdict.refusals else []
        return _builder(request, festival, verdict=verdict, form=form, nearest=nearest)
    done, _p = attempt(
        request,
        lambda: timetable.placement_offer(
            fstage=fstage,
            band=band,
            starts_at=starts_at,
            set_minutes=d["minutes"],
            by=request.user,
            now=now,
            application=application,
            radius=(d["radius_km"], d["radius_days"] or 0, d["radius_days"] or 0) if d["radius_km"] else None,
            fee=d["fee"],
            terms=d["terms"] or "",
        ),
    )
    if done:
        messages.success(
            request,
            _("%(band)s is offered a set on %(stage)s; it is booked when the act accepts.")
            % {"band": band.name, "stage": fstage.stage.name},
        )
    nearest = [] if done else _nearest(festival, fstage, band, starts_at, d["minutes"], now)
    if is_partial(request):
        return _in_place(
            _builder(request, festival, status=200 if done else 409, form=None if done else form, nearest=nearest)
        )
    if nearest:
        return _builder(request, festival, status=409, form=form, nearest=nearest)
    return redirect("festivals:builder", festival.slug)


def _nearest(festival, fstage, band, starts_at, minutes, now) -> list[str]:
    """The nearest starts that work, as the festival's wall clock reads them (what the form's time takes)."""
    tz = zoneinfo.ZoneInfo(festival.time_zone)
    found = timetable.placement_nearest(fstage=fstage, band=band, starts_at=starts_at, set_minutes=minutes, now=now)
    return [when.astimezone(tz).strftime("%H:%M") for when in found]


@login_required
@require_POST
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    """Take back an offer the act has not answered."""
    festival = _organiser_festival(request, slug)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("festivals:builder", festival.slug)
    placement = selectors.placement_of(festival=festival, pk=form.cleaned_data["placement"])
    done, _p = attempt(
        request, lambda: timetable.placement_withdraw(placement=placement, by=request.user, now=timezone.now())
    )
    if done:
        messages.success(
            request, _("The offer to %(band)s is withdrawn; the act is told.") % {"band": placement.band.name}
        )
    return redirect("festivals:builder", festival.slug)


@login_required
@require_POST
def counter_answer(request: HttpRequest, slug: str) -> HttpResponse:
    """Accept or decline the terms an act sent back on a set it was offered (the festival's organisation)."""
    festival = _organiser_festival(request, slug)
    form = CounterAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("festivals:builder", festival.slug)
    placement = selectors.placement_of(festival=festival, pk=form.cleaned_data["placement"])
    accept = form.cleaned_data["answer"] == "accept"
    done, _p = attempt(
        request,
        lambda: timetable.placement_counter_answer(
            placement=placement, by=request.user, accept=accept, now=timezone.now()
        ),
    )
    if done and accept:
        messages.success(
            request, _("%(band)s's terms are the deal: the set is booked.") % {"band": placement.band.name}
        )
    elif done:
        messages.success(
            request,
            _("%(band)s's terms are declined; the offer stands and the act is told.") % {"band": placement.band.name},
        )
    return redirect("festivals:builder", festival.slug)


@login_required
@require_POST
def move(request: HttpRequest, slug: str) -> HttpResponse:
    """Move a placed act to another stage, day or time (one form for the whole timetable)."""
    festival = _organiser_festival(request, slug)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("festivals:builder", festival.slug)
    placement = selectors.placement_of(festival=festival, pk=form.cleaned_data["placement"])
    fstage = festival.stages.filter(pk=form.cleaned_data["stage"]).first()
    if fstage is None:
        messages.error(request, form_errors_text(form) or _("Choose a stage of this festival."))
        if is_partial(request):
            return _in_place(_builder(request, festival, status=400, moved=True))
        return redirect("festivals:builder", festival.slug)
    d = form.cleaned_data
    done, _p = attempt(
        request,
        lambda: timetable.placement_move(
            placement=placement,
            fstage=fstage,
            starts_at=_start(festival, d["day"], d["time"]),
            by=request.user,
            now=timezone.now(),
        ),
    )
    if done:
        messages.success(request, _("%(band)s moved; the act is told.") % {"band": placement.band.name})
    if is_partial(request):
        return _in_place(_builder(request, festival, status=200 if done else 409, moved=True))
    return redirect("festivals:builder", festival.slug)
