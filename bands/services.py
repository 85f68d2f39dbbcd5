"""Writes of the bands app."""

import datetime as dt
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.blocks import ContactBlocked, contact_check, email_side, party_side
from accounts.models import User
from accounts.services import lazy_text, notifications_create
from availability.models import BusyInterval
from availability.services import block_intervals, busy_replace, horizon, time_block_clean
from places.matching import rows_match
from places.models import City
from places.selectors import city_names

from .embeds import embed_from_url
from .invites import invite_check_usable, invite_email_queue, invite_use, invite_withdraw
from .links import LINK_FIELDS
from .models import ApprovalStatus, Band, BandBlock, BandEmbed, BandInvite, BandPhoto, Genre, Membership
from .press_kit import approval_status_change, photo_append, photo_delete, position_after, slug_taken_message
from .selectors import band_invite_path, band_managers

PHOTO_LIMIT = 12
EMBED_LIMIT = 6
INVITE_ROLES = (Membership.Role.MEMBER, Membership.Role.ADMIN)
# The same emailed invite this recently is the one already sent.
INVITE_REPEAT_WINDOW = timedelta(minutes=10)
PROFILE_FIELDS = (
    "name",
    "slug",
    "tagline",
    "bio",
    "city",
    "region",
    "country",
    "place",
    "travel_km",
    "time_zone",
    "fee_min",
    "fee_max",
    "currency",
    "set_length_minutes",
    "rider",
)
EDITABLE_FIELDS = frozenset(PROFILE_FIELDS) | {name for name, _ in LINK_FIELDS}
SLUG_TAKEN = slug_taken_message("band")
INVITE_PITCH = gettext_lazy(
    "StageSlot finds the dates when everyone in the band is free and books gigs without double bookings."
)


class BandError(Exception):
    """A refusal with a message for the person who asked; `str()` is the message."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class BandPermissionError(BandError):
    """The person may not do this to this band."""


class MembershipError(BandError):
    """The change would break a membership rule (e.g. leave the band without a leader)."""


class BandLimitError(BandError):
    """The band already has as many photos or players as it may have."""


def _manager_of(band: Band, user: User) -> Membership:
    membership = Membership.objects.filter(band=band, user=user).first()
    if membership is None or not membership.can_manage:
        raise BandPermissionError(
            _("Only the leaders and admins of %(band)s can change it.") % {"band": band.name}, code="not_manager"
        )
    return membership


def _last_leader(membership: Membership) -> str:
    return _("%(person)s is the only leader of %(band)s. Make someone else leader first.") % {
        "person": membership.user.name,
        "band": membership.band.name,
    }


def _lock_band(band: Band) -> Band:
    # Locking the band row first queues every change to its members, photos and players,
    # so a rule checked after it (the last leader, the photo limit) still holds at commit.
    return Band.objects.select_for_update().get(pk=band.pk)


def _leader_count(band: Band) -> int:
    return Membership.objects.filter(band=band, role=Membership.Role.LEADER).count()


def _stripped(fields: dict) -> dict:
    fields = {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
    if "place" in fields:
        # The city's names are repeated in the text fields that pages and the search show.
        fields.update(city_names(fields["place"]))
    return fields


def _slug_taken(band: Band) -> ValidationError:
    return ValidationError(SLUG_TAKEN, code="unique", params={"slug": band.slug})


def _full_clean(band: Band) -> None:
    errors = {}
    # Django checks a TextField's max_length only in forms; the service holds the line for every caller.
    for name in ("bio", "rider"):
        limit = Band._meta.get_field(name).max_length
        if len(getattr(band, name)) > limit:
            errors[name] = ValidationError(
                _("This text is %(length)s characters long; it can be at most %(limit)s."),
                code="max_length",
                params={"length": len(getattr(band, name)), "limit": limit},
            )
    if band.slug and Band.objects.filter(slug=band.slug).exclude(pk=band.pk).exists():
        errors["slug"] = _slug_taken(band)
    try:
        band.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors = {**exc.update_error_dict({}), **errors}
    if errors:
        raise ValidationError(errors)


def _save_band(band: Band) -> None:
    try:
        with transaction.atomic():
            band.save()
    except IntegrityError as exc:
        # Two people can pick the same free address at the same moment; the unique index decides.
        if Band.objects.filter(slug=band.slug).exclude(pk=band.pk).exists():
            raise ValidationError({"slug": _slug_taken(band)}) from exc
        raise


def band_set_status(*, band: Band, status: str, reason: str = "", by: User | None = None) -> Band:
    """Approve, suspend or return a band to review (staff only; the caller checks).

    Public pages list only approved bands; members keep seeing a suspended band with
    the reason. The band's leaders and admins are told of every change (not of a repeat of
    the same status and reason), except `by`. Raises ValueError for an unknown status.
    """
    return approval_status_change(
        row=band,
        status=status,
        reason=reason,
        by=by,
        people=band_managers,
        approved=gettext_lazy("%(name)s is approved: its press kit is public now."),
        suspended=gettext_lazy(
            "%(name)s is suspended by StageSlot staff: it is hidden from public pages and cannot be booked."
        ),
    )


def band_create(*, by: User, genres: Iterable[Genre] = (), **fields) -> Band:
    """Create a band with `by` as its leader; it awaits staff approval before it is listed.

    `fields` are Band profile fields (name, slug, bio, fee range, …). Raises
    ValidationError when a field is invalid or the slug is taken.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"band_create() got unexpected fields {sorted(unknown)}")
    band = Band(**_stripped(fields), status=ApprovalStatus.PENDING)
    _full_clean(band)
    with transaction.atomic():
        _save_band(band)
        band.genres.set(list(genres))
        Membership.objects.create(band=band, user=by, role=Membership.Role.LEADER)
    return band


