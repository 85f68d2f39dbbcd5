"""A venue's owners and bookers hear when StageSlot staff approve, suspend or return their venue to
review (from the admin too); the staff member who acted, the bands it books and outsiders do not."""

import pytest
from django.urls import reverse

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus
from venues.models import Venue, VenueStaff
from venues.services import venue_set_status

from .factories import VenueFactory, VenueStaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue() -> Venue:
    return VenueFactory(name="Kellerbar", slug="kellerbar", status=ApprovalStatus.PENDING)


@pytest.fixture
def people(venue):
    owner = VenueStaffFactory(venue=venue, role=VenueStaff.Role.OWNER).user
    booker = VenueStaffFactory(venue=venue, role=VenueStaff.Role.BOOKER).user
    outsider = VenueStaffFactory(role=VenueStaff.Role.OWNER).user  # runs another venue
    return owner, booker, outsider


def told() -> dict[int, list[Notification]]:
    result: dict[int, list[Notification]] = {}
    for note in Notification.objects.filter(kind="venue_status").order_by("pk"):
        result.setdefault(note.recipient_id, []).append(note)
    return result


def test_approval_tells_the_owners_and_bookers_with_a_link_to_the_public_page(venue, people):
    owner, booker, _outsider = people

    venue_set_status(venue=venue, status=ApprovalStatus.APPROVED, by=UserFactory(is_staff=True))

    notes = told()
    assert set(notes) == {owner.pk, booker.pk}
    assert notes[owner.pk][0].text == "Kellerbar is approved: its page and public slots are listed now."
    assert notes[owner.pk][0].link == reverse("venues:detail", args=["kellerbar"])


def test_suspension_gives_the_reason_and_links_the_manage_page(venue, people):
    _owner, booker, _outsider = people

    venue_set_status(venue=venue, status=ApprovalStatus.SUSPENDED, reason="The address does not exist.")

    note = Notification.objects.get(kind="venue_status", recipient=booker)
    assert note.text.startswith("Kellerbar is suspended by StageSlot staff")
    assert note.text.endswith("Reason: The address does not exist.")
    assert note.link == reverse("venues:manage", args=["kellerbar"])


def test_returning_to_review_says_so(venue, people):
    owner, *_ = people
    venue_set_status(venue=venue, status=ApprovalStatus.APPROVED)

    venue_set_status(venue=venue, status=ApprovalStatus.PENDING)

    texts = [n.text for n in told()[owner.pk]]
    assert len(texts) == 2
    assert texts[1] == (
        "Kellerbar is back in review by StageSlot staff: it is hidden from public pages until approved."
    )


def test_the_staff_member_who_acts_is_not_told(venue, people):
    owner, booker, _outsider = people

    venue_set_status(venue=venue, status=ApprovalStatus.APPROVED, by=owner)

    assert set(told()) == {booker.pk}


def test_the_same_status_again_tells_nobody_twice_but_every_change_is_news(venue, people):
    owner, *_ = people

    venue_set_status(venue=venue, status=ApprovalStatus.APPROVED)
    venue_set_status(venue=venue, status=ApprovalStatus.APPROVED)
    assert len(told()[owner.pk]) == 1

    venue_set_status(venue=venue, status=ApprovalStatus.SUSPENDED, reason="Spam")
    venue_set_status(venue=venue, status=ApprovalStatus.SUSPENDED, reason="Spam, and fake photos")
    venue_set_status(venue=venue, status=ApprovalStatus.APPROVED)
    assert len(told()[owner.pk]) == 4


def test_outsiders_hear_nothing(venue, people):
    *_, outsider = people
    venue_set_status(venue=venue, status=ApprovalStatus.APPROVED)
    assert outsider.pk not in told()


def test_the_admin_action_goes_through_the_service_and_notifies(client, venue, people):
    owner, booker, _outsider = people
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:venues_venue_changelist"), {"action": "approve", "_selected_action": [venue.pk]}
    )

    assert response.status_code == 302
    assert set(told()) == {owner.pk, booker.pk}
