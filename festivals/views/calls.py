"""Open calls: the public list and page, the band's application (with its green zone over the call's
days), and the organiser's new call, questions, jurors and publishing."""

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bands.models import Band
from core.web.htmx import render_page

from .. import selectors
from ..forms import ApplicationForm, CallFestivalForm, CallForm, CallSearchForm, JurorForm, QuestionForm
from ..models import OpenCall
from ..services import calls, jury
from .common import attempt, form_errors_text


def call_list(request: HttpRequest) -> HttpResponse:
    """/calls/: open calls, searchable by words and genre (live with htmx)."""
    form = CallSearchForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    found = selectors.calls_open(now=timezone.now(), text=data.get("q") or "", genre=data.get("genre"))[:50]
    return render_page(request, "festivals/calls/list.html", {"form": form, "calls": found}, partial="results")


def _band_of(request: HttpRequest, slug: str) -> Band:
    bands = {b.slug: b for b in selectors.bands_managed(user=request.user)}
    if slug not in bands:
        raise PermissionDenied(_("Only the band's leaders and admins can apply for it."))
    return bands[slug]


def _call_context(request: HttpRequest, call, chosen: Band | None, bands: list[Band], form=None) -> dict:
    now = timezone.now()
    context = {
        "call": call,
        "bands": bands,
        "band": chosen,
        "open": call.is_open(now),
        "questions": call.questions.all(),
    }
    if chosen is not None:
        application = selectors.applications_of(call=call, bands=[chosen]).get(chosen.pk)
        initial = {"pitch": "", "blind_text": "", "music_link": "", "fee": None}
        if application is not None:
            initial = {
                "pitch": application.pitch,
                "blind_text": application.blind_text,
                "music_link": application.music_link,
                "fee": application.fee,
                **application.answers,
            }
        context.update(
            application=application,
            days=calls.call_green_days(call=call, band=chosen, today=now.date()),
            form=form or ApplicationForm(initial=initial, questions=call.questions.all()),
        )
    return context


def call_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A call: what it offers and asks; for a band's leaders, its green zone on the call's days and its
    application (send, change until the deadline, withdraw)."""
    call = selectors.call_public(slug=slug)
    bands = selectors.bands_managed(user=request.user)
    chosen = next((b for b in bands if b.slug == request.GET.get("band")), bands[0] if bands else None)
    return render(request, "festivals/calls/detail.html", _call_context(request, call, chosen, bands))


@login_required
@require_POST
def application_send(request: HttpRequest, slug: str, band: str) -> HttpResponse:
    """Send or change an application. Refused, the page comes back with what the band typed, the reason
    beside the fields (400 for bad input, 409 for a refusal such as no green day)."""
    call = selectors.call_public(slug=slug)
    chosen = _band_of(request, band)
    form = ApplicationForm(request.POST, questions=call.questions.all())
    if not form.is_valid():
        context = _call_context(request, call, chosen, selectors.bands_managed(user=request.user), form)
        return render(request, "festivals/calls/detail.html", context, status=400)
    data = form.cleaned_data
    done, _application = attempt(
        request,
        lambda: calls.application_submit(
            call=call,
            band=chosen,
            by=request.user,
            pitch=data["pitch"],
            blind_text=data["blind_text"],
            music_link=data["music_link"],
            fee=data["fee"],
            answers=form.answers(),
            now=timezone.now(),
        ),
        form=form,
    )
    if not done:
        context = _call_context(request, call, chosen, selectors.bands_managed(user=request.user), form)
        return render(request, "festivals/calls/detail.html", context, status=409)
    messages.success(
        request, _("%(band)s's application is sent; you can change it until the deadline.") % {"band": chosen.name}
    )
    return redirect(f"{reverse('festivals:call', args=[call.slug])}?band={chosen.slug}")


@login_required
@require_POST
def application_withdraw(request: HttpRequest, slug: str, band: str) -> HttpResponse:
    call = selectors.call_public(slug=slug)
    chosen = _band_of(request, band)
    application = selectors.applications_of(call=call, bands=[chosen]).get(chosen.pk)
    if application is None:
        raise Http404(_("No application of this band."))
    done, _result = attempt(
        request, lambda: calls.application_withdraw(application=application, by=request.user, now=timezone.now())
    )
    if done:
        messages.success(request, _("The application is withdrawn."))
    return redirect(f"{reverse('festivals:call', args=[call.slug])}?band={chosen.slug}")


# ---- The organiser's side -------------------------------------------------------------------------------


def _organiser_call(request: HttpRequest, slug: str):
    call = selectors.call_any(slug=slug)
    if not calls.acting_in(call.organisation_id, request.user):
        raise Http404(_("No call of yours at this address."))
    return call


def _call_input(d: dict) -> calls.CallInput:
    return calls.CallInput(
        title=d["title"],
        description=d["description"],
        first_day=d["first_day"],
        last_day=d["last_day"],
        stages=d["stages"],
        genres=tuple(d["genres"]),
        fee_min=d["fee_min"],
        fee_max=d["fee_max"],
        fee_on_offer=d["fee_on_offer"],
        currency=d["currency"],
        travel_paid=d["travel_paid"],
        time_zone=d["time_zone"],
        deadline_day=d["deadline_day"],
        deadline_time=d["deadline_time"],
        blind=d["blind"],
        criteria=tuple(c for c in d["criteria"].split(",")),
        festival=d["festival"],
    )


@login_required
def call_new(request: HttpRequest, org: str) -> HttpResponse:
    organisation = selectors.organisation_of(slug=org)
    if not calls.acting_in(organisation.pk, request.user):
        raise Http404(_("No organisation of yours at this address."))
    festivals = selectors.festivals_of(organisation_id=organisation.pk)
    form = CallForm(request.POST or None, festivals=festivals, initial={"festival": request.GET.get("festival")})
    if request.method == "POST" and form.is_valid():
        data = _call_input(form.cleaned_data)
        done, call = attempt(
            request,
            lambda: calls.call_create(organisation=organisation, by=request.user, data=data, now=timezone.now()),
            form=form,
        )
        if done:
            return redirect("festivals:manage", call.slug)
    return render(request, "festivals/calls/new.html", {"form": form, "organisation": organisation})


def _call_initial(call) -> dict:
    zone = zoneinfo.ZoneInfo(call.time_zone)
    deadline = call.deadline.astimezone(zone)
    return {
        "title": call.title,
        "description": call.description,
        "first_day": call.first_day,
        "last_day": call.last_day,
        "stages": call.stages,
        "genres": list(call.genres.all()),
        "fee_min": call.fee_min,
        "fee_max": call.fee_max,
        "fee_on_offer": call.fee_on_offer,
        "currency": call.currency,
        "travel_paid": call.travel_paid,
        "time_zone": call.time_zone,
        "deadline_day": deadline.date(),
        "deadline_time": deadline.time().replace(tzinfo=None),
        "blind": call.blind,
        "criteria": ", ".join(call.criteria),
        "festival": call.festival_id,
    }


@login_required
def call_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Change a draft call (a published one keeps what bands applied to)."""
    call = _organiser_call(request, slug)
    if call.status != OpenCall.Status.DRAFT:
        messages.error(request, _("The call is published: what bands applied to no longer changes."))
        return redirect("festivals:manage", call.slug)
    festivals = selectors.festivals_of(organisation_id=call.organisation_id)
    form = CallForm(request.POST or None, festivals=festivals, initial=_call_initial(call))
    if request.method == "POST" and form.is_valid():
        data = _call_input(form.cleaned_data)
        done, _c = attempt(
            request, lambda: calls.call_update(call=call, by=request.user, data=data, now=timezone.now()), form=form
        )
        if done:
            messages.success(request, _("The call is saved."))
            return redirect("festivals:manage", call.slug)
    return render(request, "festivals/calls/new.html", {"form": form, "organisation": call.organisation, "call": call})


