"""A band's tours (decision 0110): made from a saved tour plan or from booked gigs picked, its gigs added and
taken out, where the party sleeps, who travels with the band, and the costs. Only the band's leaders and
admins (or the agency acting for it) change a tour. The days between the gigs are not written anywhere:
gigs.selectors.tours derives them on each read, so a gig cancelled or moved changes the itinerary by itself."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.blocks import ContactBlocked, contact_check, party_side
from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.invites import InviteError, invite_check_usable, invite_email_queue, invite_use, invite_withdraw
from bands.models import Band, Membership
from bands.selectors import band_managers
from bands.services import INVITE_REPEAT_WINDOW, band_contact_check
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking, SavedTour
from bookings.selectors.bookings import can_manage_band
from core.web.site import site_url
from places.selectors import city_pick

from ..models import (
    MAX_ATTENDANCE,
    MAX_RATE,
    RATE_PLACES,
    Tour,
    TourCost,
    TourFeed,
    TourGig,
    TourInvite,
    TourRate,
    TourStay,
    TourStayGuest,
    TourTraveller,
    new_tour_feed_token,
)
from ..selectors.tours import (
    JOINABLE_STATUSES,
    MAX_GIGS,
    show_capacity,
    tour_access,
    tour_invite_name,
    tour_invite_path,
    tour_invites_open,
    tour_money,
    tour_party_people,
    tour_zone_on,
    zone_of,
)

MAX_STAYS = 120
MAX_TRAVELLERS = 30
MAX_COSTS = 500
MAX_STAY_NIGHTS = 30
# The notification kind of a person added to a tour's party, or taken off it (accounts.notification_kinds).
TOUR_PARTY_KIND = "tour_party"
# How long an invitation to travel on a tour stays open.
TOUR_INVITE_DAYS = 14
TOUR_INVITE_PITCH = gettext_lazy(
    "On StageSlot the touring party reads the itinerary, the stays and the day sheets, and can keep the tour "
    "in their own calendar."
)


def _refuse_unless_manager(band_id: int, by: User) -> None:
    if not can_manage_band(band_id, by):
        raise BookingPermissionError(_("Only the band's leaders and admins can change its tours."))


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the tour a name.")]})
    return name[:120]


def tour_create(
    *, band: Band, by: User, name: str, bookings: Iterable[Booking] = (), plan: SavedTour | None = None
) -> Tour:
    """Make a tour of `band`, in the band's currency, with the gigs picked, or – from a saved tour plan –
    with the band's booked gigs on the plan's days that are in no tour yet. Raises BookingPermissionError,
    ValidationError (no name), BookingConflict (a gig picked is in another tour: nothing is made)."""
    _refuse_unless_manager(band.pk, by)
    name = _name(name)
    if plan is not None and plan.band_id != band.pk:
        raise BookingPermissionError(_("This tour plan is another band's."))
    with transaction.atomic():
        tour = Tour.objects.create(band=band, name=name, currency=band.currency, plan=plan, created_by=by)
        picked = list(bookings)
        if plan is not None:
            picked += _plan_gigs(band=band, plan=plan)
        _add(tour, picked)
    return tour


def _plan_gigs(*, band: Band, plan: SavedTour) -> list[Booking]:
    """The band's booked gigs on the plan's days (a day in the gig's own zone) that are in no tour."""
    start = dt.datetime.combine(plan.first_day - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(plan.last_day + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    rows = (
        Booking.objects.filter(band=band, status__in=JOINABLE_STATUSES, starts_at__gte=start, starts_at__lt=end)
        .exclude(pk__in=TourGig.objects.values("booking_id"))
        .order_by("starts_at")
    )
    return [b for b in rows if plan.first_day <= b.starts_at.astimezone(b.zone).date() <= plan.last_day]


def _add(tour: Tour, bookings: list[Booking]) -> None:
    seen: set[int] = set()
    for booking in bookings:
        if booking.pk in seen:
            continue
        seen.add(booking.pk)
        if booking.band_id != tour.band_id:
            raise BookingPermissionError(_("Only the band's own gigs can be part of its tour."))
        if booking.status not in JOINABLE_STATUSES:
            raise BookingError(_("Only a booked gig can be part of a tour."))
    if TourGig.objects.filter(tour=tour).count() + len(seen) > MAX_GIGS:
        raise BookingError(_("A tour has at most %(n)s gigs.") % {"n": MAX_GIGS})
    try:
        with transaction.atomic():
            TourGig.objects.bulk_create([TourGig(tour=tour, booking_id=pk) for pk in sorted(seen)])
    except IntegrityError as exc:
        raise BookingConflict(_("One of these gigs is already part of a tour.")) from exc


def tour_gigs_add(*, tour: Tour, by: User, bookings: Iterable[Booking]) -> Tour:
    """Add booked gigs of the band to the tour. Raises BookingPermissionError, BookingError (a gig not
    booked, too many), BookingConflict (a gig already in a tour, this one or another: nothing is added)."""
    _refuse_unless_manager(tour.band_id, by)
    _add(tour, list(bookings))
    return tour


def tour_gig_remove(*, tour: Tour, by: User, booking_id: int) -> None:
    """Take a gig out of the tour (the gig stays booked). Its costs stay with the tour, no longer a show's."""
    _refuse_unless_manager(tour.band_id, by)
    with transaction.atomic():
        TourGig.objects.filter(tour=tour, booking_id=booking_id).delete()
        TourCost.objects.filter(tour=tour, booking_id=booking_id).update(booking=None)


def tour_rename(*, tour: Tour, by: User, name: str) -> Tour:
    _refuse_unless_manager(tour.band_id, by)
    tour.name = _name(name)
    tour.save(update_fields=["name"])
    return tour


# ---- Stays ----------------------------------------------------------------------------------------


def tour_stay_save(
    *,
    tour: Tour,
    by: User,
    night: dt.date,
    nights: int,
    check_in: dt.time,
    check_out: dt.time,
    name: str,
    address: str = "",
    city: str = "",
    confirmation: str = "",
    phone: str = "",
    rooms: str = "",
    stay: TourStay | None = None,
) -> TourStay:
    """Where the party sleeps from `night` for `nights` nights: check-in that evening and check-out on the
    morning after the last night, at local times in the zone of the tour's place that night (stored in
    UTC). `city`: the town it is in ("Halle, DE" where several share a name); a town StageSlot knows gives the stay
    its point, so the itinerary can check it against the route; another is kept as typed. Raises
    BookingPermissionError, ValidationError by field."""
    _refuse_unless_manager(tour.band_id, by)
    if stay is not None and stay.tour_id != tour.pk:
        raise BookingPermissionError(_("This stay is another tour's."))
    if not 1 <= nights <= MAX_STAY_NIGHTS:
        raise ValidationError({"nights": [_("A stay is 1 to %(n)s nights.") % {"n": MAX_STAY_NIGHTS}]})
    zone_name = tour_zone_on(tour=tour, night=night)
    zone = zone_of(zone_name)
    stay = stay or TourStay(tour=tour)
    stay.name = _stay_name(name)
    stay.address, stay.confirmation, stay.phone, stay.rooms = address[:300], confirmation[:60], phone[:40], rooms[:1000]
    stay.city, stay.latitude, stay.longitude = _stay_town(city)
    stay.time_zone = zone_name
    stay.check_in_at = dt.datetime.combine(night, check_in, tzinfo=zone).astimezone(dt.UTC)
    stay.check_out_at = dt.datetime.combine(night + dt.timedelta(days=nights), check_out, tzinfo=zone).astimezone(
        dt.UTC
    )
    with transaction.atomic():
        if stay.pk is None and TourStay.objects.filter(tour=tour).count() >= MAX_STAYS:
            raise BookingError(_("A tour keeps at most %(n)s stays.") % {"n": MAX_STAYS})
        stay.save()
    return stay


def _stay_town(text: str) -> tuple[str, float | None, float | None]:
    """(the town's name, its latitude, its longitude): a town StageSlot knows by its own name and point, another
    as typed with no point. Several towns of that name: ValidationError asking for the country."""
    text = " ".join((text or "").split())[:120]
    if not text:
        return "", None, None
    town, several = city_pick(text)
    if town is not None:
        return town.name[:120], town.latitude, town.longitude
    if several:
        named = ", ".join(sorted({f"{c.name}, {c.country}" for c in several[:4]}))
        raise ValidationError(
            {"city": [_("Several towns have this name (%(towns)s): add the country, like “%(example)s”.")
                      % {"towns": named, "example": f"{several[0].name}, {several[0].country}"}]}
        )  # fmt: skip
    return text, None, None


def _stay_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Say where the party sleeps.")]})
    return name[:120]


def tour_stay_delete(*, stay: TourStay, by: User) -> None:
    _refuse_unless_manager(stay.tour.band_id, by)
    stay.delete()


# ---- Who travels ----------------------------------------------------------------------------------


def tour_traveller_invite(
    *, tour: Tour, by: User, email: str, role: str, sees_money: bool = False, base_url: str = ""
) -> TourInvite:
    """Invite the holder of `email` to travel on this tour only (a driver, a sound engineer, a stand-in): an
    invitation is emailed to the address, and they join the party by accepting it (tour_invite_accept), signed in
    with any account or a new one. The answer is the same whether the address has an account or not: the band
    learns nothing of who uses StageSlot (decision 0134). The same invitation again within INVITE_REPEAT_WINDOW is
    the one already sent; an older one to that address is withdrawn and a new one sent.

    Raises BookingPermissionError (not a leader or admin), ValidationError on `email` (not an address; a member of
    the band, or someone already on the tour – people the band has already; that address and the band's side
    blocked one another: bands.services.band_contact_check, the one contact check) or on `role`, BookingError
    (the party and its open invitations are full)."""
    _refuse_unless_manager(tour.band_id, by)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("Enter an email address, like name@example.com.")]}) from None
    if role not in TourTraveller.Role.values:
        raise ValidationError({"role": [_("Pick a role from the list.")]})
    band_contact_check(band_id=tour.band_id, by=by, email=email)
    # People the band has already (its members, the tour's travellers): telling it so tells it nothing new.
    if Membership.objects.filter(band_id=tour.band_id, user__email__iexact=email).exists():
        raise ValidationError({"email": [_("This is the address of a member of the band: members travel already.")]})
    if TourTraveller.objects.filter(tour=tour, user__email__iexact=email).exists():
        raise ValidationError({"email": [_("Whoever has this address travels on the tour already.")]})
    now = timezone.now()
    with transaction.atomic():
        Tour.objects.select_for_update().filter(pk=tour.pk).first()
        pending = TourInvite.objects.filter(tour=tour, email=email).filter(tour_invites_open(now))
        same = pending.filter(
            role=role, sees_money=sees_money, created_by=by, created_at__gte=now - INVITE_REPEAT_WINDOW
        ).first()
        if same is not None:
            return same
        pending.update(revoked_at=now)
        taken = TourTraveller.objects.filter(tour=tour).count()
        if taken + TourInvite.objects.filter(tour=tour).filter(tour_invites_open(now)).count() >= MAX_TRAVELLERS:
            raise BookingError(
                _("A tour has at most %(n)s travellers besides the band, counting open invitations.")
                % {"n": MAX_TRAVELLERS}
            )
        invite = TourInvite.objects.create(
            tour=tour,
            email=email,
            role=role,
            sees_money=sees_money,
            max_uses=1,
            expires_at=now + dt.timedelta(days=TOUR_INVITE_DAYS),
            created_by=by,
        )
        invite_email_queue(
            invite=invite,
            by=by,
            name=tour_invite_name(invite),
            time_zone=tour.band.time_zone,
            link=(base_url.rstrip("/") or site_url()) + tour_invite_path(invite=invite),
            subject_template="bands/email/invite_subject.txt",
            pitch=TOUR_INVITE_PITCH,
        )
    return invite


