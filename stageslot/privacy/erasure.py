"""Closing an account and erasing it (docs/decisions/0082).

Closing is at once: every session ends, API tokens, Web Push devices, calendar feeds and connected
calendars' credentials go, the person's own pending requests are withdrawn (the band is told). Signing in
then only offers to keep the account. After STAGESLOT_ACCOUNT_GRACE_DAYS the worker erases it: every model
of the person-data map by its rule, and the User row made a tombstone, "Former member", so that what others
keep still points somewhere: it names people by reference, so no text is searched (docs/decisions/0131).

What blocks: a band, venue or organisation the person alone leads while others are in it must be handed
over before closing, and so must a band the person plays in alone while it has booked gigs to come (nobody
could play them: the person cancels them, the other side told and refunded by the agreed terms, or brings
in someone to take the band over; decision 0083); money owed either way (a booked gig they still have to
pay, shares their band still owes them) holds the erasure back until settled, and the closing page and the
closure say why.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import ERASED_EMAIL_DOMAIN, AccountClosure, ApiToken, PushSubscription, User
from bands.models import Membership
from bookings.models import Booking, CalendarFeed
from bookings.services.answering import booking_withdraw
from calendars.services import connected_calendars_forget
from payments.models import LedgerEntry
from payments.selectors import member_due, payer_money
from teams.models import OrgMember, Role
from venues.models import VenueStaff

from .ledger import ledger_append, ledger_read
from .person_data import BLANK, DELETE, MAP, SERVICE, Entry

logger = logging.getLogger(__name__)

# Closures erased per run of the periodic task: each is a few hundred queries.
ERASURES_PER_RUN = 10
TOMBSTONE_DOMAIN = ERASED_EMAIL_DOMAIN


@dataclass(frozen=True)
class Blocker:
    """Something in the way of closing (`kind` "handover") or of erasing (`kind` "money")."""

    kind: str
    text: str


def closure_blockers(user: User, now: dt.datetime | None = None) -> list[Blocker]:
    """What stands in the way of closing this account (hand-overs, a band of one's gigs to come) or of
    erasing it (money, and any of those that arose during the grace period)."""
    found: list[Blocker] = _solo_gigs_blockers(user, now or timezone.now())
    for band_id, band_name in Membership.objects.filter(user=user, role=Membership.Role.LEADER).values_list(
        "band_id", "band__name"
    ):
        others = Membership.objects.filter(band_id=band_id).exclude(user=user)
        if others.exists() and not others.filter(role=Membership.Role.LEADER).exists():
            found.append(
                Blocker(
                    "handover",
                    _("You are the only leader of %(band)s: make another member its leader first.")
                    % {"band": band_name},
                )
            )
    for venue_id, venue_name in VenueStaff.objects.filter(user=user, role=VenueStaff.Role.OWNER).values_list(
        "venue_id", "venue__name"
    ):
        others = VenueStaff.objects.filter(venue_id=venue_id).exclude(user=user)
        if others.exists() and not others.filter(role=VenueStaff.Role.OWNER).exists():
            found.append(
                Blocker(
                    "handover",
                    _("You are the only owner of %(venue)s: make another of its staff an owner first.")
                    % {"venue": venue_name},
                )
            )
    for org_id, org_name in OrgMember.objects.filter(user=user, role=Role.OWNER).values_list(
        "organisation_id", "organisation__name"
    ):
        others = OrgMember.objects.filter(organisation_id=org_id).exclude(user=user)
        if others.exists() and not others.filter(role=Role.OWNER).exists():
            found.append(
                Blocker(
                    "handover",
                    _("You are the only owner of %(org)s: make another member an owner first.") % {"org": org_name},
                )
            )
    for currency, money in payer_money(user=user).items():
        if money["due"] > 0:
            found.append(
                Blocker(
                    "money",
                    _(
                        "You still owe %(amount)s %(currency)s for a booked gig: your data is erased once "
                        "it is paid or the gig is cancelled."
                    )
                    % {"amount": _minor(money["due"]), "currency": currency},
                )
            )
    owed = LedgerEntry.objects.filter(member=user).values("band_id", "band__name", "currency").annotate(n=Count("id"))
    for row in owed.order_by():
        due = member_due(band_id=row["band_id"], member_id=user.pk, currency=row["currency"])
        if due > 0:
            found.append(
                Blocker(
                    "money",
                    _(
                        "%(band)s still owes you %(amount)s %(currency)s: your data is erased once it is "
                        "paid or you waive it with the band."
                    )
                    % {"band": row["band__name"], "amount": _minor(due), "currency": row["currency"]},
                )
            )
    return found


def _solo_gigs_blockers(user: User, now: dt.datetime) -> list[Blocker]:
    """A band the person plays in alone, with booked gigs still to come: without them nobody can play those
    gigs, and once they have gone nobody can cancel them either, so the person handles them first."""
    alone = Membership.objects.filter(user=user).exclude(
        band_id__in=Membership.objects.exclude(user=user).values("band_id")
    )
    gigs = (
        Booking.objects.filter(band_id__in=alone.values("band_id"), status=Booking.Status.BOOKED, ends_at__gt=now)
        .values("band__name")
        .annotate(n=Count("pk"))
        .order_by("band__name")
    )
    return [
        Blocker(
            "handover",
            ngettext(
                "You play in %(band)s alone and it has %(count)d booked gig to come that nobody could play "
                "without you: cancel it from its booking page (the other side is told, and refunded by the agreed "
                "terms) or invite someone to take the band over first.",
                "You play in %(band)s alone and it has %(count)d booked gigs to come that nobody could play "
                "without you: cancel them from their booking pages (the other side is told, and refunded by the "
                "agreed terms) or invite someone to take the band over first.",
                row["n"],
            )
            % {"band": row["band__name"], "count": row["n"]},
        )
        for row in gigs
    ]


def _minor(amount: int) -> str:
    return f"{amount / 100:.2f}"


class ClosureRefused(Exception):
    """The account cannot be closed yet; `blockers` say why."""

    def __init__(self, blockers: list[Blocker]) -> None:
        super().__init__("; ".join(b.text for b in blockers))
        self.blockers = blockers


def account_close(*, user: User, now: dt.datetime | None = None) -> AccountClosure:
    """Close the account at once (the person confirmed it): sessions end (the session hash covers
    `closed_at`), tokens, push devices, feeds and connected calendars go, their own pending requests are
    withdrawn with the band told. Erased after the grace period by `account_erasures_round`.

    Raises ClosureRefused when something must be handed over first."""
    now = now or timezone.now()
    handovers = [b for b in closure_blockers(user, now) if b.kind == "handover"]
    if handovers:
        raise ClosureRefused(handovers)
    for booking in Booking.objects.filter(client=user, kind=Booking.Kind.REQUEST, status=Booking.Status.PENDING):
        booking_withdraw(booking=booking, by=user, now=now)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.closed_at = now
        user.save(update_fields=["closed_at"])
        closure, _created = AccountClosure.objects.update_or_create(
            user=user,
            defaults={
                "requested_at": now,
                "due_at": now + dt.timedelta(days=settings.STAGESLOT_ACCOUNT_GRACE_DAYS),
                "erased_at": None,
            },
        )
        ApiToken.objects.filter(user=user).delete()
        PushSubscription.objects.filter(user=user).delete()
        CalendarFeed.objects.filter(user=user).delete()
        sessions_end(user=user, now=now)
    # Outside the transaction: it may wait for Google, and a failure there is retried by the worker.
    connected_calendars_forget(user=user, now=now)
    return closure


def closure_pending(*, user: User) -> AccountClosure | None:
    """This person's closure not yet erased, if any."""
    return AccountClosure.objects.filter(user=user, erased_at__isnull=True).first()


def account_keep(*, user: User) -> User:
    """Undo a closure within the grace period: the account is open again (tokens, devices and feeds that
    went stay gone: the person makes new ones)."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.erased_at is not None or user.closed_at is None:
            return user
        user.closed_at = None
        user.save(update_fields=["closed_at"])
        AccountClosure.objects.filter(user=user).delete()
    return user


def sessions_end(*, user: User, now: dt.datetime | None = None) -> int:
    """Delete every live session of this person (the session hash already refuses them; this leaves none
    behind). Returns how many."""
    now = now or timezone.now()
    ended = 0
    for session in Session.objects.filter(expire_date__gt=now).iterator(chunk_size=2000):
        if str(session.get_decoded().get("_auth_user_id", "")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def account_erasures_round(*, now: dt.datetime | None = None, limit: int = ERASURES_PER_RUN) -> int:
    """Erase closed accounts whose grace period has passed, a few per run. Returns how many were erased."""
    now = now or timezone.now()
    due = AccountClosure.objects.filter(due_at__lte=now, erased_at__isnull=True).order_by("due_at")
    erased = 0
    for closure_id in due.values_list("pk", flat=True)[:limit]:
        if account_erase(closure_id=closure_id, now=now):
            erased += 1
    return erased


def account_erase(*, closure_id: int, now: dt.datetime | None = None, blockers_asked: bool = True) -> bool:
    """Erase one closed account by the person-data map, step by step (each step recorded, so a run that
    stops carries on where it was). Money still owed either way holds it back (the closure says why), unless
    `blockers_asked` is False (an erasure done before, applied again after a restore). The erasure is added
    to the erasure ledger (stageslot/privacy/ledger.py). Returns whether the account is now erased."""
    now = now or timezone.now()
    closure = AccountClosure.objects.select_related("user").get(pk=closure_id)
    user = closure.user
    if closure.erased_at is not None:
        return True
    if user.closed_at is None:
        return False
    blockers = closure_blockers(user, now) if blockers_asked else []
    if blockers:
        closure.waiting_for = " ".join(b.text for b in blockers)[:500]
        closure.save(update_fields=["waiting_for"])
        return False
    for entry in MAP:
        if entry.label in closure.steps_done:
            continue
        with transaction.atomic():
            entry_erase(entry=entry, user=user)
            closure.steps_done = [*closure.steps_done, entry.label]
            closure.save(update_fields=["steps_done"])
    with transaction.atomic():
        closure.erased_at = now
        closure.waiting_for = ""
        closure.save(update_fields=["erased_at", "waiting_for"])
    ledger_append(user_id=user.pk, erased_at=now)
    logger.info("Account %s erased", user.pk)
    return True


def entry_erase(*, entry: Entry, user: User) -> None:
    """Apply one map entry's rule to this person's rows (docs/decisions/0131). No text is searched for their
    name: what StageSlot writes names people by reference (accounts/people.py), drawn as "Former member" once
    they are erased, and what people typed stays as they typed it. The one value read is an email field (a
    `copies` field of the map) that holds exactly their address: it names them alone, and is emptied."""
    model = apps.get_model(entry.label)
    if entry.erase == SERVICE:
        import_string(entry.service)(user=user)
    elif entry.person:
        mine = Q()
        for key in entry.person:
            mine |= Q(**{key: user})
        if entry.erase == DELETE:
            model._base_manager.filter(mine).delete()
        elif entry.erase == BLANK:
            model._base_manager.filter(mine).update(**dict.fromkeys(entry.blank, ""))
    for name in entry.by_email:
        model._base_manager.filter(**{f"{name}__iexact": user.email}).delete()
    for name, fields in entry.contacts.items():
        if model._meta.get_field(name).is_relation:
            # A contact who is their account: the key stays ("Former member"), what was typed beside it goes.
            model._base_manager.filter(**{name: user}).update(**dict.fromkeys(fields, ""))
    email = user.email.strip()
    if not email or email.endswith(f"@{TOMBSTONE_DOMAIN}"):
        return
    for name in entry.copies:
        if isinstance(model._meta.get_field(name), models.EmailField):
            # A contact (its name, its phone) given with exactly their address is theirs: it goes whole.
            emptied = dict.fromkeys((name, *entry.contacts.get(name, ())), "")
            model._base_manager.filter(**{f"{name}__iexact": email}).update(**emptied)


def tombstone(*, user: User) -> None:
    """Make the User row a tombstone: no name, no email, no password, no avatar; "Former member"."""
    user = User.objects.get(pk=user.pk)
    if user.avatar:
        user.avatar.delete(save=False)
    user.email = f"erased-{user.pk}@{TOMBSTONE_DOMAIN}"
    user.display_name = ""
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.time_zone = "UTC"
    user.language = ""
    user.here_for = ""
    user.avatar = ""
    user.erased_at = timezone.now()
    user.save()


def rendered_pdfs_clear(*, user: User) -> None:
    """Drop every kept PDF that no document points at (a cache, drawn again on demand: it may hold the
    person's name); the PDFs of invoices and contracts stay under legal hold."""
    pdf_model = apps.get_model("documents.RenderedPdf")
    referenced: set[int] = set()
    relations = [f for f in pdf_model._meta.get_fields(include_hidden=True) if f.auto_created and not f.concrete]
    for relation in relations:
        column = relation.field.attname
        referenced |= set(
            relation.related_model._base_manager.filter(**{f"{column}__isnull": False}).values_list(column, flat=True)
        )
    pdf_model.objects.exclude(pk__in=referenced).delete()


def erasures_reapply(*, path: Path, now: dt.datetime | None = None) -> dict[str, int]:
    """Erase again every account the ledger names that this database holds unerased (a restored backup made
    before it was erased), at once and whatever the restored rows say it still owes: it was settled when it
    was erased. Returns counts: erased again, already erased, not in this database."""
    now = now or timezone.now()
    counts = {"erased": 0, "already": 0, "absent": 0}
    for user_id in dict.fromkeys(line.user_id for line in ledger_read(path)):
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            counts["absent"] += 1
            continue
        if user.erased_at is not None:
            counts["already"] += 1
            continue
        User.objects.filter(pk=user_id, closed_at__isnull=True).update(closed_at=now)
        closure, _created = AccountClosure.objects.update_or_create(
            user=user, defaults={"requested_at": now, "due_at": now, "erased_at": None, "steps_done": []}
        )
        sessions_end(user=user, now=now)
        account_erase(closure_id=closure.pk, now=now, blockers_asked=False)
        counts["erased"] += 1
    return counts
