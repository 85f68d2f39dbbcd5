"""A band's leaders and admins hear when StageSlot staff approve, suspend or return their band to
review (from the admin too), and when someone joins through an invite; plain members, the joiner,
the staff member who acted and outsiders do not."""

import pytest
from django.urls import reverse

from accounts.models import Notification
from accounts.people import people_draw
from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus, Band, Membership
from bands.services import band_invite_accept, band_set_status

from .factories import BandFactory, BandInviteFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def band() -> Band:
    return BandFactory(name="The Night Owls", slug="the-night-owls", status=ApprovalStatus.PENDING)


@pytest.fixture
def people(band):
    leader = MembershipFactory(band=band, role=Membership.Role.LEADER).user
    admin = MembershipFactory(band=band, role=Membership.Role.ADMIN).user
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
    outsider = MembershipFactory(role=Membership.Role.LEADER).user  # leads another band
    return leader, admin, member, outsider


def told(kind: str) -> dict[int, list[Notification]]:
    result: dict[int, list[Notification]] = {}
    for note in Notification.objects.filter(kind=kind).order_by("pk"):
        result.setdefault(note.recipient_id, []).append(note)
    return result


# ---- Approved, suspended, back in review ----------------------------------------------------


def test_approval_tells_the_leaders_and_admins_with_a_link_to_the_public_page(band, people):
    leader, admin, _member, _outsider = people
    staff = UserFactory(is_staff=True)

    band_set_status(band=band, status=ApprovalStatus.APPROVED, by=staff)

    notes = told("band_status")
    assert set(notes) == {leader.pk, admin.pk}
    note = notes[leader.pk][0]
    assert note.text == "The Night Owls is approved: its press kit is public now."
    assert note.link == reverse("bands:detail", args=["the-night-owls"])


def test_suspension_gives_the_reason_and_links_the_manage_page(band, people):
    leader, admin, _member, _outsider = people

    band_set_status(band=band, status=ApprovalStatus.SUSPENDED, reason="Copied photos from another band.")

    note = Notification.objects.get(kind="band_status", recipient=admin)
    assert note.text.startswith("The Night Owls is suspended by StageSlot staff")
    assert note.text.endswith("Reason: Copied photos from another band.")
    assert note.link == reverse("bands:manage", args=["the-night-owls"])
    assert Notification.objects.filter(kind="band_status", recipient=leader).count() == 1


def test_returning_to_review_says_so(band, people):
    leader, *_ = people
    band_set_status(band=band, status=ApprovalStatus.APPROVED)

    band_set_status(band=band, status=ApprovalStatus.PENDING, reason="Please add a bio.")

    texts = [n.text for n in told("band_status")[leader.pk]]
    assert len(texts) == 2
    assert texts[1].startswith("The Night Owls is back in review by StageSlot staff")
    assert texts[1].endswith("Reason: Please add a bio.")


def test_the_staff_member_who_acts_is_not_told(band, people):
    leader, admin, *_ = people

    band_set_status(band=band, status=ApprovalStatus.APPROVED, by=leader)

    assert set(told("band_status")) == {admin.pk}


def test_the_same_status_again_tells_nobody_twice_but_every_change_is_news(band, people):
    leader, *_ = people

    band_set_status(band=band, status=ApprovalStatus.APPROVED)
    band_set_status(band=band, status=ApprovalStatus.APPROVED)
    assert len(told("band_status")[leader.pk]) == 1

    band_set_status(band=band, status=ApprovalStatus.SUSPENDED, reason="Spam")
    band_set_status(band=band, status=ApprovalStatus.APPROVED)
    assert [n.text.split(":")[0] for n in told("band_status")[leader.pk]] == [
        "The Night Owls is approved",
        "The Night Owls is suspended by StageSlot staff",
        "The Night Owls is approved",
    ]


def test_the_recipient_reads_nothing_of_other_bands(band, people):
    *_, outsider = people
    band_set_status(band=band, status=ApprovalStatus.APPROVED)
    assert outsider.pk not in told("band_status")


def test_the_admin_action_goes_through_the_service_and_notifies(client, band, people):
    leader, admin, *_ = people
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    response = client.post(reverse("admin:bands_band_changelist"), {"action": "approve", "_selected_action": [band.pk]})

    assert response.status_code == 302
    assert set(told("band_status")) == {leader.pk, admin.pk}


# ---- Someone joins through an invite --------------------------------------------------------


def test_a_new_member_through_an_invite_is_announced_to_the_leaders_and_admins(band, people):
    leader, admin, _member, _outsider = people
    sam = UserFactory(display_name="Sam")

    band_invite_accept(invite=BandInviteFactory(band=band), user=sam)

    notes = told("invite_accepted")
    assert set(notes) == {leader.pk, admin.pk}
    note = notes[leader.pk][0]
    assert people_draw(note.text) == "Sam joined The Night Owls as a member (through an invite)."
    assert note.link == reverse("bands:members", args=["the-night-owls"])


def test_an_admin_invite_says_admin(band, people):
    leader, *_ = people

    band_invite_accept(
        invite=BandInviteFactory(band=band, role=Membership.Role.ADMIN), user=UserFactory(display_name="Kim")
    )

    note = told("invite_accepted")[leader.pk][0]
    assert people_draw(note.text) == "Kim joined The Night Owls as an admin (through an invite)."


def test_joining_again_tells_nobody_again(band, people):
    leader, *_ = people
    invite = BandInviteFactory(band=band, max_uses=5)
    sam = UserFactory(display_name="Sam")

    band_invite_accept(invite=invite, user=sam)
    band_invite_accept(invite=invite, user=sam)

    assert len(told("invite_accepted")[leader.pk]) == 1


def test_an_admin_who_joins_through_an_invite_is_not_told_of_themselves(band, people):
    leader, admin, *_ = people
    kim = UserFactory(display_name="Kim")

    band_invite_accept(invite=BandInviteFactory(band=band, role=Membership.Role.ADMIN), user=kim)

    assert set(told("invite_accepted")) == {leader.pk, admin.pk}
