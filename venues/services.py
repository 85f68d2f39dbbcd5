"""Writes of the venues app."""

import datetime as dt
import uuid
from collections.abc import Callable, Collection, Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.blocks import ContactBlocked, contact_check, email_side, party_side
from accounts.models import User
from bands.invites import invite_check_usable, invite_email_queue, invite_use, invite_withdraw
from bands.models import ApprovalStatus, Genre
from bands.press_kit import approval_status_change, photo_append, photo_delete
from core.fields.scheduling import scheduling_day_problem, scheduling_today
from places.matching import rows_match
from places.models import City
from places.selectors import city_names

from .models import Slot, Stage, Venue, VenueInvite, VenuePhoto, VenueStaff
from .selectors import SLUG_TAKEN, SlotClash, stage_slot_clashes, venue_invite_link_path, venue_slug_problem

PHOTO_LIMIT = 12
DEFAULT_STAGE_NAME = "Main stage"
# The same emailed invite this recently is the one already sent.
INVITE_REPEAT_WINDOW = timedelta(minutes=10)

# What venue staff may set on the profile; status and its reason belong to StageSlot staff.
PROFILE_FIELDS = frozenset(
    {
        "name",
        "description",
        "address",
        "postcode",
        "city",
        "region",
        "country",
        "place",
        "latitude",
        "longitude",
        "exact_point",
        "time_zone",
        "capacity",
        "website",
        "instagram",
        "facebook",
        "tiktok",
        "youtube",
        "spotify",
        "bandcamp",
        "soundcloud",
    }
)


def _venue_people(venue_id: int) -> list[User]:
    return list(User.objects.filter(venue_roles__venue_id=venue_id).order_by("pk"))


def venue_set_status(*, venue: Venue, status: str, reason: str = "", by: User | None = None) -> Venue:
    """Approve, suspend or return a venue to review (staff only; the caller checks).

    Public pages list only approved venues; staff keep seeing a suspended venue with
    the reason. The venue's owners and bookers are told of every change (not of a repeat of
    the same status and reason), except `by`. Raises ValueError for an unknown status.
    """
    return approval_status_change(
        row=venue,
        status=status,
        reason=reason,
        by=by,
        people=_venue_people,
        approved=gettext_lazy("%(name)s is approved: its page and public slots are listed now."),
        suspended=gettext_lazy(
            "%(name)s is suspended by StageSlot staff: it is hidden from public pages and takes no bookings."
        ),
    )


def _check_profile_fields(fields: dict) -> None:
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"Not a venue profile field: {', '.join(sorted(unknown))}")
    if "place" in fields:
        # The city's names are repeated in the text fields that pages and the search show.
        fields.update(city_names(fields["place"]))