def bands_place_match(*, bands: Iterable[Band]) -> tuple[list[Band], list[Band]]:
    """Match the typed city of each band without a gazetteer city (staff, in the admin): a band whose
    city and country name exactly one city gets it and its point; the others are returned unmatched,
    never guessed. Returns (matched, unmatched); bands that have a city already are left alone."""
    rows = [b for b in bands if b.place_id is None and (b.city or "").strip()]
    matched, unmatched = rows_match(rows, city_model=City)
    with transaction.atomic():
        for band in matched:
            band.save(update_fields=["place", "updated_at"])
    return matched, unmatched


def band_update(*, band: Band, by: User, genres: Iterable[Genre] | None = None, **fields) -> Band:
    """Change a band's press kit (profile fields, links and, if given, genres).

    Only its leaders and admins may: raises BandPermissionError otherwise, and
    ValidationError when a field is invalid or the new slug is taken.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"band_update() got unexpected fields {sorted(unknown)}")
    with transaction.atomic():
        band = _lock_band(band)
        _manager_of(band, by)
        for name, value in _stripped(fields).items():
            setattr(band, name, value)
        _full_clean(band)
        _save_band(band)
        if genres is not None:
            band.genres.set(list(genres))
    return band


def band_photo_add(*, band: Band, by: User, image: ContentFile, caption: str) -> BandPhoto:
    """Add a photo to the band's press kit, last in order.

    `image` must already be validated and re-encoded (core.files.images.image_clean).
    Raises BandPermissionError for non-managers and BandLimitError when the band
    already has PHOTO_LIMIT photos.
    """
    with transaction.atomic():
        band = _lock_band(band)
        _manager_of(band, by)
        return photo_append(
            photo=BandPhoto(band=band, caption=caption.strip()[:200]),
            siblings=BandPhoto.objects.filter(band=band),
            image=image,
            limit=PHOTO_LIMIT,
            full=BandLimitError(
                ngettext(
                    "A band can show %(count)d photo. Delete one before you add another.",
                    "A band can show %(count)d photos. Delete one before you add another.",
                    PHOTO_LIMIT,
                )
                % {"count": PHOTO_LIMIT},
                code="photo_limit",
            ),
        )


def band_photo_update(*, photo: BandPhoto, by: User, caption: str) -> BandPhoto:
    """Change a photo's caption (its alt text). Raises BandPermissionError for non-managers."""
    with transaction.atomic():
        _manager_of(photo.band, by)
        photo.caption = caption.strip()[:200]
        photo.save(update_fields=["caption"])
    return photo


def band_photo_delete(*, photo: BandPhoto, by: User) -> None:
    """Remove a photo; its file is deleted once the removal commits.

    Raises BandPermissionError for non-managers.
    """
    with transaction.atomic():
        _manager_of(photo.band, by)
        photo_delete(photo=photo)


def band_embed_add(*, band: Band, by: User, url: str, title: str = "") -> BandEmbed:
    """Add a music or video player built from a pasted share link (see embeds.py).

    Raises ValidationError when the link is not from an allowed provider,
    BandPermissionError for non-managers and BandLimitError beyond EMBED_LIMIT players.
    """
    embed = embed_from_url(url)
    with transaction.atomic():
        band = _lock_band(band)
        _manager_of(band, by)
        position = position_after(
            BandEmbed.objects.filter(band=band),
            limit=EMBED_LIMIT,
            full=BandLimitError(
                ngettext(
                    "A band can show %(count)d player. Delete one before you add another.",
                    "A band can show %(count)d players. Delete one before you add another.",
                    EMBED_LIMIT,
                )
                % {"count": EMBED_LIMIT},
                code="embed_limit",
            ),
        )
        return BandEmbed.objects.create(
            band=band,
            provider=embed.provider,
            source_url=embed.source_url[:500],
            embed_url=embed.embed_url,
            title=title.strip()[:120],
            position=position,
        )


