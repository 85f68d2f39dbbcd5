"""A booked gig's own life for the band and the venue: the day sheet's details and its advancing checklist;
who plays it (each member's answer, stand-ins taking a place) and its set list from the band's songs."""

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bands.models import Band, Currency, InviteBase
from bookings.models import Booking


@dataclass(frozen=True)
class Contact:
    """A day sheet's contact as read: `person` (an account, or None for someone typed by hand), and the name,
    phone and email to show – a person's name and email are theirs now, never a copy."""

    person: Any
    name: str
    phone: str
    email: str

    @classmethod
    def of(cls, sheet: "DaySheet", side: str) -> "Contact":
        person = getattr(sheet, f"{side}_contact_person")
        phone = getattr(sheet, f"{side}_contact_phone")
        if person is not None:
            return cls(person=person, name=person.name, phone=phone, email="" if not person.is_active else person.email)
        return cls(
            person=None,
            name=getattr(sheet, f"{side}_contact_name"),
            phone=phone,
            email=getattr(sheet, f"{side}_contact_email"),
        )

    def __bool__(self) -> bool:
        return bool(self.person or self.name or self.phone or self.email)


class DaySheet(models.Model):
    """What a gig's day needs beyond the booking: who to call, when doors open, where to park.

    One per booking, written by the side that runs the day (the venue's staff, the client of a private
    event, the host band of its own show). Times are stored in UTC and read in the booking's zone.
    What the booking already says (load-in and set of a show's running order, the agreed terms, the
    files) is not copied here: the page reads it from the booking.
    """

    booking = models.OneToOneField(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="day_sheet"
    )
    venue_contact_name = models.CharField(_("venue contact"), max_length=120, blank=True)
    venue_contact_phone = models.CharField(_("venue contact's phone"), max_length=40, blank=True)
    venue_contact_email = models.EmailField(_("venue contact's email"), blank=True)
    band_contact_name = models.CharField(_("band contact"), max_length=120, blank=True)
    band_contact_phone = models.CharField(_("band contact's phone"), max_length=40, blank=True)
    band_contact_email = models.EmailField(_("band contact's email"), blank=True)
    # A contact who is someone of that side with an account (a band's member, a venue's staff), by reference: their
    # name and email are drawn from the account when shown ("Former member" once erased, and erasure empties the
    # phone typed beside it); the text fields above hold only a contact who is nobody's account (decision 0134).
    venue_contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("venue contact (account)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    band_contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("band contact (account)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    load_in_at = models.DateTimeField(_("load-in"), null=True, blank=True)
    soundcheck_at = models.DateTimeField(_("soundcheck"), null=True, blank=True)
    doors_at = models.DateTimeField(_("doors"), null=True, blank=True)
    curfew_at = models.DateTimeField(_("curfew"), null=True, blank=True)
    backline = models.TextField(_("backline"), max_length=2000, blank=True)
    hospitality = models.TextField(_("hospitality"), max_length=2000, blank=True)
    accommodation = models.TextField(_("accommodation"), max_length=2000, blank=True)
    parking = models.TextField(_("parking"), max_length=2000, blank=True)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    # How many people (each guest and their plus-ones) each side may put on the guest list; None: no cap.
    # Set by the side that runs the day; a gig without a sheet has the defaults (GUEST_CAP_DEFAULTS).
    guest_cap_band = models.PositiveSmallIntegerField(
        _("band's guest list places"), null=True, blank=True, default=10, validators=[MaxValueValidator(999)]
    )
    guest_cap_venue = models.PositiveSmallIntegerField(
        _("venue's guest list places"), null=True, blank=True, validators=[MaxValueValidator(999)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("day sheet")
        verbose_name_plural = _("day sheets")
        constraints = [
            models.CheckConstraint(
                condition=Q(soundcheck_at__isnull=True)
                | Q(load_in_at__isnull=True)
                | Q(soundcheck_at__gte=F("load_in_at")),
                name="gigs_daysheet_soundcheck_after_load_in",
                violation_error_message=_("The soundcheck comes after the load-in."),
            ),
            models.CheckConstraint(
                condition=Q(curfew_at__isnull=True) | Q(doors_at__isnull=True) | Q(curfew_at__gt=F("doors_at")),
                name="gigs_daysheet_curfew_after_doors",
                violation_error_message=_("The curfew comes after the doors open."),
            ),
        ]

    def __str__(self) -> str:
        # Translators: the day sheet of a booking, e.g. "Day sheet of Offer 5f0c… (Booked)".
        return gettext("Day sheet of %(booking)s") % {"booking": self.booking_id}

    @property
    def venue_contact(self) -> "Contact":
        """The venue side's contact as shown: drawn from the account when it is someone's."""
        return Contact.of(self, "venue")

    @property
    def band_contact(self) -> "Contact":
        """The band's contact as shown: drawn from the account when it is someone's."""
        return Contact.of(self, "band")


class Side(models.TextChoices):
    """Who owns an advancing item or a guest: the side that runs the day (the venue's staff, the client of
    a private event, the host of a show) or the band that plays."""

    VENUE = "venue", _("Venue side")
    BAND = "band", _("Band side")


class AdvanceItem(models.Model):
    """One item of a gig's advancing checklist marked as confirmed ("advanced"): by whom, when, with a
    note; whose it is to confirm and by when. An item without a row, or whose row has no moment (it was
    reopened), is still open; without a row, or with an empty owner or due date, it has its defaults
    (gigs.selectors.day_sheets.ITEM_OWNER, ITEM_DUE_DAYS)."""

    class Item(models.TextChoices):
        ADDRESS = "address", _("Address")
        CONTACTS = "contacts", _("Contacts")
        LOAD_IN = "load_in", _("Load-in")
        SOUNDCHECK = "soundcheck", _("Soundcheck")
        DOORS = "doors", _("Doors")
        SET_TIMES = "set_times", _("Set times")
        RUNNING_ORDER = "running_order", _("Running order")
        BACKLINE = "backline", _("Backline")
        HOSPITALITY = "hospitality", _("Hospitality")
        ACCOMMODATION = "accommodation", _("Accommodation")
        PARKING = "parking", _("Parking")
        PAYMENT_TERMS = "payment_terms", _("Payment terms")
        FILES = "files", _("Files")

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="advance_items"
    )
    item = models.CharField(_("item"), max_length=16, choices=Item.choices)
    advanced_at = models.DateTimeField(_("advanced at"), null=True, blank=True)
    advanced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("advanced by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    owner = models.CharField(_("owner"), max_length=8, choices=Side.choices, blank=True, db_default="")
    due_on = models.DateField(_("due on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("advance item")
        verbose_name_plural = _("advance items")
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "item"],
                name="gigs_advance_item_once_per_booking",
                violation_error_message=_("This item is already on the gig's checklist."),
            ),
        ]
        indexes = [
            # The hourly advancing reminders: the checklists changed since the last run, and the open items whose
            # own due date fell due since (decision 0092).
            models.Index(fields=["updated_at"], name="gigs_advance_item_updated"),
            models.Index(
                fields=["due_on"],
                condition=Q(advanced_at__isnull=True, due_on__isnull=False),
                name="gigs_advance_item_own_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()} ({self.booking_id})"

    @property
    def is_advanced(self) -> bool:
        return self.advanced_at is not None


class AdvanceComment(models.Model):
    """A word on one advancing item, by either side ("Backline: can you bring your own snare?"). Kept: a
    comment is never edited or deleted, so the thread reads as it happened."""

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="advance_comments"
    )
    item = models.CharField(_("item"), max_length=16, choices=AdvanceItem.Item.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("comment"), max_length=1000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("advancing comment")
        verbose_name_plural = _("advancing comments")
        indexes = [models.Index(fields=["booking", "item", "created_at"], name="gigs_advcomment_thread")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""), name="gigs_advcomment_text", violation_error_message=_("Write a comment.")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()} ({self.booking_id}): {self.text[:40]}"


class GuestEntry(models.Model):
    """One name on a show's guest list, put there by one side, with the people they bring. Door staff tick
    it when the guest arrives. Each side's entries (one place each, plus their plus-ones) stay within its
    cap (DaySheet.guest_cap_band / guest_cap_venue)."""

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="guest_entries"
    )
    side = models.CharField(_("side"), max_length=8, choices=Side.choices)
    name = models.CharField(_("name"), max_length=120)
    plus_ones = models.PositiveSmallIntegerField(
        _("plus-ones"), default=0, validators=[MinValueValidator(0), MaxValueValidator(9)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("guest")
        verbose_name_plural = _("guest list")
        indexes = [models.Index(fields=["booking", "side"], name="gigs_guest_booking_side")]
        constraints = [
            models.CheckConstraint(
                condition=Q(plus_ones__lte=9),
                name="gigs_guest_plus_ones_max",
                violation_error_message=_("A guest brings nine people at most."),
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="gigs_guest_name", violation_error_message=_("Write the guest's name.")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} +{self.plus_ones} ({self.booking_id})"

    @property
    def places(self) -> int:
        return 1 + self.plus_ones


# ---- Who plays: each member's answer to "Can you play?" --------------------------------------------


class Answer(models.TextChoices):
    """Gig-O-Matic's range of answers, from sure to no; "" (no row value) is "not answered yet"."""

    DEFINITELY = "definitely", _("Definitely")
    PROBABLY = "probably", _("Probably")
    DONT_KNOW = "dont_know", _("Don't know")
    PROBABLY_NOT = "probably_not", _("Probably not")
    CANT = "cant", _("Can't")


class GigAnswer(models.Model):
    """A playing member's place in a gig's line-up and their answer to "Can you play?".

    One row per member of the band when the gig is booked (a member who joins later is added while the
    gig is ahead); the instrument and whether the member is required are copied from the membership
    then. The answer can change until the gig ends. A place a stand-in took names the stand-in: the
    place is then filled whatever the member answered.
    """

    Answer = Answer  # the choices, for templates: {% for value, label in place.Answer.choices %}

    booking = models.ForeignKey(Booking, verbose_name=_("gig"), on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.CASCADE, related_name="gig_answers"
    )
    instrument = models.CharField(_("instrument"), max_length=60, blank=True)
    required = models.BooleanField(_("required"), default=True)
    answer = models.CharField(_("answer"), max_length=16, choices=Answer.choices, blank=True)
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    # The reminder before the gig's "answer by" date (GigDeadline), sent once per place and date.
    answer_by_reminded_at = models.DateTimeField(_("reminded before the answer-by date"), null=True, blank=True)
    stand_in = models.ForeignKey(
        "StandIn",
        verbose_name=_("stand-in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="places",
        help_text=_("The stand-in who took this place."),
    )
    # The part the leader gave this place for this gig (a doubler on sax tonight); empty: the member's own
    # sections (a stand-in: the usual section of the member they cover). gigs.services.parts.
    part = models.ForeignKey(
        "bands.Section",
        verbose_name=_("part"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The section this place plays at this gig."),
    )
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "member"],
                name="gigs_answer_once_per_member",
                violation_error_message=_("This member already has a place in the gig's line-up."),
            ),
            models.CheckConstraint(
                condition=Q(answer="") | Q(answered_at__isnull=False),
                name="gigs_answer_has_moment",
                violation_error_message=_("An answer has the moment it was given."),
            ),
        ]
        indexes = [models.Index(fields=["member", "booking"], name="gigs_answer_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.booking_id}: {self.answer or '-'}"


class SectionShort(models.Model):
    """A section of a gig that the places still able to play (not a "can't" or "probably not", unless a
    stand-in took it) can no longer fill – or, with no section, the gig's players in all below the band's
    total (Band.min_players). The leaders (and the section) were told once, when the row was made; the row
    goes when it is covered again, so a new shortfall is told again
    (gigs.services.parts.gig_shortfalls_check)."""

    booking = models.ForeignKey(Booking, verbose_name=_("gig"), on_delete=models.CASCADE, related_name="short_sections")
    # None: the band's total is short, not a section.
    section = models.ForeignKey(
        "bands.Section", verbose_name=_("section"), on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    since = models.DateTimeField(_("short since"))

    class Meta:
        verbose_name = _("short section")
        verbose_name_plural = _("short sections")
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "section"],
                name="gigs_section_short_once",
                violation_error_message=_("This section is already marked short for the gig."),
            ),
            models.UniqueConstraint(
                fields=["booking"],
                condition=models.Q(section__isnull=True),
                name="gigs_total_short_once",
                violation_error_message=_("The gig is already marked short of players in all."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section_id} short @ {self.booking_id}"


class GigDeadline(models.Model):
    """A gig's "answer by" date, which its band's leaders set, and whether its answers are locked.

    The date is a day in the band's zone: answers are due before it ends (or before the gig starts, if that
    is sooner: gigs.services.answers.answer_by_moment). Members who have not answered are reminded once
    before it; after it the leaders may lock the answers, so nobody changes theirs, and unlock them."""

    booking = models.OneToOneField(
        Booking, verbose_name=_("gig"), on_delete=models.CASCADE, related_name="deadline", primary_key=True
    )
    answer_by = models.DateField(_("answer by"), null=True, blank=True)
    locked = models.BooleanField(_("answers locked"), default=False, db_default=False)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("answer-by date")
        verbose_name_plural = _("answer-by dates")
        constraints = [
            models.CheckConstraint(
                condition=Q(locked=False) | Q(locked_at__isnull=False),
                name="gigs_deadline_locked_has_moment",
                violation_error_message=_("Locked answers have the moment they were locked."),
            ),
        ]
        indexes = [models.Index(fields=["answer_by"], name="gigs_deadline_answer_by_idx")]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.answer_by or '-'}{' (locked)' if self.locked else ''}"


# ---- Stand-ins: musicians a band can ask to take a member's place --------------------------------


def new_stand_in_token() -> str:
    return secrets.token_urlsafe(32)


class StandIn(models.Model):
    """A musician in a band's pool of stand-ins for an instrument, with or without an account.

    `token` is the stand-in's personal secret: their page of the gigs they play (with each day sheet)
    and their calendar feed. `user` is set when the email belongs to an account (then the gigs also show
    on their dashboard and they may get a share of the fee).
    """

    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="stand_ins")
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email"))
    instrument = models.CharField(_("instrument"), max_length=60)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stand_in_for",
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_stand_in_token, editable=False)
    archived_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stand-in")
        verbose_name_plural = _("stand-ins")
        ordering = ["band", "instrument", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["band", "email", "instrument"],
                name="gigs_stand_in_once_per_instrument",
                violation_error_message=_("This musician is already in the pool for this instrument."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.instrument})"


class StandInRequest(models.Model):
    """The band's leaders ask one or several stand-ins to take one member's place at one gig.

    The first stand-in who says yes takes it, under the place's lock (`filled_by`); the others are told
    the place is filled. At most one request of a place is filled.
    """

    place = models.ForeignKey(
        GigAnswer, verbose_name=_("place"), on_delete=models.CASCADE, related_name="stand_in_requests"
    )
    booking = models.ForeignKey(
        Booking, verbose_name=_("gig"), on_delete=models.CASCADE, related_name="stand_in_requests"
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    filled_by = models.ForeignKey(
        StandIn, verbose_name=_("filled by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filled_at = models.DateTimeField(_("filled at"), null=True, blank=True)
    closed_at = models.DateTimeField(
        _("closed at"), null=True, blank=True, help_text=_("Withdrawn, or the gig was cancelled.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stand-in request")
        verbose_name_plural = _("stand-in requests")
        constraints = [
            models.UniqueConstraint(
                fields=["place"],
                condition=Q(filled_by__isnull=False),
                name="gigs_stand_in_request_one_filled",
                violation_error_message=_("This place is filled already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} <- {self.filled_by_id or '?'}"


class StandInAsk(models.Model):
    """One stand-in asked in a request, and what became of it. `token` is the ask's own link."""

    class Reply(models.TextChoices):
        WAITING = "", _("Not answered")
        YES = "yes", _("Yes, I play")
        NO = "no", _("No")
        FILLED = "filled", _("Someone else took the place")
        CLOSED = "closed", _("No longer needed")

    request = models.ForeignKey(
        StandInRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="asks"
    )
    stand_in = models.ForeignKey(StandIn, verbose_name=_("stand-in"), on_delete=models.CASCADE, related_name="asks")
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_stand_in_token, editable=False)
    reply = models.CharField(_("reply"), max_length=8, choices=Reply.choices, blank=True, default=Reply.WAITING)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stand-in ask")
        verbose_name_plural = _("stand-in asks")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "stand_in"],
                name="gigs_stand_in_ask_once",
                violation_error_message=_("This stand-in is asked already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stand_in_id} / {self.request_id}: {self.reply or '-'}"


# ---- Set lists: the band's songs and the order they are played at a gig -----------------------


class Song(models.Model):
    """A song in the band's library."""

    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="songs")
    title = models.CharField(_("title"), max_length=200)
    key = models.CharField(_("key"), max_length=12, blank=True, help_text=_("For example A minor or F#."))
    length_seconds = models.PositiveIntegerField(
        _("length (seconds)"), validators=[MinValueValidator(1), MaxValueValidator(3 * 3600)]
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    links = models.TextField(_("links"), max_length=2000, blank=True, help_text=_("One address a line."))
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("song")
        verbose_name_plural = _("songs")
        ordering = ["band", "title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["band", "title"],
                name="gigs_song_title_once",
                violation_error_message=_("The band has a song of this title already."),
            ),
            models.CheckConstraint(
                condition=Q(length_seconds__gte=1, length_seconds__lte=3 * 3600),
                name="gigs_song_length_range",
                violation_error_message=_("A song lasts from one second to three hours."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SetList(models.Model):
    """What the band plays at one gig: its songs in order, in one or more sets."""

    booking = models.OneToOneField(Booking, verbose_name=_("gig"), on_delete=models.CASCADE, related_name="set_list")
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("set list")
        verbose_name_plural = _("set lists")

    def __str__(self) -> str:
        return gettext("Set list of %(booking)s") % {"booking": self.booking_id}


class SetListEntry(models.Model):
    """A song at a place in a set list; `set_number` groups the entries into sets (1, 2, …)."""

    set_list = models.ForeignKey(SetList, verbose_name=_("set list"), on_delete=models.CASCADE, related_name="entries")
    song = models.ForeignKey(Song, verbose_name=_("song"), on_delete=models.PROTECT, related_name="+")
    set_number = models.PositiveSmallIntegerField(
        _("set"), default=1, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    position = models.PositiveSmallIntegerField(_("position"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("set list entry")
        verbose_name_plural = _("set list entries")
        ordering = ["set_list", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["set_list", "position"],
                name="gigs_set_list_position_once",
                violation_error_message=_("Two songs cannot share a place in the set list."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.set_list_id} #{self.position}: {self.song_id}"


# ---- Tours ----------------------------------------------------------------------------------------


class Tour(models.Model):
    """A band's booked gigs grouped into one tour: its itinerary, party and money (decision 0110).

    The days between the gigs (show days, travel days, days off) and the drives are derived on each read
    from the gigs' times and places (gigs.selectors.tours), never stored: a gig cancelled or moved
    changes the itinerary by itself."""

    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="tours")
    name = models.CharField(_("name"), max_length=120)
    # The band's currency when the tour was made: the money of the tour is summed in it.
    currency = models.CharField(_("currency"), max_length=3, default="EUR", db_default="EUR")
    # The saved tour plan it was made from, if any (the plan may be deleted; the tour stays).
    plan = models.ForeignKey(
        "bookings.SavedTour",
        verbose_name=_("tour plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tour")
        verbose_name_plural = _("tours")
        ordering = ["band", "-created_at", "pk"]

    def __str__(self) -> str:
        return gettext("Tour %(tour)s of band %(band)s") % {"tour": self.pk, "band": self.band_id}


# A hall's head count past this is a typing slip (as payments' MAX_TICKETS for a settlement).
MAX_ATTENDANCE = 1_000_000


class TourGig(models.Model):
    """A gig of the tour. A gig is in at most one tour (the unique constraint)."""

    tour = models.ForeignKey(Tour, verbose_name=_("tour"), on_delete=models.CASCADE, related_name="tour_gigs")
    booking = models.ForeignKey(Booking, verbose_name=_("gig"), on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    # How many people the band expects at a door deal's show (0 to the show's capacity): the money page's
    # forecast of the door. Empty: no forecast.
    expected_attendance = models.PositiveIntegerField(
        _("expected attendance"), null=True, blank=True, validators=[MaxValueValidator(MAX_ATTENDANCE)]
    )

    class Meta:
        verbose_name = _("gig of a tour")
        verbose_name_plural = _("gigs of tours")
        ordering = ["tour", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                name="gigs_tourgig_one_tour_a_gig",
                violation_error_message=_("This gig is already part of a tour."),
            ),
            models.CheckConstraint(
                condition=Q(expected_attendance__lte=MAX_ATTENDANCE),
                name="gigs_tourgig_attendance_bounded",
                violation_error_message=_("The expected attendance is too high."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tour_id}: {self.booking_id}"


class TourStay(models.Model):
    """Where the touring party sleeps: a hotel, a flat, a sleeper bus. Check-in and check-out are stored in
    UTC and read in the stay's own zone (the zone of the tour's place that night)."""

    tour = models.ForeignKey(Tour, verbose_name=_("tour"), on_delete=models.CASCADE, related_name="stays")
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # The town it is in, and its point when StageSlot knows the town: the itinerary warns of a bed far from where the
    # party plays or stops that night, and the next drive leaves from here (gigs.selectors.tours).
    city = models.CharField(_("town"), max_length=120, blank=True, default="", db_default="")
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    check_in_at = models.DateTimeField(_("check-in"))
    check_out_at = models.DateTimeField(_("check-out"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", db_default="UTC")
    confirmation = models.CharField(_("confirmation"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # A note on the rooms in the band's words ("two doubles, one single"). Who sleeps in which room is
    # TourStayGuest: people of the touring party by reference, their names drawn when shown.
    rooms = models.TextField(_("note on the rooms"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["tour", "check_in_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_out_at__gt=F("check_in_at")),
                name="gigs_tourstay_out_after_in",
                violation_error_message=_("Check-out must be after check-in."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tour_id}: {self.name}"

    @property
    def point(self) -> tuple[float, float] | None:
        return (self.latitude, self.longitude) if self.latitude is not None and self.longitude is not None else None


class TourStayGuest(models.Model):
    """Who sleeps where: one person of the touring party (a member, a stand-in, crew: each by their account,
    their name drawn when shown) in a stay, with their room. Erasing the person deletes their rows only;
    a traveller taken off the tour leaves its stays with them."""

    stay = models.ForeignKey(TourStay, verbose_name=_("stay"), on_delete=models.CASCADE, related_name="guests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="tour_rooms"
    )
    room = models.CharField(_("room"), max_length=20, blank=True, default="", db_default="")
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("guest of a stay")
        verbose_name_plural = _("guests of stays")
        ordering = ["stay", "room", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stay", "user"],
                name="gigs_tourstayguest_once",
                violation_error_message=_("This person already has a room in this stay."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stay_id}: {self.user_id} {self.room}"


def new_tour_feed_token() -> str:
    return secrets.token_urlsafe(32)


class TourFeed(models.Model):
    """A traveller's secret calendar address for one tour (the shows, drives and stays, never money). It
    answers for as long as its person may see the tour: a traveller taken off the tour, or a member who
    left the band, gets 404. Renewing gives a new token; the old address then answers 404."""

    tour = models.ForeignKey(Tour, verbose_name=_("tour"), on_delete=models.CASCADE, related_name="feeds")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="tour_feeds"
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_tour_feed_token, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    renewed_at = models.DateTimeField(_("renewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tour calendar address")
        verbose_name_plural = _("tour calendar addresses")
        ordering = ["tour", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["tour", "user"], name="gigs_tourfeed_one_a_traveller"),
        ]

    def __str__(self) -> str:
        return f"{self.tour_id}: {self.user_id}"


class TourTraveller(models.Model):
    """Someone in the touring party who is not a member of the band (a driver, a sound engineer, a tour
    manager, a stand-in): invited to this tour only, by the email of their account. The band's members
    travel by being members; a traveller sees the money only when `sees_money`."""

    class Role(models.TextChoices):
        DRIVER = "driver", _("Driver")
        SOUND = "sound", _("Sound engineer")
        TOUR_MANAGER = "manager", _("Tour manager")
        STAND_IN = "stand_in", _("Stand-in")
        CREW = "crew", _("Crew")

    tour = models.ForeignKey(Tour, verbose_name=_("tour"), on_delete=models.CASCADE, related_name="travellers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="tour_places"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.CREW)
    sees_money = models.BooleanField(_("sees the money"), default=False, db_default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("traveller")
        verbose_name_plural = _("travellers")
        ordering = ["tour", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tour", "user"],
                name="gigs_tourtraveller_once",
                violation_error_message=_("This person already travels on the tour."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tour_id}: {self.user_id}"


class TourInvite(InviteBase):
    """An invitation to travel on one tour (a driver, a sound engineer, a stand-in), emailed to an address: the
    person joins the party only by accepting it at /join/<token>/, signed in with any account. The band is never
    told whether the address has an account (decision 0134); the invitation is for one person (one use)."""

    tour = models.ForeignKey(Tour, verbose_name=_("tour"), on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(
        _("role"), max_length=10, choices=TourTraveller.Role.choices, default=TourTraveller.Role.CREW
    )
    sees_money = models.BooleanField(_("sees the money"), default=False, db_default=False)

    class Meta:
        verbose_name = _("invitation to a tour")
        verbose_name_plural = _("invitations to tours")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(uses__lte=F("max_uses")), name="gigs_tourinvite_uses_within_max"),
        ]

    def __str__(self) -> str:
        return gettext("Invitation to the tour %(tour)s") % {"tour": self.tour_id}


# An exchange rate past this is a typing slip (no two currencies StageSlot takes are that far apart).
MAX_RATE = Decimal("100000")
RATE_PLACES = 6


class TourRate(models.Model):
    """What one unit of another currency on the tour is worth in the tour's currency (1 CHF = 1.0480 EUR),
    as the band's leaders set it and the day they did: shows in that currency are converted at it and
    counted in the tour's money (gigs.selectors.tours.tour_money). The band's own figure, not a person's."""

    tour = models.ForeignKey(Tour, verbose_name=_("tour"), on_delete=models.CASCADE, related_name="rates")
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    rate = models.DecimalField(_("exchange rate"), max_digits=6 + RATE_PLACES, decimal_places=RATE_PLACES)
    set_on = models.DateField(_("set on"))

    class Meta:
        verbose_name = _("exchange rate of a tour")
        verbose_name_plural = _("exchange rates of tours")
        ordering = ["tour", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["tour", "currency"],
                name="gigs_tourrate_one_a_currency",
                violation_error_message=_("This currency already has a rate on the tour."),
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0, rate__lte=MAX_RATE),
                name="gigs_tourrate_rate_bounded",
                violation_error_message=_("An exchange rate is more than 0 and at most 100,000."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tour_id}: {self.currency} {self.rate}"


class TourCost(models.Model):
    """A planned cost of the tour and, once paid, what it actually cost: in minor units of the tour's
    currency. With a gig, it counts to that show's result; without, to the tour's only."""

    class Kind(models.TextChoices):
        FUEL = "fuel", _("Fuel")
        ACCOMMODATION = "accommodation", _("Accommodation")
        PER_DIEMS = "per_diems", _("Per diems")
        CREW_FEES = "crew_fees", _("Crew fees")
        COMMISSION = "commission", _("Commission")
        OTHER = "other", _("Other")

    tour = models.ForeignKey(Tour, verbose_name=_("tour"), on_delete=models.CASCADE, related_name="costs")
    booking = models.ForeignKey(
        Booking, verbose_name=_("gig"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=120, blank=True)
    # Whom the cost is for (a driver's fee, a member's per diems), by reference: drawn by their name now, "Former
    # member" once erased; never typed into the label (decision 0134).
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("for whom"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    planned_minor = models.PositiveBigIntegerField(_("planned (minor units)"), default=0, db_default=0)
    actual_minor = models.PositiveBigIntegerField(_("actual (minor units)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tour cost")
        verbose_name_plural = _("tour costs")
        ordering = ["tour", "pk"]

    def __str__(self) -> str:
        return f"{self.tour_id}: {self.kind}"