def _validate_venue(venue: Venue, *, exclude: list[str] | None = None) -> None:
    """full_clean, plus the length of the description (Django leaves TextField lengths to forms)."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        venue.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    limit = Venue._meta.get_field("description").max_length
    if len(venue.description) > limit:
        errors.setdefault("description", []).append(
            ValidationError(
                _("The description can be at most %(limit)s characters (it has %(length)s)."),
                code="max_length",
                params={"limit": limit, "length": len(venue.description)},
            )
        )
    if errors:
        raise ValidationError(errors)


def venue_create(*, by: User, stage_name: str, genres: Iterable[Genre] = (), slug: str, **fields) -> Venue:
    """Create a venue with its first stage; `by` becomes its owner.

    The venue starts PENDING: its staff see it at once, the public only after StageSlot
    staff approve it. Raises ValidationError (keyed by field) for invalid values, a
    taken or reserved slug, or a bad stage name; nothing is saved then.
    """
    _check_profile_fields(fields)
    venue = Venue(slug=slug, status=ApprovalStatus.PENDING, **fields)
    stage = Stage(name=(stage_name or "").strip() or DEFAULT_STAGE_NAME)
    errors: dict[str, list[ValidationError]] = {}
    try:
        _validate_venue(venue)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if "slug" not in errors and (problem := venue_slug_problem(slug=slug)):
        errors["slug"] = [ValidationError(problem, code="unavailable")]
    try:
        stage.full_clean(exclude=["venue"], validate_constraints=False)
    except ValidationError as exc:
        errors["stage_name"] = exc.message_dict.get("name", exc.messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            venue.save()
            venue.genres.set(genres)
            stage.venue = venue
            stage.save()
            VenueStaff.objects.create(venue=venue, user=by, role=VenueStaff.Role.OWNER)
    except IntegrityError:
        # Another venue took the slug between the check and the insert.
        if Venue.objects.filter(slug=slug).exists():
            raise ValidationError({"slug": ValidationError(SLUG_TAKEN, code="unique")}) from None
        raise
    return venue


def venue_update(*, venue: Venue, genres: Iterable[Genre] | None = None, **fields) -> Venue:
    """Change a venue's profile (place, description, capacity, links, genres).

    The slug and the approval status do not change here. Raises ValidationError
    (keyed by field) for invalid values; nothing is saved then.
    """
    _check_profile_fields(fields)
    for name, value in fields.items():
        setattr(venue, name, value)
    _validate_venue(venue, exclude=["slug"])
    with transaction.atomic():
        venue.save(update_fields=[*fields, "updated_at"])
        if genres is not None:
            venue.genres.set(genres)
    return venue


def venues_place_match(*, venues: Iterable[Venue]) -> tuple[list[Venue], list[Venue]]:
    """Match the typed city of each venue without a gazetteer city (staff, in the admin): a venue
    whose city and country name exactly one city gets it, and it and its slots the city's point
    (unless it has its own); the others are returned unmatched, never guessed. Returns (matched,
    unmatched); venues that have a city already are left alone."""
    rows = [v for v in venues if v.place_id is None and (v.city or "").strip()]
    matched, unmatched = rows_match(rows, city_model=City)
    with transaction.atomic():
        for venue in matched:
            if venue.exact_point:
                # rows_match puts the city's point on the row; a point of the venue's own stays.
                venue.latitude, venue.longitude = Venue.objects.values_list("latitude", "longitude").get(pk=venue.pk)
            venue.save(update_fields=["place", "updated_at"])
    return matched, unmatched


# ---- Stages ------------------------------------------------------------------------------


def _stage_name_taken(*, venue: Venue, name: str, exclude_pk: int | None = None) -> bool:
    qs = Stage.objects.filter(venue=venue, name__iexact=name)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _stage_name_error() -> ValidationError:
    return ValidationError(
        {"name": ValidationError(_("This venue already has a stage with this name."), code="unique")}
    )


def stage_add(*, venue: Venue, name: str, capacity: int | None = None, notes: str = "") -> Stage:
    """Add a named stage to a venue. Raises ValidationError when the name is empty, too long or taken."""
    stage = Stage(venue=venue, name=name.strip(), capacity=capacity, notes=notes.strip())
    stage.full_clean(exclude=["venue"], validate_constraints=False)
    with transaction.atomic():
        Venue.objects.select_for_update().filter(pk=venue.pk).first()
        if _stage_name_taken(venue=venue, name=stage.name):
            raise _stage_name_error()
        stage.save()
    return stage


def stage_update(*, stage: Stage, name: str, capacity: int | None = None, notes: str = "") -> Stage:
    """Rename a stage or change its capacity and notes. Raises ValidationError like stage_add."""
    stage.name, stage.capacity, stage.notes = name.strip(), capacity, notes.strip()
    stage.full_clean(exclude=["venue"], validate_constraints=False)
    with transaction.atomic():
        Venue.objects.select_for_update().filter(pk=stage.venue_id).first()
        if _stage_name_taken(venue=stage.venue, name=stage.name, exclude_pk=stage.pk):
            raise _stage_name_error()
        stage.save(update_fields=["name", "capacity", "notes"])
    return stage


def stage_delete(*, stage: Stage) -> None:
    """Delete a stage. A venue always keeps one: deleting its last stage raises ValidationError("last_stage").

    The venue row is locked so two people deleting the last two stages at once cannot both succeed.
    """
    with transaction.atomic():
        Venue.objects.select_for_update().filter(pk=stage.venue_id).first()
        if Slot.objects.filter(stage_id=stage.pk).exists():
            raise ValidationError(
                _("Slots are posted on this stage, so it cannot be deleted. Rename it, or cancel its slots first."),
                code="stage_has_slots",
            )
        if Stage.objects.filter(venue_id=stage.venue_id).count() <= 1:
            raise ValidationError(
                _("A venue needs at least one stage, so its last stage cannot be deleted. Rename it instead."),
                code="last_stage",
            )
        Stage.objects.filter(pk=stage.pk).delete()


# ---- Photos ------------------------------------------------------------------------------


def venue_photo_add(*, venue: Venue, image: ContentFile, caption: str = "") -> VenuePhoto:
    """Add a photo at the end of the venue's gallery.

    `image` must already be validated and re-encoded (core.files.images.image_clean).
    Raises ValidationError("photo_limit") when the venue already has PHOTO_LIMIT photos.
    """
    with transaction.atomic():
        Venue.objects.select_for_update().filter(pk=venue.pk).first()
        return photo_append(
            photo=VenuePhoto(venue=venue, caption=caption.strip()[:200]),
            siblings=VenuePhoto.objects.filter(venue=venue),
            image=image,
            limit=PHOTO_LIMIT,
            full=ValidationError(
                ngettext(
                    "A venue can show at most %(count)d photo. Delete one to add another.",
                    "A venue can show at most %(count)d photos. Delete one to add another.",
                    PHOTO_LIMIT,
                )
                % {"count": PHOTO_LIMIT},
                code="photo_limit",
            ),
        )


def venue_photo_delete(*, photo: VenuePhoto) -> None:
    """Delete a photo; its file is removed once the deletion has committed."""
    with transaction.atomic():
        photo_delete(photo=photo)


# ---- Staff -------------------------------------------------------------------------------


def _last_owner_error(message: str) -> ValidationError:
    return ValidationError(message, code="last_owner")


def _check_own_staff(staff: VenueStaff) -> None:
    """A venue group's booker is on the staff through the group: the group's people and the link decide."""
    if staff.group_id is not None:
        raise ValidationError(
            _("%(person)s books for this venue through its venue group. End the group's access to change that.")
            % {"person": staff.user.name},
            code="through_group",
        )


def venue_group_staff_sync(*, venue_id: int, group_id: int, user_ids: Collection[int]) -> None:
    """Make exactly `user_ids` the venue's bookers through the venue group `group_id` (teams calls this
    when a group starts or stops running the venue, and when its people or their roles change).

    Someone on the venue's own staff keeps their own row. Call inside the caller's transaction.
    """
    wanted = set(user_ids)
    VenueStaff.objects.filter(venue_id=venue_id, group_id=group_id).exclude(user_id__in=wanted).delete()
    present = set(VenueStaff.objects.filter(venue_id=venue_id, user_id__in=wanted).values_list("user_id", flat=True))
    VenueStaff.objects.bulk_create(
        [
            VenueStaff(venue_id=venue_id, user_id=pk, role=VenueStaff.Role.BOOKER, group_id=group_id)
            for pk in sorted(wanted - present)
        ],
        ignore_conflicts=True,
    )


def venue_staff_set_role(*, staff: VenueStaff, role: str) -> VenueStaff:
    """Make a staff member an owner or a booker.

    Raises ValidationError("last_owner") when this would leave the venue without an owner.
    The venue row is locked so two owners demoting each other at once cannot both succeed.
    """
    if role not in VenueStaff.Role.values:
        raise ValidationError(_("Unknown role %(role)s.") % {"role": repr(role)}, code="invalid_role")
    with transaction.atomic():
        Venue.objects.select_for_update().filter(pk=staff.venue_id).first()
        staff = VenueStaff.objects.select_related("user").get(pk=staff.pk)
        _check_own_staff(staff)
        if staff.role == role:
            return staff
        if staff.role == VenueStaff.Role.OWNER:
            owners = VenueStaff.objects.filter(venue_id=staff.venue_id, role=VenueStaff.Role.OWNER).count()
            if owners <= 1:
                raise _last_owner_error(
                    _("%(person)s is the only owner. Make someone else an owner first, then change this role.")
                    % {"person": staff.user.name}
                )
        staff.role = role
        staff.save(update_fields=["role"])
    return staff


def venue_staff_remove(*, staff: VenueStaff) -> None:
    """Take someone off the venue's staff (an owner removing them, or they leave).

    Raises ValidationError("last_owner") for the venue's only owner, who must hand over first.
    """
    with transaction.atomic():
        Venue.objects.select_for_update().filter(pk=staff.venue_id).first()
        staff = VenueStaff.objects.select_related("user").get(pk=staff.pk)
        _check_own_staff(staff)
        if staff.role == VenueStaff.Role.OWNER:
            owners = VenueStaff.objects.filter(venue_id=staff.venue_id, role=VenueStaff.Role.OWNER).count()
            if owners <= 1:
                raise _last_owner_error(
                    _("%(person)s is the only owner, and a venue always needs one. Make someone else an owner first.")
                    % {"person": staff.user.name}
                )
        staff.delete()


# ---- Invites -----------------------------------------------------------------------------


def venue_invite_create(
    *,
    venue: Venue,
    by: User,
    role: str,
    max_uses: int = 1,
    valid_for: timedelta = timedelta(days=14),
    email: str = "",
    site_url: str = "",
) -> VenueInvite:
    """Create an invite link to join the venue's staff, and email it when `email` is given.

    `site_url` ("https://stageslot.example") makes the emailed link absolute. The email
    is queued only once the invite has committed. Raises ValidationError for a role,
    number of uses (1–100) or validity (1–30 days) out of range. The same emailed invite within
    INVITE_REPEAT_WINDOW is the one already sent. Raises ValidationError on `email` when the account of that
    address and the venue's side (the venue, its staff, the one who invites) blocked one another
    (accounts.blocks.contact_check: nothing written, no mail).
    """
    if not timedelta(days=1) <= valid_for <= timedelta(days=30):
        raise ValidationError(_("An invite is valid for 1 to 30 days."), code="valid_for")
    invite = VenueInvite(
        venue=venue,
        role=role,
        max_uses=max_uses,
        email=email.strip().lower(),
        created_by=by,
        expires_at=timezone.now() + valid_for,
    )
    invite.full_clean(exclude=["venue", "created_by"], validate_constraints=False)
    if invite.email:
        try:
            contact_check(
                asking=party_side(venue_ids=[venue.pk], user_ids=[by.pk]),
                asked=email_side(invite.email),
                name=invite.email,
            )
        except ContactBlocked as exc:
            raise ValidationError({"email": [str(exc)]}) from None
    with transaction.atomic():
        # The same emailed invite again at once (a resent form): the one already sent, no second mail.
        if invite.email:
            same = VenueInvite.objects.filter(
                venue=venue,
                email=invite.email,
                role=role,
                created_by=by,
                uses=0,
                revoked_at=None,
                created_at__gte=timezone.now() - INVITE_REPEAT_WINDOW,
            ).first()
            if same is not None:
                return same
        invite.save()
        if invite.email:
            invite_email_queue(
                invite=invite,
                by=by,
                name=venue.name,
                time_zone=venue.time_zone,
                link=site_url.rstrip("/") + venue_invite_link_path(invite=invite),
                subject_template="venues/email/invite_subject.txt",
            )
    return invite


def venue_invite_revoke(*, invite: VenueInvite) -> VenueInvite:
    """Withdraw an invite so its link stops working; revoking twice keeps the first time."""
    with transaction.atomic():
        return invite_withdraw(invites=VenueInvite.objects.all(), pk=invite.pk)


def venue_invite_accept(*, invite: VenueInvite, user: User) -> VenueStaff:
    """Join the venue's staff with an invite, in the invite's role.

    The invite row is locked, so concurrent joiners queue and its uses never exceed
    max_uses. Someone already on the staff gets their existing row back and uses no
    place. Raises InviteError (code "revoked", "expired" or "used_up").
    """
    with transaction.atomic():
        invite = VenueInvite.objects.select_for_update().get(pk=invite.pk)
        invite_check_usable(invite)
        existing = VenueStaff.objects.filter(venue_id=invite.venue_id, user=user).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                staff = VenueStaff.objects.create(venue_id=invite.venue_id, user=user, role=invite.role)
        except IntegrityError:
            # Joined through another invite at the same moment.
            return VenueStaff.objects.get(venue_id=invite.venue_id, user=user)
        invite_use(invite)
    return staff


# ---- Slots -------------------------------------------------------------------------------

SLOT_FIELDS = frozenset({"title", "fee", "currency", "support_places", "visibility", "ticket_url", "notes"})
# Changing these moves the gig itself; not while a band is booked or waiting for an answer.
SLOT_TIME_FIELDS = frozenset({"stage", "starts_at", "ends_at"})
SERIES_LIMIT = 120


class SlotPermissionError(Exception):
    """The person is not on this venue's staff."""


