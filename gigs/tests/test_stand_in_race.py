"""Thirty stand-ins say yes to one place at the same moment (PostgreSQL, real row locks): exactly one takes
it, the other twenty-nine are told it is filled, and nothing fails."""

import pytest

from gigs.models import GigAnswer, StandInAsk, StandInRequest
from gigs.services.stand_ins import PlaceFilled, stand_in_add, stand_in_ask_reply, stand_in_request_create
from gigs.tests.test_concurrency import at_once
from gigs.tests.test_stand_ins import stand_in_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_thirty_yes_at_once_take_one_place():
    w = stand_in_world("-race")
    pool = [w.sam, w.kim] + [
        stand_in_add(band=w.band, by=w.leader, name=f"Drummer {n}", email=f"d{n}@example.com", instrument="Drums")
        for n in range(28)
    ]
    request = stand_in_request_create(place=w.place, by=w.leader, stand_ins=pool)
    asks = list(request.asks.all())
    assert len(asks) == 30
    errors = at_once(*[lambda a=a: stand_in_ask_reply(ask=a, reply="yes") for a in asks])
    assert len(errors) == 29 and all(isinstance(e, PlaceFilled) for e in errors), errors
    place = GigAnswer.objects.get(pk=w.place.pk)
    assert place.stand_in_id is not None
    assert StandInRequest.objects.get(pk=request.pk).filled_by_id == place.stand_in_id
    replies = list(StandInAsk.objects.filter(request=request).values_list("reply", flat=True))
    assert replies.count("yes") == 1 and replies.count("filled") == 29