def tour_invite_withdraw(*, invite: TourInvite, by: User) -> TourInvite:
    """Withdraw an invitation nobody has accepted yet: its link lets nobody onto the tour any more."""
    _refuse_unless_manager(invite.tour.band_id, by)
    with transaction.atomic():
        return invite_withdraw(invites=TourInvite.objects.select_related("tour"), pk=invite.pk)


def tour_invite_accept(*, invite: TourInvite, user: User) -> TourTraveller:
    """`user` accepts an invitation and travels on its tour in its role (their own yes: decision 0134). Someone
    already on the tour keeps their place and uses nothing. The one who invited them and the band's leaders are
    told. Raises InviteError ("revoked", "expired", "used_up"; "revoked" too when the band's side and `user` have
    blocked one another since, or the party is full)."""
    with transaction.atomic():
        invite = TourInvite.objects.select_for_update().select_related("tour__band", "created_by").get(pk=invite.pk)
        invite_check_usable(invite)
        tour = invite.tour
        existing = TourTraveller.objects.filter(tour=tour, user=user).first()
        if existing is not None:
            return existing
        try:
            contact_check(
                asking=party_side(band_ids=[tour.band_id], user_ids=[invite.created_by_id or 0]),
                asked=party_side(user_ids=[user.pk]),
                name=user.name,
            )
        except ContactBlocked:
            raise InviteError(_("This invitation can no longer be used."), code="revoked") from None
        if TourTraveller.objects.filter(tour=tour).count() >= MAX_TRAVELLERS:
            raise InviteError(_("The tour's party is full. Ask the band to make room for you first."), code="used_up")
        traveller = TourTraveller.objects.create(
            tour=tour, user=user, role=invite.role, sees_money=invite.sees_money, added_by=invite.created_by
        )
        invite_use(invite)
        told = set(band_managers(tour.band_id))
        if invite.created_by is not None and invite.created_by.is_active:
            told.add(invite.created_by)
        notifications_create(
            recipients=sorted(told, key=lambda person: person.pk),
            kind=TOUR_PARTY_KIND,
            text=lazy_text(
                gettext_lazy("%(name)s accepted your invitation and travels on the tour “%(tour)s” as %(role)s."),
                name=user.name,
                tour=tour.name,
                role=TourTraveller.Role(traveller.role).label,
            ),
            link=reverse("gigs:tour_manage", args=[tour.pk]),
            key=f"tour-invite-accepted:{traveller.pk}",
            actor=user,
        )
    return traveller