@login_required
def call_manage(request: HttpRequest, slug: str) -> HttpResponse:
    call = _organiser_call(request, slug)
    context = {
        "call": call,
        "questions": call.questions.all(),
        "jurors": call.jurors.select_related("user"),
        "question_form": QuestionForm(),
        "juror_form": JurorForm(),
        "festival_form": CallFestivalForm(
            festivals=selectors.festivals_of(organisation_id=call.organisation_id),
            initial={"festival": call.festival_id},
            auto_id="tie_%s",
        ),
        "now": timezone.now(),
    }
    return render(request, "festivals/calls/manage.html", context)


@login_required
@require_POST
def call_action(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    """Publish, add a question, invite a juror, tie the call to a festival, send the decisions."""
    call = _organiser_call(request, slug)
    now = timezone.now()
    if action == "publish":
        done, _r = attempt(request, lambda: calls.call_publish(call=call, by=request.user, now=now))
        notice = _("The call is open: bands find it at /calls/.")
    elif action == "question":
        form = QuestionForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
            return redirect("festivals:manage", call.slug)
        d = form.cleaned_data
        done, _r = attempt(
            request,
            lambda: calls.question_add(
                call=call,
                by=request.user,
                kind=d["kind"],
                text=d["text"],
                choices=d["choices"].splitlines(),
                required=d["required"],
            ),
        )
        notice = _("The question is added.")
    elif action == "juror":
        form = JurorForm(request.POST)
        user = selectors.person_by_email(email=form.cleaned_data["email"]) if form.is_valid() else None
        if user is None:
            messages.error(request, _("No one with this address is in your organisation."))
            return redirect("festivals:manage", call.slug)
        done, _r = attempt(request, lambda: jury.juror_add(call=call, user=user, by=request.user))
        notice = _("%(name)s is on the jury.") % {"name": user.name}
    elif action == "festival":
        form = CallFestivalForm(request.POST, festivals=selectors.festivals_of(organisation_id=call.organisation_id))
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
            return redirect("festivals:manage", call.slug)
        festival = form.cleaned_data["festival"]
        done, _r = attempt(request, lambda: calls.call_festival_set(call=call, festival=festival, by=request.user))
        if festival is None:
            notice = _("The call is for no festival.")
        else:
            notice = _("The call is for %(festival)s: its shortlisted acts appear in the festival's builder.") % {
                "festival": festival.name
            }
    elif action == "decisions":
        done, _count = attempt(request, lambda: jury.decisions_send(call=call, by=request.user, now=now))
        notice = _("The decisions go out, each at a civil hour in the band's time zone.")
    else:
        raise Http404(_("No such action."))
    if done:
        messages.success(request, notice)
    return redirect("festivals:manage", call.slug)