def band_embed_delete(*, embed: BandEmbed, by: User) -> None:
    """Remove a player. Raises BandPermissionError for non-managers."""
    with transaction.atomic():
        _manager_of(embed.band, by)
        embed.delete()


def membership_update(*, membership: Membership, by: User, role: str, instrument: str, required: bool) -> Membership:
    """Change a member's role, instrument and whether the band needs them to play.

    Leaders and admins may change members and admins; only a leader may make
    someone leader or change a leader's role. The band always keeps a leader.
    Raises BandPermissionError or MembershipError with the reason.
    """
    if role not in Membership.Role.values:
        raise MembershipError(_("Choose leader, admin or member."), code="bad_role")
    with transaction.atomic():
        _lock_band(membership.band)
        actor = _manager_of(membership.band, by)
        membership = Membership.objects.select_related("user", "band").get(pk=membership.pk)
        leader_change = role != membership.role and Membership.Role.LEADER in (role, membership.role)
        if leader_change and actor.role != Membership.Role.LEADER:
            raise BandPermissionError(
                _("Only a leader can make someone leader or change a leader's role."), code="not_leader"
            )
        if (
            membership.role == Membership.Role.LEADER
            and role != Membership.Role.LEADER
            and _leader_count(membership.band) <= 1
        ):
            raise MembershipError(_last_leader(membership), code="last_leader")
        membership.role = role
        membership.instrument = instrument.strip()[:60]
        membership.required = required
        membership.save(update_fields=["role", "instrument", "required"])
    return membership


def membership_remove(*, membership: Membership, by: User) -> None:
    """Take someone out of a band.

    Leaders and admins may remove members and admins; only a leader may remove a
    leader, and never the last one. Raises BandPermissionError or MembershipError.
    """
    with transaction.atomic():
        _lock_band(membership.band)
        actor = _manager_of(membership.band, by)
        membership = Membership.objects.select_related("user", "band").get(pk=membership.pk)
        if membership.role == Membership.Role.LEADER:
            if actor.role != Membership.Role.LEADER:
                raise BandPermissionError(_("Only a leader can remove a leader."), code="not_leader")
            if _leader_count(membership.band) <= 1:
                raise MembershipError(_last_leader(membership), code="last_leader")
        membership.delete()
        _member_blocks_drop(band_id=membership.band_id, user_id=membership.user_id)


def membership_leave(*, band: Band, by: User) -> None:
    """`by` leaves the band. The last leader must hand over first.

    Raises MembershipError when `by` is not in the band or is its only leader.
    """
    with transaction.atomic():
        _lock_band(band)
        membership = Membership.objects.filter(band=band, user=by).first()
        if membership is None:
            raise MembershipError(_("You are not in %(band)s.") % {"band": band.name}, code="not_member")
        if membership.role == Membership.Role.LEADER and _leader_count(band) <= 1:
            raise MembershipError(
                _("You are the only leader of %(band)s. Make another member leader before you leave.")
                % {"band": band.name},
                code="last_leader",
            )
        membership.delete()
        _member_blocks_drop(band_id=band.pk, user_id=by.pk)