# The exclusion constraint behind the stage check (venues.models.Slot.Meta).
ONE_SHOW_PER_STAGE = "venues_one_show_per_stage"
CLASHES_NAMED = 5


class SlotClashError(ValidationError):
    """The stage already has a show at that time (or a series overlaps itself); `clashes` names each
    span in the way with its message. A ValidationError, so forms show it; pages answer 409."""

    def __init__(self, clashes: list[SlotClash], *, fallback: str = "") -> None:
        self.clashes = clashes
        texts = [clash.message for clash in clashes[:CLASHES_NAMED]]
        if len(clashes) > CLASHES_NAMED:
            more = len(clashes) - CLASHES_NAMED
            texts.append(
                ngettext("…and %(count)d more date clashes.", "…and %(count)d more dates clash.", more)
                % {"count": more}
            )
        if not texts:
            texts = [fallback or _("This stage already has a slot at an overlapping time.")]
        way_out = _("Pick another time or stage, or cancel the slot in the way first.")
        texts[-1] = f"{texts[-1]} {way_out}"
        super().__init__(texts, code="slot_clash")


def _stage_lock_and_check(
    stage: Stage, times: Collection[tuple[dt.datetime, dt.datetime]], *, exclude_pk: int | None = None
) -> None:
    """Lock the stage row, so writers putting slots on it queue, then refuse any span in the way.

    Called inside the writer's transaction, after any slot row it locks (one order: slot, then stage).
    """
    locked = Stage.objects.select_for_update(of=("self",)).select_related("venue").get(pk=stage.pk)
    clashes = stage_slot_clashes(stage=locked, times=list(times), exclude_pk=exclude_pk)
    if clashes:
        raise SlotClashError(clashes)


