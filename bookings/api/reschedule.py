"""New times for a booked private gig, through the API: a booking's proposals, proposing, and accepting,
declining or withdrawing one, on bookings.services.reschedule as /bookings/<uid>/reschedule/ does.

A booking the caller is not part of does not exist for them (404). Who may do what is the services'
call: the band's leaders and admins and the client propose and answer, the side that proposed withdraws
(403 otherwise); a proposal already answered, a gig no longer booked, or a band booked at the new
times is a 409 with the reason. Accepting moves the gig and sends the `booking.rescheduled` webhook
event (the service's booking_notify does).
"""

import datetime as dt
import uuid

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Answer

from accounts.models import ApiToken
from core.fields.api_fields import ApiText
from core.fields.dates import ApiDateTime

from ..models import Booking, RescheduleProposal
from ..selectors.reschedule import reschedule_proposal_of, reschedule_proposals_all
from ..services import reschedule as services
from .bookings import ONE_ERRORS, OUT_OF_RANGE, WRITE_ERRORS, _mine_or_404
from .core import PAGE_DEFAULT, PAGE_MAX, ApiProblem, Page, caller, keyset, token_auth
from .schemas import utc

router = Router(auth=token_auth, tags=["reschedule"])


class ProposalOut(Schema):
    id: int
    booking: uuid.UUID
    status: str = Field(description="open, accepted, declined, withdrawn or lapsed")
    side: str = Field(description="The side that proposed: band or client")
    proposed_by: str | None = Field(description="The name of who proposed")
    starts_at: dt.datetime
    ends_at: dt.datetime
    old_starts_at: dt.datetime
    old_ends_at: dt.datetime
    time_zone: str = Field(description="The zone the gig is meant in")
    reason: str
    answer_note: str
    answered_by: str | None
    created_at: dt.datetime
    answered_at: dt.datetime | None


class ProposalPage(Page):
    items: list[ProposalOut]


def proposal_out(proposal: RescheduleProposal, booking: Booking) -> ProposalOut:
    return ProposalOut(
        id=proposal.pk,
        booking=booking.uid,
        status=proposal.status,
        side=proposal.side,
        proposed_by=proposal.proposed_by.name if proposal.proposed_by else None,
        starts_at=utc(proposal.starts_at),
        ends_at=utc(proposal.ends_at),
        old_starts_at=utc(proposal.old_starts_at),
        old_ends_at=utc(proposal.old_ends_at),
        time_zone=booking.time_zone,
        reason=proposal.reason,
        answer_note=proposal.answer_note,
        answered_by=proposal.answered_by.name if proposal.answered_by else None,
        created_at=utc(proposal.created_at),
        answered_at=utc(proposal.answered_at),
    )


def _proposal_or_404(booking: Booking, proposal_id: int) -> RescheduleProposal:
    proposal = reschedule_proposal_of(booking=booking, pk=proposal_id)
    if proposal is None:
        raise Http404(_("No such proposal."))
    return proposal


def _fresh(booking: Booking, proposal_id: int) -> ProposalOut:
    """The proposal as it is now, with who proposed and who answered it."""
    return proposal_out(_proposal_or_404(booking, proposal_id), booking)


@router.get("/bookings/{uuid:uid}/reschedules", response={200: ProposalPage, **ONE_ERRORS})
def reschedules_list(request: HttpRequest, uid: uuid.UUID, cursor: str | None = None, limit: int = PAGE_DEFAULT):
    """The proposals of new times for a booking you are part of, newest first, answered or not."""
    caller(request, ApiToken.Scope.READ)
    booking = _mine_or_404(request, uid)
    rows, next_url = keyset(
        request,
        reschedule_proposals_all(booking=booking),
        order=("-created_at", "-pk"),
        cursor=cursor,
        limit=max(1, min(limit, PAGE_MAX)),
    )
    return {"items": [proposal_out(p, booking) for p in rows], "next": next_url}


class ProposalIn(Schema):
    starts_at: ApiDateTime.AHEAD
    ends_at: ApiDateTime.AHEAD
    reason: ApiText(500) = Field(min_length=1, description="Why; the other side reads it before answering")


@router.post("/bookings/{uuid:uid}/reschedules", response={201: ProposalOut, **WRITE_ERRORS})
def reschedule_propose(request: HttpRequest, uid: uuid.UUID, body: ProposalIn):
    """Propose new times for a booked private gig that has not started (the band's leaders and admins,
    or the client), with a reason; one open proposal per gig. A venue's slot keeps its own times (400).
    409 when the gig is not booked, a proposal is already open, or the band is booked at the new times."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    booking = _mine_or_404(request, uid)
    try:
        starts_at, ends_at = body.starts_at.astimezone(dt.UTC), body.ends_at.astimezone(dt.UTC)
    except OverflowError:
        raise ApiProblem(422, _("Some of the input is not valid."), errors={"starts_at": [OUT_OF_RANGE]}) from None
    proposal = services.reschedule_propose(
        booking=booking, by=user, starts_at=starts_at, ends_at=ends_at, reason=body.reason
    )
    return Answer(201, _fresh(booking, proposal.pk))


@router.post("/bookings/{uuid:uid}/reschedules/{int:proposal_id}/accept", response={200: ProposalOut, **WRITE_ERRORS})
def reschedule_accept(request: HttpRequest, uid: uuid.UUID, proposal_id: int):
    """Accept the other side's proposal: the gig moves to the new times (same calendar entry, a higher
    sequence), everyone is told. 409 when the band is booked or a required member busy then."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    booking = _mine_or_404(request, uid)
    services.reschedule_accept(proposal=_proposal_or_404(booking, proposal_id), by=user)
    return _fresh(booking, proposal_id)


class RescheduleDeclineIn(Schema):
    note: ApiText(500) = Field("", description="Why, if you like; the other side reads it")


@router.post("/bookings/{uuid:uid}/reschedules/{int:proposal_id}/decline", response={200: ProposalOut, **WRITE_ERRORS})
def reschedule_decline(request: HttpRequest, uid: uuid.UUID, proposal_id: int, body: RescheduleDeclineIn | None = None):
    """Decline the other side's proposal: the gig stays on its times."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    booking = _mine_or_404(request, uid)
    proposal = _proposal_or_404(booking, proposal_id)
    services.reschedule_decline(proposal=proposal, by=user, note=body.note if body else "")
    return _fresh(booking, proposal_id)


@router.post("/bookings/{uuid:uid}/reschedules/{int:proposal_id}/withdraw", response={200: ProposalOut, **WRITE_ERRORS})
def reschedule_withdraw(request: HttpRequest, uid: uuid.UUID, proposal_id: int):
    """Take back your side's open proposal: the gig stays on its times."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    booking = _mine_or_404(request, uid)
    services.reschedule_withdraw(proposal=_proposal_or_404(booking, proposal_id), by=user)
    return _fresh(booking, proposal_id)