def band_invite_create(
    *,
    band: Band,
    by: User,
    role: str = Membership.Role.MEMBER,
    max_uses: int = 1,
    valid_days: int = 14,
    email: str = "",
    base_url: str = "",
) -> BandInvite:
    """Create an invite link to join the band, and email it to `email` if given.

    `base_url` ("https://example.com") makes the emailed link absolute. The invite
    makes people members or admins (never leaders), for 1–100 uses and 1–30 days.
    Raises BandPermissionError for non-managers and ValidationError for bad values, and on `email` when the
    account of that address and the band's side (the band, its members and agents, the one who invites) blocked
    one another (accounts.blocks.contact_check: nothing written, no mail). The same emailed invite within
    INVITE_REPEAT_WINDOW is the one already sent.
    """
    if role not in INVITE_ROLES:
        raise ValidationError({"role": _("An invite makes people members or admins.")})
    if not 1 <= max_uses <= 100:
        raise ValidationError({"max_uses": _("An invite can be used between 1 and 100 times.")})
    if not 1 <= valid_days <= 30:
        raise ValidationError({"valid_days": _("An invite can be valid for 1 to 30 days.")})
    email = email.strip().lower()
    with transaction.atomic():
        _manager_of(band, by)
        if email:
            band_contact_check(band_id=band.pk, by=by, email=email)
        # The same emailed invite again at once (a resent form): the one already sent, no second mail.
        same = (
            BandInvite.objects.filter(
                band=band,
                email=email,
                role=role,
                created_by=by,
                uses=0,
                revoked_at=None,
                created_at__gte=timezone.now() - INVITE_REPEAT_WINDOW,
            ).first()
            if email
            else None
        )
        if same is not None:
            return same
        invite = BandInvite.objects.create(
            band=band,
            role=role,
            max_uses=max_uses,
            expires_at=timezone.now() + timedelta(days=valid_days),
            email=email,
            created_by=by,
        )
        if email:
            invite_email_queue(
                invite=invite,
                by=by,
                name=band.name,
                time_zone=band.time_zone,
                link=base_url.rstrip("/") + band_invite_path(invite=invite),
                subject_template="bands/email/invite_subject.txt",
                pitch=INVITE_PITCH,
            )
    return invite


def band_contact_check(*, band_id: int, by: User, email: str, field: str = "email") -> None:
    """The one contact check (accounts.blocks.contact_check) between the band's side with `by` and the account of
    `email`, for a door that names a person by address (an invite, a stand-in, a traveller). Raises
    ValidationError on `field` in the check's words, naming the address as the asker typed it."""
    try:
        contact_check(asking=party_side(band_ids=[band_id], user_ids=[by.pk]), asked=email_side(email), name=email)
    except ContactBlocked as exc:
        raise ValidationError({field: [str(exc)]}) from None


def band_invite_revoke(*, invite: BandInvite, by: User) -> BandInvite:
    """Withdraw an invite so its link joins nobody any more. Raises BandPermissionError."""
    with transaction.atomic():
        _manager_of(invite.band, by)
        return invite_withdraw(invites=BandInvite.objects.select_related("band"), pk=invite.pk)


def band_invite_accept(*, invite: BandInvite, user: User) -> Membership:
    """`user` joins the invite's band with the invite's role, using up one use.

    Locks the invite so concurrent joins queue and uses never exceed max_uses.
    Someone already in the band keeps their membership and uses nothing; a new member is
    announced to the band's leaders and admins. Raises InviteError (codes "revoked", "expired", "used_up").
    """
    with transaction.atomic():
        invite = BandInvite.objects.select_for_update().select_related("band").get(pk=invite.pk)
        invite_check_usable(invite)
        existing = Membership.objects.filter(band_id=invite.band_id, user=user).first()
        if existing is not None:
            return existing
        membership = Membership.objects.create(band=invite.band, user=user, role=invite.role)
        invite_use(invite)
        _member_blocks_add(band_id=invite.band_id, user_id=user.pk)
        band = invite.band
        joined = {
            Membership.Role.LEADER: gettext_lazy("%(name)s joined %(band)s as a leader (through an invite)."),
            Membership.Role.ADMIN: gettext_lazy("%(name)s joined %(band)s as an admin (through an invite)."),
        }.get(membership.role, gettext_lazy("%(name)s joined %(band)s as a member (through an invite)."))
        notifications_create(
            recipients=band_managers(band.pk),
            kind="invite_accepted",
            text=lazy_text(joined, name=user.name, band=band.name),
            link=reverse("bands:members", args=[band.slug]),
            key=f"invite_accepted:{membership.pk}",
            actor=user,
        )
    return membership


def genre_merge(*, sources: Iterable[Genre], target: Genre) -> int:
    """Move every band, venue (and any other many-to-many link) from `sources` to `target`, then delete `sources`.

    A row that had several of the genres ends up with `target` once. Returns how many
    genres were deleted. `target` among `sources` is kept.
    """
    source_ids = [g.pk for g in sources if g.pk != target.pk]
    if not source_ids:
        return 0
    with transaction.atomic():
        # Walking the relations keeps the bands app free of imports from apps above it.
        for rel in Genre._meta.related_objects:
            if not rel.many_to_many:
                continue
            m2m, through = rel.field, rel.through
            owner, genre = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
            owner_ids = set(
                through.objects.filter(**{f"{genre}_id__in": source_ids}).values_list(f"{owner}_id", flat=True)
            )
            already = set(
                through.objects.filter(**{f"{genre}_id": target.pk, f"{owner}_id__in": owner_ids}).values_list(
                    f"{owner}_id", flat=True
                )
            )
            through.objects.bulk_create(
                [through(**{f"{owner}_id": pk, f"{genre}_id": target.pk}) for pk in sorted(owner_ids - already)]
            )
        Genre.objects.filter(pk__in=source_ids).delete()
    return len(source_ids)


