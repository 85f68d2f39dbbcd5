"""Writes of a gig's day sheet: its details and its advancing checklist.

Only the side that runs the day writes them (the venue's staff, the client of a private event, the host
band of its own show); the band reads them and sees what is still open. Both services lock the booking's
row first, so two people saving or ticking at once queue instead of losing a change or colliding on the
checklist's unique (booking, item).
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import WHEN, NotificationItem, lazy_text, notifications_create, notifications_create_many
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking
from bookings.selectors.bookings import band_players, manages_band_of
from bookings.services.marks import job_mark, job_mark_set

from ..models import AdvanceComment, AdvanceItem, DaySheet, Side
from ..selectors.day_sheets import (
    ITEM_OWNER,
    ITEMS,
    advance_rows,
    bookings_fallen_due,
    bookings_to_remind,
    contact_people,
    gig_date,
    is_editable,
    item_labels,
    runs_the_day,
    side_people,
    side_people_many,
    sides_of,
)

TEXT_FIELDS = (
    "venue_contact_name",
    "venue_contact_phone",
    "venue_contact_email",
    "band_contact_name",
    "band_contact_phone",
    "band_contact_email",
    "backline",
    "hospitality",
    "accommodation",
    "parking",
    "notes",
)
TIME_FIELDS = ("load_in_at", "soundcheck_at", "doors_at", "curfew_at")
PERSON_FIELDS = ("venue_contact_person",)
FIELDS = TEXT_FIELDS + TIME_FIELDS + PERSON_FIELDS
# How far from the gig a time of its day may lie: a load-in the morning before an evening show, a
# curfew after a late end.
EARLIEST_BEFORE = dt.timedelta(hours=14)
LATEST_AFTER = dt.timedelta(hours=6)


def _refuse_unless_runner(booking: Booking, by: User, *, now: dt.datetime) -> None:
    if not runs_the_day(booking, by):
        raise BookingPermissionError(
            _("Only the side that runs the day (the venue, the client or the host) writes the day sheet.")
        )
    _refuse_unless_open(booking, now=now)


def _refuse_unless_open(booking: Booking, *, now: dt.datetime) -> None:
    if booking.status not in (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS):
        raise BookingError(_("This gig is not booked, so its day sheet cannot change."))
    if not is_editable(booking, now=now):
        raise BookingError(_("This gig is over, so its day sheet stays as it was."))


def day_sheet_times_errors(*, booking: Booking, times: Mapping[str, dt.datetime | None]) -> dict[str, str]:
    """What is wrong with the day's times, by field: each within the gig's day (from 14 hours before
    the gig to 6 hours after it), load-in ≤ soundcheck ≤ doors ≤ the act's set, and the curfew after
    the set."""
    errors: dict[str, str] = {}
    earliest, latest = booking.starts_at - EARLIEST_BEFORE, booking.ends_at + LATEST_AFTER
    set_starts = booking.set_starts_at or booking.starts_at
    set_ends = booking.set_ends_at or booking.ends_at
    for name in TIME_FIELDS:
        value = times.get(name)
        if value is not None and not earliest <= value <= latest:
            errors[name] = _(
                "This is not on the gig's day: pick a time from 14 hours before the gig to 6 hours after it."
            )
    load_in, soundcheck, doors, curfew = (times.get(name) for name in TIME_FIELDS)
    if "load_in_at" not in errors and load_in is not None and load_in > set_starts:
        errors["load_in_at"] = _("The load-in comes before the set starts.")
    if "soundcheck_at" not in errors and soundcheck is not None:
        if load_in is not None and soundcheck < load_in:
            errors["soundcheck_at"] = _("The soundcheck comes after the load-in.")
        elif soundcheck > set_starts:
            errors["soundcheck_at"] = _("The soundcheck comes before the set starts.")
    if "doors_at" not in errors and doors is not None:
        if doors > set_starts:
            errors["doors_at"] = _("The doors open before the set starts.")
        elif soundcheck is not None and doors < soundcheck:
            errors["doors_at"] = _("The doors open after the soundcheck.")
    if "curfew_at" not in errors and curfew is not None and curfew < set_ends:
        errors["curfew_at"] = _("The curfew comes after the set ends.")
    return errors


def day_sheet_update(*, booking: Booking, by: User, now: dt.datetime | None = None, **fields: Any) -> DaySheet:
    """Write the given details of the gig's day sheet (any of FIELDS; the others stay as they were).

    Raises BookingPermissionError for anyone but the side that runs the day, BookingError when the gig
    is not booked or is over, TypeError for a field the sheet does not have, and ValidationError (by
    field) when a time is off the gig's day or out of order (load-in, soundcheck, doors, set, curfew).
    Nothing is written on a refusal.
    """
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"day_sheet_update() got unknown fields: {', '.join(sorted(unknown))}")
    now = now or timezone.now()
    _refuse_unless_runner(booking, by, now=now)
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status != booking.status or locked.ends_at != booking.ends_at:
            raise BookingConflict(_("This gig changed meanwhile: reload the page and try again."))
        sheet = DaySheet.objects.filter(booking_id=locked.pk).first() or DaySheet(booking=locked)
        times = {name: fields.get(name, getattr(sheet, name)) for name in TIME_FIELDS}
        errors = day_sheet_times_errors(booking=locked, times=times)
        if errors:
            raise ValidationError(errors)
        person = fields.get("venue_contact_person")
        if person is not None and person.pk not in {p.pk for p in contact_people(locked, Side.VENUE)}:
            raise ValidationError(
                {"venue_contact_person": [_("Pick someone of your side, or type the contact's details.")]}
            )
        for name, value in fields.items():
            setattr(sheet, name, value if value is not None or name in TIME_FIELDS + PERSON_FIELDS else "")
        for side in ("venue", "band"):
            _contact_settle(sheet, side, fields)
        sheet.updated_by = by
        sheet.full_clean(exclude=["booking", "updated_by"])
        sheet.save()
    return sheet


BAND_CONTACT_FIELDS = ("band_contact_name", "band_contact_phone", "band_contact_email")


def _contact_settle(sheet: DaySheet, side: str, fields: Mapping[str, Any]) -> None:
    """One contact per side: someone picked by their account (their name and email are drawn, never copied), or
    someone typed by hand. A picked person empties the typed name and email; a name or an email typed now, with
    nobody picked in the same write, replaces the picked person. The phone is the day's, kept either way."""
    person_field = f"{side}_contact_person"
    if fields.get(person_field) is not None:
        setattr(sheet, f"{side}_contact_name", "")
        setattr(sheet, f"{side}_contact_email", "")
    elif any(fields.get(f"{side}_contact_{part}") for part in ("name", "email")):
        setattr(sheet, person_field, None)


