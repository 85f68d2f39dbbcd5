"""Who plays through the API: a gig's line-up with each member's answer (for the band's members) and the
caller's own answer. A gig whose band the caller is not in does not exist for them (404)."""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from accounts.models import ApiToken
from bookings.api.bookings import ONE_ERRORS, WRITE_ERRORS
from bookings.api.core import ApiProblem, caller, field_errors
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from core.fields.api_fields import ApiLine, ApiText

from ..models import Answer
from ..selectors.answers import gig_for_member, lineup_counts, lineup_of
from ..services.answers import gig_answer_set, gig_lineup_open

router = Router()


class PlaceOut(Schema):
    member_id: int
    name: str
    instrument: str
    required: bool
    answer: str = Field(description="definitely, probably, dont_know, probably_not, cant, or empty: not answered")
    comment: str
    answered_at: dt.datetime | None
    stand_in: str | None = Field(description="The stand-in who took this place, if any")


class LineupOut(Schema):
    booking: uuid.UUID
    confirmed: int = Field(description="Places that are sure: a definitely, or a stand-in who took the place")
    places: int
    at_risk: bool = Field(description="A required member can't play and nobody stands in")
    lineup: list[PlaceOut]


class AnswerIn(Schema):
    answer: ApiLine(20) = Field(description="definitely, probably, dont_know, probably_not or cant")
    comment: ApiText(300) = Field("")


def _gig(request: HttpRequest, uid: uuid.UUID, scope: str):
    user = caller(request, scope)
    booking = gig_for_member(uid=uid, user=user)
    if booking is None:
        raise Http404(_("No such gig: its line-up is for the band's members."))
    gig_lineup_open(booking=booking)
    return booking, user


def _lineup_out(booking) -> LineupOut:
    places = lineup_of(booking=booking)
    counts = lineup_counts(places)
    return LineupOut(
        booking=booking.uid,
        confirmed=counts["in"],
        places=counts["of"],
        at_risk=counts["at_risk"],
        lineup=[
            PlaceOut(
                member_id=p.member_id,
                name=p.member.name,
                instrument=p.instrument,
                required=p.required,
                answer=p.answer,
                comment=p.comment,
                answered_at=p.answered_at,
                stand_in=p.stand_in.name if p.stand_in_id else None,
            )
            for p in places
        ],
    )


@router.get("/gigs/{uuid:uid}/lineup", response={200: LineupOut, **ONE_ERRORS})
def lineup_get(request: HttpRequest, uid: uuid.UUID):
    """Who plays the gig: each member's answer and comment, the stand-ins, how many are sure, whether it is
    at risk. For the band's members."""
    booking, _user = _gig(request, uid, ApiToken.Scope.READ)
    return _lineup_out(booking)


@router.put("/gigs/{uuid:uid}/answer", response={200: LineupOut, **WRITE_ERRORS})
def answer_put(request: HttpRequest, uid: uuid.UUID, body: AnswerIn):
    """Say whether you can play the gig (your own answer only; it can change until the gig ends). 422 for an
    answer outside the five, 409 once the gig is over or cancelled."""
    booking, user = _gig(request, uid, ApiToken.Scope.BOOKINGS)
    if body.answer not in Answer.values:
        raise ApiProblem(
            422,
            _("Choose one of the five answers."),
            errors={"answer": [_("One of: %(answers)s.") % {"answers": ", ".join(Answer.values)}]},
        )
    try:
        gig_answer_set(booking=booking, member=user, by=user, answer=body.answer, comment=body.comment)
    except ValidationError as exc:
        raise ApiProblem(422, _("Check the marked fields."), errors=field_errors(exc)) from exc
    except BookingPermissionError as exc:
        raise ApiProblem(403, str(exc)) from exc
    except (BookingConflict, BookingError) as exc:
        raise ApiProblem(409, str(exc)) from exc
    return _lineup_out(booking)