# Band blocks: rehearsals and holds that make every member busy ----------------------------

BLOCK_FIELDS = ("kind", "title", "all_day", "start_date", "start_time", "end_date", "end_time", "rrule")


BLOCK_SOURCES = (BusyInterval.Source.BAND_BLOCK, BusyInterval.Source.GIG)


def _busy_source(block: BandBlock) -> str:
    """Gigs are labelled as gigs in members' own calendars; other blocks as band blocks."""
    return BusyInterval.Source.GIG if block.kind == BandBlock.Kind.GIG else BusyInterval.Source.BAND_BLOCK


def gig_sitting_out(block: BandBlock) -> frozenset[int]:
    """The people a gig takes no time of: those the booking's check left out (BandBlock.absent: busy then,
    decision 0112, or playing another gig then) unless they said they play after all (the line-up's
    "plays"), and those who do not play it by the line-up (its "out": they said they can't, or a stand-in
    plays for them). The line-up's lists are kept by gigs.services.answers (band_gig_lineup_set). The one
    answer to "who is not busy for this gig"; nothing for a block that is not a gig."""
    if block.kind != BandBlock.Kind.GIG:
        return frozenset()
    lineup = block.lineup or {}
    plays = set(lineup.get("plays", ()))
    return frozenset({user_id for user_id in block.absent or () if user_id not in plays} | set(lineup.get("out", ())))


def band_block_materialise(block: BandBlock, *, now=None, user_ids: list[int] | None = None) -> None:
    """Expand a band block into busy intervals for every member (or just `user_ids`)."""
    start, end = horizon(now)
    members = (
        user_ids
        if user_ids is not None
        else list(Membership.objects.filter(band_id=block.band_id).values_list("user_id", flat=True))
    )
    if user_ids is None:  # the stand-ins who play a gig are busy for it too (BandBlock.guests)
        members = sorted({*members, *block.guests})
    out = gig_sitting_out(block)
    if out:  # members who sit a gig out are not busy for it
        members = [user_id for user_id in members if user_id not in out]
    intervals = block_intervals(block, start=start, end=end)
    rows = [(user_id, s, e, "") for user_id in members for s, e in intervals]
    # A gig's rows say where it is, so the free-date search can weigh the journey (bands.selectors._on_the_road).
    point = (block.latitude, block.longitude) if block.latitude is not None and block.longitude is not None else None
    busy_replace(source=_busy_source(block), source_id=block.pk, rows=rows, user_ids=user_ids, point=point)
    if user_ids is None:
        BandBlock.objects.filter(pk=block.pk).update(materialised_until=end)


def _member_blocks_add(*, band_id: int, user_id: int) -> None:
    for block in BandBlock.objects.filter(band_id=band_id):
        band_block_materialise(block, user_ids=[user_id])


def _member_blocks_drop(*, band_id: int, user_id: int) -> None:
    BusyInterval.objects.filter(
        source__in=BLOCK_SOURCES,
        source_id__in=BandBlock.objects.filter(band_id=band_id).values("pk"),
        user_id=user_id,
    ).delete()


def band_block_create(*, band: Band, by: User, **fields) -> BandBlock:
    """Block time for the whole band (a rehearsal, a hold), once or repeating, in the band's zone.

    Leaders and admins only (BandPermissionError). Raises ValidationError by field for bad input,
    saving nothing. Every member is busy for it when this returns.
    """
    unknown = set(fields) - set(BLOCK_FIELDS)
    if unknown:
        raise TypeError(f"Unknown block fields: {sorted(unknown)}")
    _manager_of(band, by)
    block = BandBlock(band=band, created_by=by, time_zone=band.time_zone, **fields)
    time_block_clean(block, exclude=["band", "created_by"])
    with transaction.atomic():
        block.save()
        band_block_materialise(block)
    return block


def band_block_update(*, block: BandBlock, by: User, **fields) -> BandBlock:
    """Change a band block (every occurrence). Leaders and admins only."""
    _manager_of(block.band, by)
    for name, value in fields.items():
        if name not in BLOCK_FIELDS:
            raise TypeError(f"Unknown block field: {name}")
        setattr(block, name, value)
    time_block_clean(block, exclude=["band", "created_by"])
    with transaction.atomic():
        block.save()
        band_block_materialise(block)
    return block


