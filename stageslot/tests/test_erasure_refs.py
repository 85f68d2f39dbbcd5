"""An erasure changes only what is the person's (issue 82, docs/decisions/0131).

People named like a city ("Berlin"), a venue ("Kellerbar"), a word ("band", "the"), a band ("The Night Owls")
and a fellow member of the band act: they write in a booking's thread, a fellow member is busy so the gig is
accepted anyway with a stand-in, they are told of it all. Then they are closed and erased through the real
service. Every text column (CharField, TextField, JSONField) of every row of every installed model is read
before and after: no cell of a row that is not theirs (their User row, and the rows the person-data map
names them in by a `person` key) changed, and no row is gone that was not theirs – but for the day sheet's
band contact the venue gave as the fellow member with her exact address, emptied whole. No text cell anywhere
still holds the fellow member's name, email address or phone (what StageSlot wrote names her by reference)."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import Notification, User
from accounts.people import people_draw
from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.models import BookingEvent
from bookings.services import asking
from bookings.services.answering import booking_accept, booking_stand_in_plan
from bookings.services.threads import message_post
from bookings.tests.factories import SlotFactory
from bookings.tests.test_detail_views import make_world
from gigs.models import DaySheet
from stageslot.privacy.erasure import account_close, account_erase
from stageslot.privacy.person_data import MAP, legal_hold_fields

pytestmark = [pytest.mark.django_db]

TEXT = (models.CharField, models.TextField, models.JSONField)
NAMES = ("Berlin", "Kellerbar", "band", "The Night Owls", "the")
FELLOW = "Mara Fellowes"
FELLOW_EMAIL = "mara.fellowes@example.test"
FELLOW_PHONE = "+49 170 5550123"


def _text_fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, TEXT) and not f.primary_key]


def snapshot() -> dict[tuple[str, object], tuple]:
    """(model, pk) → its text columns' values, for every row of every installed model with text."""
    rows = {}
    for model in apps.get_models():
        texts = _text_fields(model)
        if texts:
            for row in model._base_manager.values_list("pk", *texts):
                rows[(model._meta.label, row[0])] = row[1:]
    return rows


def theirs(erased: set[int]) -> set[tuple[str, object]]:
    """The rows that are the erased people's: their User rows, and every row the person-data map names them in
    by a `person` key (a row tied to them otherwise, as the actor of someone else's notification, is not)."""
    found = {("accounts.User", pk) for pk in erased}
    for entry in MAP:
        if not entry.person:
            continue
        model = apps.get_model(entry.label)
        mine = Q()
        for key in entry.person:
            mine |= Q(**{f"{key}__in": erased})
        found |= {(entry.label, pk) for pk in model._base_manager.filter(mine).values_list("pk", flat=True)}
    return found