def tour_traveller_add(*, tour: Tour, by: User, user: User, role: str, sees_money: bool = False) -> TourTraveller:
    """Put `user` in the touring party straight away, told in the app and by mail. Only for people the band
    has already agreed with in StageSlot itself (the demo's driver; tests): the band's door is an invitation
    (tour_traveller_invite), which the person accepts. Raises BookingPermissionError, ValidationError on `role`
    or `email` (a member; the account and the band's side blocked one another), BookingConflict (already on
    the tour), BookingError (the party is full)."""
    _refuse_unless_manager(tour.band_id, by)
    band_contact_check(band_id=tour.band_id, by=by, email=user.email)
    if role not in TourTraveller.Role.values:
        raise ValidationError({"role": [_("Pick a role from the list.")]})
    if Membership.objects.filter(band_id=tour.band_id, user=user).exists():
        raise ValidationError({"email": [_("%(name)s is in the band and travels already.") % {"name": user.name}]})
    with transaction.atomic():
        if TourTraveller.objects.filter(tour=tour).count() >= MAX_TRAVELLERS:
            raise BookingError(_("A tour has at most %(n)s travellers besides the band.") % {"n": MAX_TRAVELLERS})
        try:
            with transaction.atomic():
                traveller = TourTraveller.objects.create(
                    tour=tour, user=user, role=role, sees_money=sees_money, added_by=by
                )
        except IntegrityError as exc:
            raise BookingConflict(_("%(name)s already travels on this tour.") % {"name": user.name}) from exc
        _traveller_tell(traveller, tour=tour, by=by, added=True)
    return traveller


