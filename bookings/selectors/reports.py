"""What a report is about (decision 0081): a message, a request or booking, a band's or venue's profile, or a
show, each found only for who may see it, with the party answerable for it and what the reporter sees."""

from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, OuterRef, Subquery, When
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.blocks import Party, user_party
from accounts.models import Report, User
from bands.selectors import bands_public
from venues.selectors import venues_public

from ..models import Booking, Message
from .blocks import band_party, block_targets_of_booking, venue_party
from .bookings import booking_for_viewer, slots_public
from .threads import thread_can_read

Subject = Report.Subject


@dataclass
class ReportSubject:
    kind: str  # a Report.Subject value
    ref: str  # the id, slug or uid it was named by (kept as subject_id)
    account: Party
    account_name: str
    title: str
    back: str  # where the reporter goes back to
    evidence: dict = field(default_factory=dict)


def _booking_subject(booking: Booking, user: User) -> ReportSubject | None:
    """The other side of `booking` as `user` sees it (blocks.block_targets_of_booking): the band, or the venue,
    the hosting band or the client."""
    targets = block_targets_of_booking(booking, user)
    if not targets:
        return None
    account, name = targets[0]
    evidence = {
        "kind": booking.kind,
        "status": booking.status,
        "starts_at": booking.starts_at.isoformat(),
        "event_type": booking.event_type,
        "location": booking.location,
        "message": booking.message,
    }
    back = reverse("bookings:detail", args=[booking.uid])
    return ReportSubject(Subject.BOOKING, str(booking.uid), account, name, name, back, evidence)


def report_subject(*, kind: str, ref: str, user: User) -> ReportSubject | None:
    """The thing `kind` + `ref` names, if `user` may see it and report it (never their own message or band);
    None otherwise (the views answer 404: what one may not see one cannot report)."""
    try:
        if kind == Subject.MESSAGE:
            message = Message.objects.select_related("author", "booking").filter(pk=int(ref)).first()
            if message is None or message.author_id in (None, user.pk):
                return None
            if not thread_can_read(booking=message.booking, user=user):
                return None
            author = message.author
            evidence = {
                "body": message.body,
                "written_at": message.created_at.isoformat(),
                "booking": str(message.booking.uid),
            }
            back = reverse("bookings:detail", args=[message.booking.uid]) + "#thread"
            return ReportSubject(kind, str(message.pk), user_party(author.pk), author.name, author.name, back, evidence)
        if kind == Subject.BOOKING:
            booking = booking_for_viewer(uid=UUID(ref), user=user)
            return _booking_subject(booking, user) if booking is not None else None
        if kind == Subject.BAND:
            band = bands_public().filter(slug=ref).first()
            if band is None or band.memberships.filter(user_id=user.pk).exists():
                return None
            evidence = {"name": band.name, "tagline": band.tagline, "bio": band.bio[:2000]}
            back = reverse("bands:detail", args=[band.slug])
            return ReportSubject(kind, band.slug, band_party(band.pk), band.name, band.name, back, evidence)
        if kind == Subject.VENUE:
            venue = venues_public().filter(slug=ref).first()
            if venue is None or venue.staff_roles.filter(user_id=user.pk).exists():
                return None
            evidence = {"name": venue.name, "description": venue.description[:2000]}
            back = reverse("venues:detail", args=[venue.slug])
            return ReportSubject(kind, venue.slug, venue_party(venue.pk), venue.name, venue.name, back, evidence)
        if kind == Subject.SHOW:
            slot = slots_public().select_related("venue", "host_band").filter(pk=int(ref)).first()
            if slot is None:
                return None
            if slot.host_band_id:
                account, name = band_party(slot.host_band_id), slot.host_band.name
            else:
                account, name = venue_party(slot.venue_id), slot.venue.name
            title = slot.title or name
            evidence = {"title": slot.title, "place": slot.place_label, "starts_at": slot.starts_at.isoformat()}
            back = reverse("bookings:show_detail", args=[slot.pk])
            return ReportSubject(kind, str(slot.pk), account, name, title, back, evidence)
    except (ValueError, OverflowError, ValidationError):
        return None
    return None


def report_queue():
    """Reports for staff: open ones first, those against the account with the most open reports on top, the
    reports against one account together (the account waiting longest first), then the oldest first (the
    admin's default order)."""
    same_account = Report.objects.filter(
        status=Report.Status.OPEN, account_kind=OuterRef("account_kind"), account_id=OuterRef("account_id")
    ).order_by()
    open_reports = same_account.values("account_kind").annotate(n=Count("pk")).values("n")
    return (
        Report.objects.select_related("reporter", "resolved_by", "claimed_by")
        .annotate(
            open_against=Coalesce(Subquery(open_reports), 0),
            open_first=Case(When(status=Report.Status.OPEN, then=0), default=1),
            account_since=Subquery(same_account.order_by("created_at").values("created_at")[:1]),
        )
        .order_by(*QUEUE_ORDER)
    )


QUEUE_ORDER = ("open_first", "-open_against", "account_since", "account_kind", "account_id", "created_at")