def cells_holding(*needles: str) -> list[str]:
    """Every text cell of every table (the fields kept by law apart) that holds one of the needles."""
    held = legal_hold_fields()
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT) or (model._meta.label, field.name) in held:
                continue
            column = Cast(field.name, models.TextField()) if isinstance(field, models.JSONField) else F(field.name)
            query = Q()
            for needle in needles:
                query |= Q(scan__icontains=needle)
            values = model._base_manager.annotate(scan=column).filter(query).values_list("scan", flat=True)
            found += [f"{model._meta.label}.{field.name}: {value[:160]}" for value in values]
    return found


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    world = make_world()
    world.named = [UserFactory(display_name=name, time_zone="Europe/Berlin") for name in NAMES]
    world.fellow = UserFactory(display_name=FELLOW, email=FELLOW_EMAIL)
    world.erased = [*world.named, world.fellow]
    for person in world.named:
        MembershipFactory(band=world.band, user=person, role=Membership.Role.MEMBER, required=False)
    MembershipFactory(band=world.band, user=world.fellow, role=Membership.Role.MEMBER, required=True)
    # The fellow member plays another gig at the same time: the application is accepted anyway.
    MembershipFactory(band=world.other_band, user=world.fellow, role=Membership.Role.MEMBER)
    clash = SlotFactory(
        venue=world.other_venue, starts_at=world.application.starts_at, ends_at=world.application.ends_at
    )
    with django_capture_on_commit_callbacks(execute=True):
        other = asking.booking_apply(slot=clash, band=world.other_band, by=world.other_leader, role="headliner")
        booking_accept(booking=other, by=world.other_owner)
        message_post(
            booking=world.application,
            by=world.owner,
            body="The band headline at Kellerbar, the gig The Night Owls open in Berlin; the stage is ours.",
        )
        for person in world.erased:
            message_post(booking=world.application, by=person, body="See you at the gig.")
        booking_stand_in_plan(booking=world.application, by=world.leader)
        booking_accept(booking=world.application, by=world.owner)
    # The venue typed the fellow member in as the band's contact, with her address: a contact that is hers.
    world.sheet = DaySheet.objects.create(
        booking=world.application,
        updated_by=world.owner,
        venue_contact_name="Kellerbar's bar, ask for the band room",
        venue_contact_phone="+49 30 5550000",
        band_contact_name=FELLOW,
        band_contact_phone=FELLOW_PHONE,
        band_contact_email=FELLOW_EMAIL,
        notes="The band plays in Berlin; the Night Owls open.",
    )
    return world


def test_erasing_people_named_like_a_city_a_venue_a_band_a_word_and_a_member_changes_no_one_elses_cell(world):
    erased = {p.pk for p in world.erased}
    mine = theirs(erased)
    before = snapshot()
    # The world holds the words they are named like, in other people's rows, so the test can fail.
    words = " ".join(str(cell) for key, texts in before.items() if key not in mine for cell in texts)
    for name in (*NAMES, "Europe/Berlin"):
        assert name in words, name
    assert Notification.objects.filter(actor__in=erased).exclude(recipient__in=erased).exists()
    note = BookingEvent.objects.get(booking=world.application, to_status="booked").note
    assert note.startswith("Accepted anyway") and f"{FELLOW} is busy" in people_draw(note)
    assert FELLOW not in note  # by reference

    now = timezone.now()
    for person in world.erased:
        closure = account_close(user=person, now=now)
        assert account_erase(closure_id=closure.pk, now=now + dt.timedelta(days=31))

    after = snapshot()
    others = [key for key in before if key not in mine]
    changed = [(key, before[key], after[key]) for key in others if key in after and after[key] != before[key]]
    gone = [key for key in others if key not in after]
    assert len(others) > 100
    cells = sum(len(before[key]) for key in others)
    print(f"\nErased {len(world.erased)} people; compared {len(others)} rows of others ({cells} text cells).")
    # The one row of someone else's that changed: the day sheet's band contact, hers, emptied whole (by her
    # exact address, never by her name); the venue's words beside it are as they were.
    contact = ("gigs.DaySheet", world.sheet.pk)
    assert [key for key, _before, _after in changed] == [contact], changed[:5]
    changed = [row for row in changed if row[0] != contact]
    sheet = DaySheet.objects.get(pk=world.sheet.pk)
    assert (sheet.band_contact_name, sheet.band_contact_phone, sheet.band_contact_email) == ("", "", "")
    assert sheet.notes == "The band plays in Berlin; the Night Owls open."
    assert sheet.venue_contact_name == "Kellerbar's bar, ask for the band room"
    assert (changed, gone) == ([], []), (changed[:5], gone[:5])

    # Nothing anywhere names the fellow member any more; what was written about her draws "Former member".
    assert cells_holding(FELLOW, FELLOW_EMAIL, FELLOW_PHONE) == []
    note = BookingEvent.objects.get(booking=world.application, to_status="booked").note
    assert "Former member is busy" in people_draw(note)
    assert set(User.objects.filter(pk__in=erased).values_list("display_name", flat=True)) == {""}