def _deadlocked(exc: DatabaseError) -> bool:
    return isinstance(exc, OperationalError) and getattr(exc.__cause__, "sqlstate", None) == "40P01"


def _clash_from_constraint(
    exc: DatabaseError, stage: Stage, times: Collection[tuple[dt.datetime, dt.datetime]], exclude_pk: int | None
) -> SlotClashError:
    """The database refused an overlap the check did not see: the same refusal, naming what it can."""
    if not (isinstance(exc, IntegrityError) and ONE_SHOW_PER_STAGE in str(exc)):
        raise exc
    clashes = stage_slot_clashes(stage=stage, times=list(times), exclude_pk=exclude_pk)
    return SlotClashError(
        clashes, fallback=_("%(stage)s already has a slot at an overlapping time.") % {"stage": stage.name}
    )


def _stage_write(
    write: Callable[[], None],
    stage: Stage,
    times: Collection[tuple[dt.datetime, dt.datetime]],
    exclude_pk: int | None = None,
) -> None:
    """Run `write` (which puts slots on `stage`) in a transaction of its own; an overlap the database
    refuses becomes the same SlotClashError the check raises.

    Two writers that both got past the check (the stage lock prevents it) meet at the exclusion
    constraint. The later one gets an exclusion violation; but when both rows were already in the
    index, PostgreSQL breaks the wait between them as a deadlock while the other has not committed
    yet. The write then runs once more, waits for the other to finish and meets its row.
    """
    for last in (False, True):
        try:
            with transaction.atomic():
                write()
            return
        except (IntegrityError, OperationalError) as exc:
            if _deadlocked(exc) and not last:
                continue
            raise _clash_from_constraint(exc, stage, times, exclude_pk) from exc