def day_sheet_band_contact_set(
    *,
    booking: Booking,
    by: User,
    name: str = "",
    phone: str = "",
    email: str = "",
    person: User | None = None,
    now: dt.datetime | None = None,
) -> DaySheet:
    """The band's leaders and admins write who to call on their side on the day (the rest of the sheet
    is the venue's, the client's or the host's to write): `person`, one of the band's members, by reference
    (their name and email are drawn from their account when shown), or someone typed by hand (`name`,
    `email`); the phone for the day either way. Raises BookingPermissionError for anyone else,
    BookingError when the gig is not booked or is over, ValidationError (by field) for a bad email, a
    value too long or a person not in the band. Nothing is written on a refusal."""
    now = now or timezone.now()
    if not manages_band_of(booking, by):
        raise BookingPermissionError(_("Only the band's leaders and admins write the band's contact."))
    if booking.status not in (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS):
        raise BookingError(_("This gig is not booked, so its day sheet cannot change."))
    if not is_editable(booking, now=now):
        raise BookingError(_("This gig is over, so its day sheet stays as it was."))
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        sheet = DaySheet.objects.filter(booking_id=locked.pk).first() or DaySheet(booking=locked)
        if person is not None and person.pk not in {p.pk for p in contact_people(locked, Side.BAND)}:
            raise ValidationError({"band_contact_person": [_("Pick a member of the band, or type the details.")]})
        sheet.band_contact_person = person
        sheet.band_contact_name, sheet.band_contact_phone, sheet.band_contact_email = name, phone, email
        _contact_settle(
            sheet, "band", {"band_contact_person": person, "band_contact_name": name, "band_contact_email": email}
        )
        sheet.updated_by = by
        sheet.full_clean(exclude=["booking", "updated_by"])
        sheet.save()
    return sheet