def tour_traveller_remove(*, traveller: TourTraveller, by: User) -> None:
    """Take a traveller off the tour: their calendar address of it answers 404 from now on (the row goes)
    and they leave its stays' rooms; nobody else's room changes. They are told."""
    _refuse_unless_manager(traveller.tour.band_id, by)
    with transaction.atomic():
        TourFeed.objects.filter(tour_id=traveller.tour_id, user_id=traveller.user_id).delete()
        TourStayGuest.objects.filter(stay__tour_id=traveller.tour_id, user_id=traveller.user_id).delete()
        _traveller_tell(traveller, tour=traveller.tour, by=by, added=False)
        traveller.delete()


def _traveller_tell(traveller: TourTraveller, *, tour: Tour, by: User, added: bool) -> None:
    """Tell the traveller, in the app and by mail as they chose ("tour_party"), that they were added to the
    tour (with a link to its itinerary, which they may open now) or taken off it (with a link to their
    tours). The one who did it is kept as a reference, drawn when shown; once per traveller row."""
    if added:
        text = lazy_text(
            gettext_lazy("%(name)s added you to the tour “%(tour)s” of %(band)s. Your role: %(role)s."),
            name=by.name,
            tour=tour.name,
            band=tour.band.name,
            role=TourTraveller.Role(traveller.role).label,
        )
        link = reverse("gigs:tour", args=[tour.pk])
    else:
        text = lazy_text(
            gettext_lazy("%(name)s took you off the tour “%(tour)s” of %(band)s."),
            name=by.name,
            tour=tour.name,
            band=tour.band.name,
        )
        link = reverse("gigs:my_tours")
    notifications_create(
        recipients=[traveller.user],
        kind=TOUR_PARTY_KIND,
        text=text,
        link=link,
        key=f"tour-traveller-{'added' if added else 'removed'}:{traveller.pk}",
        actor=by,
    )