def _staff_check(venue: Venue, by: User) -> None:
    if not VenueStaff.objects.filter(venue=venue, user=by).exists():
        raise SlotPermissionError(
            _("Only the staff of %(venue)s can post and change its slots.") % {"venue": venue.name}
        )


def _slot_clean(slot: Slot, *, now: dt.datetime | None = None, check_past: bool = True) -> None:
    """Field-by-field errors for a slot about to be saved; raises ValidationError."""
    errors: dict[str, list[str]] = {}
    if slot.stage_id and slot.stage.venue_id != slot.venue_id:
        errors.setdefault("stage", []).append("Choose one of this venue's stages.")
    if slot.starts_at and slot.ends_at:
        if slot.ends_at <= slot.starts_at:
            errors.setdefault("ends_at", []).append("The end must be after the start.")
        elif slot.ends_at - slot.starts_at > Slot.MAX_LENGTH:
            errors.setdefault("ends_at", []).append("A slot can be at most 24 hours long.")
        now = now or timezone.now()
        if check_past and slot.starts_at <= now:
            errors.setdefault("starts_at", []).append("This start is in the past. Choose a time from now on.")
        elif check_past:
            # The forms say it first; here for every other caller.
            today = scheduling_today(slot.zone, now=now)
            if problem := scheduling_day_problem(slot.starts_at.astimezone(slot.zone).date(), today=today):
                errors.setdefault("starts_at", []).append(problem)
    if errors:
        raise ValidationError(errors)
    slot.full_clean(exclude=["venue", "stage", "created_by", "genres"])