def band_block_delete(*, block: BandBlock, by: User) -> None:
    """Remove a band block; its members are free again unless something else holds them."""
    _manager_of(block.band, by)
    if block.kind == BandBlock.Kind.GIG:
        raise BandError(_("A gig is freed by cancelling its booking, not by deleting its block."))
    with transaction.atomic():
        BusyInterval.objects.filter(source=BusyInterval.Source.BAND_BLOCK, source_id=block.pk).delete()
        block.delete()


def band_blocks_extend(*, now=None) -> int:
    """Nightly: extend band blocks over the rolling horizon. Returns how many were expanded."""
    _start, end = horizon(now)
    count = 0
    for block in BandBlock.objects.exclude(materialised_until__gte=end).iterator(chunk_size=500):
        with transaction.atomic():
            band_block_materialise(block, now=now)
        count += 1
    return count


def band_min_gig_set(*, band: Band, by: User, minutes: int) -> Band:
    """Set the band's shortest gig: how long every needed member must be free for a day to be green.

    Leaders and admins only (BandPermissionError). Raises ValidationError on "min_gig_minutes"
    outside 30–720 minutes, changing nothing.
    """
    with transaction.atomic():
        band = _lock_band(band)
        _manager_of(band, by)
        try:
            minutes = Band._meta.get_field("min_gig_minutes").clean(minutes, band)
        except ValidationError as exc:
            raise ValidationError({"min_gig_minutes": exc.error_list}) from exc
        band.min_gig_minutes = minutes
        band.save(update_fields=["min_gig_minutes", "updated_at"])
    return band


# Gig blocks: written by the booking workflow ------------------------------------------------

GIG_MINUTES_ERROR = gettext_lazy("Enter minutes from 0 to 600 (10 hours).")