def advance_item_set(
    *, booking: Booking, item: str, by: User, advanced: bool, note: str = "", now: dt.datetime | None = None
) -> AdvanceItem:
    """Mark one item of the gig's checklist as advanced (confirmed) or reopen it.

    Marking an item that is already advanced keeps who advanced it first (a note given replaces the
    note); reopening clears the moment and who did it. When this makes every item advanced, the band's
    members are told once. Raises ValidationError for an item the checklist does not have,
    BookingPermissionError for anyone but the side that runs the day and, for the items the band owns
    (set times, running order, files by default), the band's leaders and admins; BookingError when the
    gig is not booked or is over.
    """
    if item not in AdvanceItem.Item.values:
        raise ValidationError({"item": _("The checklist has no item “%(item)s”.") % {"item": item[:40]}})
    if len(note) > AdvanceItem._meta.get_field("note").max_length:
        raise ValidationError({"note": _("Keep the note to 300 characters.")})
    now = now or timezone.now()
    row = AdvanceItem.objects.filter(booking_id=booking.pk, item=item).first()
    owner = (row.owner if row is not None else "") or ITEM_OWNER[item]
    if owner == Side.BAND and not runs_the_day(booking, by) and Side.BAND in sides_of(booking, by):
        _refuse_unless_open(booking, now=now)
    else:
        _refuse_unless_runner(booking, by, now=now)
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status not in (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS):
            raise BookingConflict(_("This gig changed meanwhile: reload the page and try again."))
        row = AdvanceItem.objects.filter(booking_id=locked.pk, item=item).first()
        if row is None:
            row = AdvanceItem(booking=locked, item=item)
        was_advanced = row.is_advanced
        if advanced and not was_advanced:
            row.advanced_at, row.advanced_by = now, by
        elif not advanced:
            row.advanced_at, row.advanced_by = None, None
        if note or not advanced:
            row.note = note
        row.save()
        if advanced and not was_advanced:
            _tell_band_when_all_advanced(booking=locked, by=by)
    return row


def _tell_band_when_all_advanced(*, booking: Booking, by: User) -> None:
    done = AdvanceItem.objects.filter(booking_id=booking.pk, advanced_at__isnull=False).count()
    if done < len(ITEMS):
        return
    # The checklist complete again after a reopen is news again: the key carries the moment it was completed.
    latest = AdvanceItem.objects.filter(booking_id=booking.pk).latest("updated_at").updated_at
    notifications_create(
        recipients=band_players(booking.band_id),
        kind="gig_advanced",
        text=lazy_text(
            gettext_lazy("Everything on the day sheet of your gig on %(when)s is confirmed."),
            when=WHEN,
        ),
        link=reverse("documents:day_sheet", args=[booking.uid]),
        key=f"gig_advanced:{booking.pk}:{latest.timestamp():.0f}",
        actor=by,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )


# ---- Who confirms what by when, comments, reminders ------------------------------------------------

# How far before the gig a due date may lie.
EARLIEST_DUE = dt.timedelta(days=365)


def advance_item_plan_set(
    *, booking: Booking, item: str, by: User, owner: str, due_on: dt.date, now: dt.datetime | None = None
) -> AdvanceItem:
    """The side that runs the day says whose an item is to confirm and by when (a date of the gig's zone,
    on or before the gig's date and at most a year before it). Raises ValidationError (by field) for an
    unknown item or side or a due date off that range, BookingPermissionError for anyone but the side
    that runs the day, BookingError when the gig is not booked or is over. Nothing changes on a refusal."""
    errors = {}
    if item not in AdvanceItem.Item.values:
        errors["item"] = _("The checklist has no item “%(item)s”.") % {"item": item[:40]}
    if owner not in Side.values:
        errors["owner"] = _("Say which side confirms this item.")
    date = gig_date(booking)
    if not isinstance(due_on, dt.date) or not date - EARLIEST_DUE <= due_on <= date:
        errors["due_on"] = _("Pick a due date on or before the gig's date, at most a year before it.")
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    _refuse_unless_runner(booking, by, now=now)
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status not in (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS):
            raise BookingConflict(_("This gig changed meanwhile: reload the page and try again."))
        row = AdvanceItem.objects.filter(booking_id=locked.pk, item=item).first() or AdvanceItem(
            booking=locked, item=item
        )
        row.owner, row.due_on = owner, due_on
        row.save()
    return row


COMMENT_MAX = AdvanceComment._meta.get_field("text").max_length