def slot_create(
    *,
    venue: Venue,
    by: User,
    stage: Stage,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    genres: Iterable[Genre] = (),
    now: dt.datetime | None = None,
    **fields,
) -> Slot:
    """Post one slot on a stage of the venue. Venue staff only (SlotPermissionError).

    Raises ValidationError by field, saving nothing: an end before the start, more than 24 hours,
    a start in the past, another venue's stage, more support places than allowed.
    """
    return slot_series_create(
        venue=venue, by=by, stage=stage, times=[(starts_at, ends_at)], genres=genres, now=now, **fields
    )[0]


def slot_series_create(
    *,
    venue: Venue,
    by: User,
    stage: Stage,
    times: Collection[tuple[dt.datetime, dt.datetime]],
    genres: Iterable[Genre] = (),
    now: dt.datetime | None = None,
    **fields,
) -> list[Slot]:
    """Post a slot for each (start, end) in `times`, all alike otherwise, in one transaction.

    Slots posted together share a `series` id. At most SERIES_LIMIT at once; each must be valid
    on its own (see slot_create), else nothing is saved. A stage has one show at a time: the stage
    row is locked, and SlotClashError names every span that overlaps a slot on it that is not
    cancelled, or another span of `times`; nothing is saved then (callers that would rather skip
    those dates find them first with venues.selectors.stage_slot_clashes).
    """
    unknown = set(fields) - SLOT_FIELDS
    if unknown:
        raise TypeError(f"Not a slot field: {', '.join(sorted(unknown))}")
    _staff_check(venue, by)
    if not times:
        raise ValidationError({"starts_at": [_("No date matches. Check the days of the week and the date range.")]})
    if len(times) > SERIES_LIMIT:
        # Translators: count is the number of slots asked for, always above limit.
        message = _("That makes %(count)d slots; post at most %(limit)d at once.")
        raise ValidationError({"starts_at": [message % {"count": len(times), "limit": SERIES_LIMIT}]})
    series = uuid.uuid4() if len(times) > 1 else None
    slots = []
    for starts_at, ends_at in sorted(times):
        slot = Slot(
            venue=venue, stage=stage, starts_at=starts_at, ends_at=ends_at, created_by=by, series=series, **fields
        )
        _slot_clean(slot, now=now)
        slot.point_from_place()
        slots.append(slot)
    genres = list(genres)

    def write() -> None:
        for slot in slots:
            slot.pk = None
        _stage_lock_and_check(stage, times)
        Slot.objects.bulk_create(slots)
        if genres:
            through = Slot.genres.through
            through.objects.bulk_create([through(slot_id=s.pk, genre_id=g.pk) for s in slots for g in genres])

    _stage_write(write, stage, times)
    return slots