def gig_busy_window(block: BandBlock, *, band: Band | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The time a gig takes from its band's members, as (start, end) in UTC: the gig as booked, with
    the load-in and soundcheck before it and the pack-down after it – the booking's own minutes where
    it set them, else the band's usual ones (`band`, or the block's).

    This is the one place that says how long a gig blocks. Travel between places (a later change)
    plugs in here: widen the window by the journey from the gig before and to the gig after, stored
    on the block like the load-in. The booking itself keeps its own times: the double-booking
    constraint never sees this padding, only busy time and availability do.
    """
    return gig_window(
        band or block.band,
        block.gig_starts_at,
        block.gig_ends_at,
        load_in_minutes=block.load_in_minutes,
        pack_down_minutes=block.pack_down_minutes,
    )


def gig_window(
    band: Band,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    *,
    load_in_minutes: int | None = None,
    pack_down_minutes: int | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """A gig of `band` from `starts_at` to `ends_at` with its load-in before and pack-down after (None:
    the band's usual minutes), as (start, end) in UTC: what gig_busy_window says of a gig not yet booked,
    so a check before booking sees the same window its members will be busy for."""
    load_in = band.load_in_minutes if load_in_minutes is None else load_in_minutes
    pack_down = band.pack_down_minutes if pack_down_minutes is None else pack_down_minutes
    return (
        starts_at.astimezone(dt.UTC) - timedelta(minutes=load_in),
        ends_at.astimezone(dt.UTC) + timedelta(minutes=pack_down),
    )


def _gig_block_place(block: BandBlock, *, band: Band | None = None) -> None:
    """Set the block's own times to its busy window (in UTC wall time, so that no daylight-saving
    fold can move it), save it and make every member busy for it."""
    start, end = gig_busy_window(block, band=band)
    block.time_zone = "UTC"
    block.start_date, block.start_time = start.date(), start.time().replace(tzinfo=None)
    block.end_date, block.end_time = end.date(), end.time().replace(tzinfo=None)
    block.save()
    band_block_materialise(block)


def _gig_minutes(name: str, value: int | None, *, optional: bool) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 600:
        raise ValidationError({name: ValidationError(GIG_MINUTES_ERROR, code="gig_minutes")})
    return value


def gig_minutes_clean(name: str, value: int | None) -> int | None:
    """A gig's own load-in or pack-down minutes (`name`), 0–600 or None (the band's usual ones); raises
    ValidationError by field otherwise."""
    return _gig_minutes(name, value, optional=True)


def band_gig_block_add(
    *,
    band_id: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    title: str,
    load_in_minutes: int | None = None,
    pack_down_minutes: int | None = None,
    point: tuple[float, float] | None = None,
    absent: Iterable[int] = (),
) -> BandBlock:
    """Make every member of the band busy for a booked gig, as a gig block covering the gig with its
    load-in before and pack-down after (gig_busy_window; None minutes: the band's usual ones). Call
    inside the booking's transaction; members who join later get it too, and members who leave lose
    it (see _member_blocks_add/_drop). `absent`: members who sit the gig out (a band with a minimum
    line-up booked while they are busy, decision 0112): the block takes none of their time."""
    block = BandBlock(
        band=Band.objects.get(pk=band_id),
        kind=BandBlock.Kind.GIG,
        title=title[:120],
        gig_starts_at=starts_at.astimezone(dt.UTC),
        gig_ends_at=ends_at.astimezone(dt.UTC),
        load_in_minutes=_gig_minutes("load_in_minutes", load_in_minutes, optional=True),
        pack_down_minutes=_gig_minutes("pack_down_minutes", pack_down_minutes, optional=True),
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        absent=sorted(set(absent)),
    )
    _gig_block_place(block)
    return block


def band_gig_block_pad(*, block_id: int, load_in_minutes: int | None, pack_down_minutes: int | None) -> BandBlock:
    """Give one gig its own load-in and pack-down (None: back to the band's usual ones) and move its
    members' busy time to match. The caller checks who may; call inside its transaction. Raises
    ValidationError by field for minutes outside 0–600, changing nothing."""
    load_in = _gig_minutes("load_in_minutes", load_in_minutes, optional=True)
    pack_down = _gig_minutes("pack_down_minutes", pack_down_minutes, optional=True)
    block = BandBlock.objects.select_related("band").get(pk=block_id, kind=BandBlock.Kind.GIG)
    block.load_in_minutes, block.pack_down_minutes = load_in, pack_down
    _gig_block_place(block)
    return block


KEEP = object()  # band_gig_block_move: leave the block's own load-in or pack-down as it is


def band_gig_block_move(
    *,
    block_id: int,
    gig_starts_at: dt.datetime,
    gig_ends_at: dt.datetime,
    load_in_minutes: int | object | None = KEEP,
    pack_down_minutes: int | object | None = KEEP,
    absent: Iterable[int] | object = KEEP,
) -> BandBlock:
    """Give a gig block new gig times – a rescheduled gig, an act's set in a show's running order, which
    also gives it its own load-in and pack-down, or its own load-in and pack-down alone (None: the band's
    usual ones) – and move its members' busy time to match. `absent`: who sits the gig out at its new
    times (decision 0112, recomputed by bookings.services.moves.gig_move). What is left as KEEP stays as
    the block has it. Call inside the caller's transaction; raises ValidationError by field for minutes
    outside 0–600."""
    block = BandBlock.objects.select_related("band").get(pk=block_id, kind=BandBlock.Kind.GIG)
    block.gig_starts_at = gig_starts_at.astimezone(dt.UTC)
    block.gig_ends_at = gig_ends_at.astimezone(dt.UTC)
    if load_in_minutes is not KEEP:
        block.load_in_minutes = _gig_minutes("load_in_minutes", load_in_minutes, optional=True)
    if pack_down_minutes is not KEEP:
        block.pack_down_minutes = _gig_minutes("pack_down_minutes", pack_down_minutes, optional=True)
    if absent is not KEEP:
        block.absent = sorted(set(absent))
    _gig_block_place(block)
    return block


INSTANT_LIMITS = {
    # field: (lowest, highest, empty allowed, message)
    "instant_notice_hours": (0, 720, False, gettext_lazy("Enter hours from 0 to 720 (30 days), e.g. 24 for a day.")),
    "instant_max_per_day": (
        1,
        20,
        True,
        gettext_lazy("Enter a number of gigs from 1 to 20, or leave it empty for no limit."),
    ),
    "instant_max_per_week": (
        1,
        50,
        True,
        gettext_lazy("Enter a number of gigs from 1 to 50, or leave it empty for no limit."),
    ),
    "travel_speed_kmh": (10, 900, False, gettext_lazy("Enter a speed from 10 to 900 km/h, e.g. 70 by road.")),
    # The reminder round (gigs.services.answers.gig_reminders_send) looks 60 days ahead at most.
    "rsvp_reminder_days": (
        0,
        60,
        False,
        gettext_lazy("Enter days from 0 to 60, e.g. 7 for a week before the gig; 0 sends no reminder."),
    ),
}


def _instant_limit(name: str, value) -> int | None:
    low, high, optional, message = INSTANT_LIMITS[name]
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError({name: ValidationError(message, code="instant_limit")})
    return value


def band_gig_times_set(
    *,
    band: Band,
    by: User,
    load_in_minutes: int,
    pack_down_minutes: int,
    two_gigs_a_day: bool,
    instant_notice_hours: int | object = KEEP,
    instant_max_per_day: int | object | None = KEEP,
    instant_max_per_week: int | object | None = KEEP,
    travel_speed_kmh: int | object = KEEP,
    rsvp_reminder_days: int | object = KEEP,
    now=None,
) -> Band:
    """Set the band's usual load-in and pack-down around a gig, whether it takes two gigs a day, and
    its instant-booking limits (minimum notice in hours; most gigs a day and a week, None for none)
    and its average travel speed between gigs (km/h, bands.travel), and how many days before a booked gig
    its members who have not answered are reminded (0–60; 0: never; gigs.services.answers).

    Every gig not over yet that keeps the usual times moves its members' busy time to match (gigs
    with their own times stay). Leaders and admins only (BandPermissionError); ValidationError by
    field for minutes outside 0–600, changing nothing.
    """
    now = now or timezone.now()
    load_in = _gig_minutes("load_in_minutes", load_in_minutes, optional=False)
    pack_down = _gig_minutes("pack_down_minutes", pack_down_minutes, optional=False)
    limits = {
        name: _instant_limit(name, value)
        for name, value in (
            ("instant_notice_hours", instant_notice_hours),
            ("instant_max_per_day", instant_max_per_day),
            ("instant_max_per_week", instant_max_per_week),
            ("travel_speed_kmh", travel_speed_kmh),
            ("rsvp_reminder_days", rsvp_reminder_days),
        )
        if value is not KEEP
    }
    with transaction.atomic():
        band = _lock_band(band)
        _manager_of(band, by)
        moved = (band.load_in_minutes, band.pack_down_minutes) != (load_in, pack_down)
        band.load_in_minutes, band.pack_down_minutes = load_in, pack_down
        band.two_gigs_a_day = bool(two_gigs_a_day)
        for name, value in limits.items():
            setattr(band, name, value)
        band.save(update_fields=["load_in_minutes", "pack_down_minutes", "two_gigs_a_day", *limits, "updated_at"])
        if moved:
            upcoming = BandBlock.objects.filter(
                band=band, kind=BandBlock.Kind.GIG, gig_ends_at__gt=now, gig_starts_at__isnull=False
            ).filter(Q(load_in_minutes__isnull=True) | Q(pack_down_minutes__isnull=True))
            for block in upcoming:
                _gig_block_place(block, band=band)
    return band


def band_gig_block_remove(*, block_id: int) -> None:
    """Free the members again from a gig block (the gig was cancelled). Call inside its transaction."""
    BusyInterval.objects.filter(source__in=BLOCK_SOURCES, source_id=block_id).delete()
    BandBlock.objects.filter(pk=block_id, kind=BandBlock.Kind.GIG).delete()


def band_gig_lineup_set(*, block_id: int, lineup: dict) -> None:
    """Keep a gig's line-up summary on its block ({"in", "of", "at_risk", "answers", "out", "plays"}), for the
    band calendar and the feeds that read the block already, and give the time of those whose place changed
    back or away (gig_sitting_out: "out" do not play it; "plays" play it though the booking left them out).
    Written by gigs.services.answers only, in its transaction, which holds the person's lock where a place
    takes time; a block that is gone (the gig was cancelled) is left alone."""
    block = BandBlock.objects.filter(pk=block_id, kind=BandBlock.Kind.GIG).first()
    if block is None:
        return
    before = gig_sitting_out(block)
    block.lineup = lineup
    block.save(update_fields=["lineup"])
    changed = before.symmetric_difference(gig_sitting_out(block))
    if changed:
        people = set(Membership.objects.filter(band_id=block.band_id).values_list("user_id", flat=True))
        people.update(block.guests)
        if ids := sorted(changed & people):
            band_block_materialise(block, user_ids=ids)


def band_gig_guest_add(*, block_id: int, user_id: int) -> BandBlock | None:
    """Make someone beyond the band's members busy for a gig as its members are (a stand-in with an
    account took a place: BandBlock.guests); the busy time moves and goes with the gig. Call inside the
    caller's transaction, holding the gig's locks (bookings locks.booking_lock). A block that is gone
    (the gig was cancelled) is left alone: None."""
    block = BandBlock.objects.filter(pk=block_id, kind=BandBlock.Kind.GIG).first()
    if block is None:
        return None
    if user_id not in block.guests:
        block.guests = [*block.guests, user_id]
        block.save(update_fields=["guests"])
    band_block_materialise(block, user_ids=[user_id])
    return block
