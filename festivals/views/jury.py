"""The jury's page: applications as cards (blind ones without a band's name), one's own scores, the
others' only after scoring; the organiser's ranking, spread and comments, and shortlist, reject, offer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors
from ..forms import DecideForm, ScoreForm
from ..services import calls, jury
from .common import attempt, form_errors_text


def _jury_call(request: HttpRequest, slug: str):
    """The call and whether the viewer organises it; 404 for anyone neither juror nor organiser."""
    call = selectors.call_any(slug=slug)
    organiser = calls.acting_in(call.organisation_id, request.user)
    if not organiser and not jury.is_juror(call, request.user):
        raise Http404(_("No jury of yours at this address."))
    return call, organiser


@login_required
def jury_page(request: HttpRequest, slug: str) -> HttpResponse:
    call, organiser = _jury_call(request, slug)
    cards = jury.jury_cards(call=call, viewer=request.user, organiser=organiser)
    context = {
        "call": call,
        "organiser": organiser,
        "juror": jury.is_juror(call, request.user),
        # Each card's forms with ids of their own (a page of many cards has no two fields of one id).
        "cards": [
            (
                card,
                ScoreForm(criteria=call.criteria, auto_id=f"s{card.code}_%s"),
                DecideForm(auto_id=f"d{card.code}_%s"),
            )
            for card in cards
        ],
        "decided": timezone.now() >= call.deadline,
    }
    return render(request, "festivals/jury/list.html", context)


@login_required
@require_POST
def score(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    call, _organiser = _jury_call(request, slug)
    application = selectors.application_by_code(call=call, code=code)
    form = ScoreForm(request.POST, criteria=call.criteria)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("festivals:jury", call.slug)
    done, _r = attempt(
        request,
        lambda: jury.score_save(
            application=application, juror=request.user, values=form.values(), comment=form.cleaned_data["comment"]
        ),
    )
    if done:
        messages.success(request, _("Your scores of %(code)s are kept.") % {"code": application.code})
    return redirect("festivals:jury", call.slug)


@login_required
@require_POST
def decide(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    call, organiser = _jury_call(request, slug)
    if not organiser:
        raise Http404(_("No call of yours at this address."))
    application = selectors.application_by_code(call=call, code=code)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("festivals:jury", call.slug)
    done, decided = attempt(
        request,
        lambda: jury.application_decide(
            application=application,
            by=request.user,
            decision=form.cleaned_data["decision"],
            message=form.cleaned_data["message"],
            now=timezone.now(),
        ),
    )
    if done:
        # Translators: the act an organiser decided on, its application's code and what it is now ("Accepted").
        said = _("%(band)s (%(code)s): %(status)s.")
        messages.success(
            request, said % {"band": decided.band.name, "code": decided.code, "status": decided.get_status_display()}
        )
    return redirect("festivals:jury", call.slug)