def slot_update(
    *, slot: Slot, by: User, genres: Iterable[Genre] | None = None, now: dt.datetime | None = None, **fields
) -> Slot:
    """Change a slot. Venue staff only. A cancelled slot cannot change; its time and stage cannot
    change while a band is booked on it or waiting for an answer (cancel and post again instead);
    support places cannot drop below those taken. Raises ValidationError by field, saving nothing;
    SlotClashError when the new time or stage overlaps another slot on that stage (not cancelled).
    """
    unknown = set(fields) - SLOT_FIELDS - SLOT_TIME_FIELDS
    if unknown:
        raise TypeError(f"Not a slot field: {', '.join(sorted(unknown))}")
    _staff_check(slot.venue, by)
    with transaction.atomic():
        slot = Slot.objects.select_for_update(of=("self",)).select_related("venue", "stage").get(pk=slot.pk)
        if slot.is_cancelled:
            raise ValidationError(_("This slot was cancelled; it can no longer be changed."))
        moving = {k for k in SLOT_TIME_FIELDS & set(fields) if getattr(slot, k) != fields[k]}
        if moving and slot.bookings.filter(status__in=("pending", "booked")).exists():
            raise ValidationError(
                _(
                    "Bands are booked on this slot or waiting for your answer, so its time and stage cannot "
                    "change. Cancel the slot and post a new one instead."
                )
            )
        renamed = "title" in fields and fields["title"] != slot.title
        for name, value in fields.items():
            setattr(slot, name, value)
        if "support_places" in fields and slot.support_places < slot.supports_booked:
            booked = slot.supports_booked
            message = ngettext(
                "%(count)d support act is booked; keep at least that many places.",
                "%(count)d support acts are booked; keep at least that many places.",
                booked,
            )
            raise ValidationError({"support_places": [message % {"count": booked}]})
        _slot_clean(slot, now=now, check_past=bool(moving))
        if moving:
            _stage_lock_and_check(slot.stage, [(slot.starts_at, slot.ends_at)], exclude_pk=slot.pk)
        if moving or renamed:
            slot.sequence += 1
        _stage_write(slot.save, slot.stage, [(slot.starts_at, slot.ends_at)], slot.pk)
        if genres is not None:
            slot.genres.set(genres)
    return slot