def advance_comment_post(
    *, booking: Booking, item: str, by: User, text: str, now: dt.datetime | None = None
) -> AdvanceComment:
    """A comment on one item of the checklist, by the side that runs the day or the band's leaders and
    admins; the other side's people are told once per comment. Raises ValidationError (by field) for an
    unknown item or a comment empty or over 1000 characters, BookingPermissionError for anyone who speaks
    for neither side, BookingError when the gig is not booked or is over."""
    text = (text or "").strip()
    errors = {}
    if item not in AdvanceItem.Item.values:
        errors["item"] = _("The checklist has no item “%(item)s”.") % {"item": item[:40]}
    if not text:
        errors["text"] = _("Write a comment.")
    elif len(text) > COMMENT_MAX:
        errors["text"] = _("Keep the comment to 1000 characters.")
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    sides = sides_of(booking, by)
    if not sides:
        raise BookingPermissionError(
            _("Only the side that runs the day and the band's leaders comment on the day sheet.")
        )
    _refuse_unless_open(booking, now=now)
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status not in (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS):
            raise BookingConflict(_("This gig changed meanwhile: reload the page and try again."))
        comment = AdvanceComment.objects.create(booking=locked, item=item, author=by, text=text)
        others = [side for side in Side.values if side not in sides] or list(Side.values)
        people: dict[int, User] = {}
        for side in others:
            people.update({person.pk: person for person in side_people(booking, side)})
        notifications_create(
            recipients=people.values(),
            kind="advance_comment",
            text=lazy_text(
                gettext_lazy("%(who)s on “%(item)s” of the day sheet for %(when)s: %(text)s"),
                who=by.name,
                item=AdvanceItem.Item(item).label,
                when=WHEN,
                text=text[:200],
            ),
            link=reverse("documents:day_sheet", args=[booking.uid]) + f"#item-{item}",
            key=f"advance_comment:{comment.pk}",
            actor=by,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
        )
    return comment


REMINDERS_JOB = "gigs-advance-reminders"
# How far before its mark a run reads the changed gigs and checklists again: a change is stamped when it is
# written, and its transaction may commit after the last run read.
CHANGES_OVERLAP = dt.timedelta(minutes=10)

_date_lazy = lazy(lambda day: date_format(day, "DATE_FORMAT"), str)


def advance_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind the owner side of each open item of a booked gig still to come: once when it is due within
    two days, once when it is late. Each reminder's key names the booking, the item, its due date and
    which reminder it is, so a rerun (or a second scheduler) tells nobody twice; a due date moved later
    is news again. Returns how many notifications were made.

    After its first run it reads only the gigs whose reminder may have fallen due since its mark
    (bookings_fallen_due): a day begun where the gig is, or a change of the gig or its checklist. Someone who
    joins a side later is not reminded of what fell due before. A run for a moment before the mark reads
    every gig, as the first."""
    now = now or timezone.now()
    items: list[NotificationItem] = []
    due = []
    labels = item_labels()  # once, not once a gig
    gigs = bookings_to_remind(now=now)
    mark = job_mark(REMINDERS_JOB, now=now)
    if mark is not None:
        # Only the gigs whose reminder may have fallen due since the last run (decision 0092).
        fallen = bookings_fallen_due(since=mark, changed_since=mark - CHANGES_OVERLAP, now=now)
        gigs = gigs.filter(pk__in=fallen) if fallen else gigs.none()
    for booking in gigs:
        marks = {mark.item: mark for mark in booking.advance_items.all()}
        rows = advance_rows(booking=booking, marks=marks, now=now, labels=labels)
        rows = [row for row in rows if row.due_soon or row.late]
        if rows:
            due.append((booking, rows))
    # Who each side is, for every gig at once (two queries, not two a gig); notifications_create_many
    # leaves out whoever was told already before writing anything (decision 0092).
    people_of = side_people_many(due)
    for booking, rows in due:
        people = {side: people_of(booking, side) for side in {row.owner for row in rows}}
        link = reverse("documents:day_sheet", args=[booking.uid])
        for row in rows:
            if row.late:
                what, text = (
                    "late",
                    gettext_lazy("“%(item)s” on the day sheet for %(when)s is late: please confirm it."),
                )
            else:
                what, text = "due", gettext_lazy("“%(item)s” on the day sheet for %(when)s is due by %(due)s.")
            items.append(
                NotificationItem(
                    recipients=people[row.owner],
                    kind="advance_due",
                    text=lazy_text(text, item=AdvanceItem.Item(row.key).label, when=WHEN, due=_date_lazy(row.due_on)),
                    key=f"advance_{what}:{booking.pk}:{row.key}:{row.due_on.isoformat()}",
                    link=f"{link}#item-{row.key}",
                    starts_at=booking.starts_at,
                    ends_at=booking.ends_at,
                )
            )
    made = 0
    if items:
        with transaction.atomic():
            made = len(notifications_create_many(items=items))
    job_mark_set(REMINDERS_JOB, now)
    return made