# ---- Who sleeps where -----------------------------------------------------------------------------

MAX_ROOM_LENGTH = 20


def tour_stay_rooms_set(*, stay: TourStay, by: User, rooms: dict[int, str | None]) -> list[TourStayGuest]:
    """Who sleeps where in `stay`: for each person of the touring party (by account id), their room ("" for
    a room with no number) or None for not in this stay. People not named keep what they had. Raises
    BookingPermissionError, ValidationError on `rooms` (someone not in the party, a room too long)."""
    _refuse_unless_manager(stay.tour.band_id, by)
    party = {person.user.pk for person in tour_party_people(tour=stay.tour)}
    if set(rooms) - party:
        raise ValidationError({"rooms": [_("Only people of the touring party can have a room.")]})
    cleaned = {pk: None if room is None else room.strip() for pk, room in rooms.items()}
    if any(room is not None and len(room) > MAX_ROOM_LENGTH for room in cleaned.values()):
        raise ValidationError({"rooms": [_("A room is at most %(n)s characters.") % {"n": MAX_ROOM_LENGTH}]})
    with transaction.atomic():
        TourStayGuest.objects.filter(stay=stay, user_id__in=[pk for pk, r in cleaned.items() if r is None]).delete()
        for pk, room in cleaned.items():
            if room is not None:
                TourStayGuest.objects.update_or_create(stay=stay, user_id=pk, defaults={"room": room})
    return list(TourStayGuest.objects.filter(stay=stay).select_related("user"))


# ---- Each traveller's calendar address ------------------------------------------------------------


def _refuse_unless_traveller(tour: Tour, user: User) -> None:
    if not tour_access(tour=tour, user=user).see:
        raise BookingPermissionError(_("Only the touring party of this tour can see this page."))


def tour_feed_make(*, tour: Tour, user: User) -> TourFeed:
    """The person's secret calendar address of the tour: made if they have none, else theirs unchanged.
    Raises BookingPermissionError unless they may see the tour (a member, a traveller, a stand-in of it)."""
    _refuse_unless_traveller(tour, user)
    with transaction.atomic():
        feed, _created = TourFeed.objects.get_or_create(tour=tour, user=user)
    return feed


def tour_feed_renew(*, tour: Tour, user: User) -> TourFeed:
    """A new secret address for the person's calendar of the tour; the old one answers 404 from now on (a
    shared or leaked address is stopped this way). Raises BookingPermissionError as tour_feed_make."""
    _refuse_unless_traveller(tour, user)
    with transaction.atomic():
        feed = TourFeed.objects.select_for_update().filter(tour=tour, user=user).first()
        if feed is None:
            return TourFeed.objects.create(tour=tour, user=user)
        feed.token = new_tour_feed_token()
        feed.renewed_at = timezone.now()
        feed.save(update_fields=["token", "renewed_at"])
    return feed


# ---- Expected attendance (the door forecast) ------------------------------------------------------


