"""A gig's split among the band's members: equal by default, set per gig by its leaders and admins, used
by the payments posted after it; shares posted before stay as they were."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from accounts.tests.factories import UserFactory
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.models import Booking
from payments.models import LedgerEntry, MemberSplit
from payments.selectors import equal_percents, gig_split
from payments.services.splits import member_split_set

from .money_world import agreed, money_world, pay_next

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = money_world()
    w.gig = agreed(w.request, band_side=w.leader, other_side=w.client)
    return w


def shares_of(booking, payment) -> dict[int, int]:
    rows = LedgerEntry.objects.filter(booking=booking, payment=payment, kind="member_share")
    return dict(rows.values_list("member_id").annotate(total=Sum("amount_minor")).order_by())


def test_equal_percents_add_up_to_a_hundred():
    for count in range(1, 12):
        parts = equal_percents(count)
        assert sum(parts) == 100 and max(parts) - min(parts) <= Decimal("0.01")
    assert equal_percents(3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]


def test_a_new_split_applies_to_later_payments_only(world):
    deposit = pay_next(world.gig, by=world.client)  # 240.00: 204.00 the band's, split in three
    assert sorted(shares_of(world.gig, deposit).values()) == [6800, 6800, 6800]
    member_split_set(
        booking=world.gig,
        by=world.admin,
        shares={world.leader.pk: Decimal("50"), world.member.pk: Decimal("37.5"), world.admin.pk: Decimal("12.5")},
    )
    assert sorted(shares_of(world.gig, deposit).values()) == [6800, 6800, 6800]  # as posted
    balance = pay_next(world.gig, by=world.client)  # 560.00: 476.00 the band's
    assert shares_of(world.gig, balance) == {world.leader.pk: 23800, world.member.pk: 17850, world.admin.pk: 5950}
    rows, custom = gig_split(booking=world.gig)
    assert custom and [r.percent for r in rows] == [Decimal("50"), Decimal("37.5"), Decimal("12.5")]
    assert [r.posted_minor for r in rows] == [6800 + 23800, 6800 + 17850, 6800 + 5950]


def test_a_member_left_at_nothing_gets_no_share(world):
    member_split_set(booking=world.gig, by=world.leader, shares={world.leader.pk: 60, world.member.pk: 40})
    payment = pay_next(world.gig, by=world.client)
    assert shares_of(world.gig, payment) == {world.leader.pk: 12240, world.member.pk: 8160}


@pytest.mark.parametrize(
    ("shares", "words"),
    [
        ({"leader": "50", "member": "30"}, "add up to 80 %"),
        ({"leader": "50", "member": "60"}, "add up to 110 %"),
        ({"leader": "-10", "member": "110"}, "from 0 to 100"),
        ({"leader": "33.333", "member": "66.667"}, "two decimals"),
        ({"leader": "NaN", "member": "100"}, "from 0 to 100"),
        ({"leader": "lots", "member": "100"}, "number of per cent"),
        ({"leader": "50", "stranger": "50"}, "Only the band's members"),
    ],
)
def test_a_bad_split_is_refused_and_nothing_changes(world, shares, words):
    member_split_set(booking=world.gig, by=world.leader, shares={world.leader.pk: 100})
    people = {"leader": world.leader, "member": world.member, "stranger": world.other_leader}
    with pytest.raises(ValidationError, match=words):
        member_split_set(booking=world.gig, by=world.leader, shares={people[k].pk: v for k, v in shares.items()})
    assert list(MemberSplit.objects.values_list("member_id", "percent")) == [(world.leader.pk, 100)]


def test_only_the_bands_leaders_and_admins_set_a_split(world):
    for who in (world.member, world.client, world.owner, world.other_leader, UserFactory()):
        with pytest.raises(BookingPermissionError):
            member_split_set(booking=world.gig, by=who, shares={world.leader.pk: 100})
    assert not MemberSplit.objects.exists()


def test_a_gig_that_is_not_booked_has_no_split(world):
    Booking.objects.filter(pk=world.gig.pk).update(status=Booking.Status.CANCELLED)
    with pytest.raises(BookingConflict):
        member_split_set(booking=world.gig, by=world.leader, shares={world.leader.pk: 100})
    pending = world.application
    with pytest.raises(BookingConflict):
        member_split_set(booking=pending, by=world.leader, shares={world.leader.pk: 100})