def tour_attendance_set(*, tour: Tour, by: User, booking_id: int, expected: int | None) -> TourGig:
    """How many people the band expects at one show of the tour (None: no forecast), between 0 and the
    show's capacity (the agreed terms', else the venue's). Raises BookingPermissionError, ValidationError
    on `expected`."""
    _refuse_unless_manager(tour.band_id, by)
    gig = (
        TourGig.objects.select_related("booking__agreed_quote", "booking__venue")
        .filter(tour=tour, booking_id=booking_id)
        .first()
    )
    if gig is None:
        raise ValidationError({"booking": [_("Pick a gig of this tour.")]})
    if expected is not None:
        capacity = show_capacity(gig.booking)
        top = MAX_ATTENDANCE if capacity is None else min(capacity, MAX_ATTENDANCE)
        if not 0 <= expected <= top:
            raise ValidationError(
                {"expected": [_("Expect between 0 and %(n)s people (the show's capacity).") % {"n": top}]}
            )
    TourGig.objects.filter(pk=gig.pk).update(expected_attendance=expected)
    gig.expected_attendance = expected
    return gig


# ---- Costs ----------------------------------------------------------------------------------------


def tour_cost_add(
    *,
    tour: Tour,
    by: User,
    kind: str,
    planned_minor: int,
    actual_minor: int | None = None,
    label: str = "",
    booking_id: int | None = None,
    person_id: int | None = None,
) -> TourCost:
    """A cost of the tour, planned and (once known) actual, in minor units of the tour's currency; with a
    gig of the tour, it counts to that show's result; with `person_id`, someone of the touring party it is for
    (a driver's fee), by reference. Raises BookingPermissionError, ValidationError."""
    _refuse_unless_manager(tour.band_id, by)
    if kind not in TourCost.Kind.values:
        raise ValidationError({"kind": [_("Pick a kind of cost from the list.")]})
    if person_id is not None and person_id not in {p.user.pk for p in tour_party_people(tour=tour)}:
        raise ValidationError({"person": [_("Pick someone of the touring party, or nobody.")]})
    if booking_id is not None and not TourGig.objects.filter(tour=tour, booking_id=booking_id).exists():
        raise ValidationError({"booking": [_("Pick a gig of this tour.")]})
    with transaction.atomic():
        if TourCost.objects.filter(tour=tour).count() >= MAX_COSTS:
            raise BookingError(_("A tour keeps at most %(n)s costs.") % {"n": MAX_COSTS})
        return TourCost.objects.create(
            tour=tour,
            kind=kind,
            label=label[:120],
            person_id=person_id,
            planned_minor=planned_minor,
            actual_minor=actual_minor,
            booking_id=booking_id,
        )


def tour_cost_delete(*, cost: TourCost, by: User) -> None:
    _refuse_unless_manager(cost.tour.band_id, by)
    cost.delete()


# ---- Exchange rates -------------------------------------------------------------------------------


def tour_rate_set(*, tour: Tour, by: User, currency: str, rate: Decimal) -> TourRate:
    """What one unit of `currency` is worth in the tour's currency, as of today (the leader's day): shows in
    that currency are then converted and counted in the tour's money. Only a currency some show of the tour
    is in; more than 0, at most MAX_RATE, six decimal places at most. Raises BookingPermissionError,
    ValidationError (nothing saved)."""
    _refuse_unless_manager(tour.band_id, by)
    if currency == tour.currency or currency not in tour_money(tour=tour).foreign_currencies:
        raise ValidationError({"currency": [_("No show of this tour is in that currency.")]})
    if not isinstance(rate, Decimal) or not rate.is_finite():
        raise ValidationError({"rate": [_("Enter the exchange rate as a number, e.g. 1.0480.")]})
    if not Decimal(0) < rate <= MAX_RATE:
        raise ValidationError({"rate": [_("An exchange rate is more than 0 and at most 100,000.")]})
    if rate != rate.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        raise ValidationError({"rate": [_("Give the exchange rate with at most 6 decimal places.")]})
    today = timezone.localdate(timezone=zone_of(by.time_zone))
    saved, _created = TourRate.objects.update_or_create(
        tour=tour, currency=currency, defaults={"rate": rate, "set_on": today}
    )
    return saved
