"""Reviews after a gig: each side of a completed booking rates the other, double-blind.

A review stays private to its own side until the other side has written theirs or the review window
(REVIEW_WINDOW after the gig) has closed; then both are published together and frozen. Nothing is
deleted: staff hide a review with a reason (ModerationLog keeps every step).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bands.models import Band
from bookings.models import Booking
from venues.models import Venue

# Reviews can be written (and edited) this long after the gig ends; then whatever was written is published.
REVIEW_WINDOW = timedelta(days=14)
# Who has not written by then is reminded once.
REVIEW_REMINDER_AFTER = timedelta(days=7)
TEXT_MIN, TEXT_MAX = 20, 2000
REPLY_MIN, REPLY_MAX = 2, 2000


class Side(models.TextChoices):
    BAND = "band", _("Band")
    VENUE = "venue", _("Venue")
    CLIENT = "client", _("Client")


# The sub-ratings that fit each subject, in the order the form asks them: (field, label).
SUB_RATINGS: dict[str, tuple[tuple[str, str], ...]] = {
    Side.BAND: (
        ("performance", _("Performance")),
        ("punctuality", _("Punctuality")),
        ("communication", _("Communication")),
    ),
    Side.VENUE: (
        ("sound", _("Sound and production")),
        ("hospitality", _("Hospitality")),
        ("paid", _("Paid as agreed")),
        ("communication", _("Communication")),
    ),
    Side.CLIENT: (("communication", _("Communication")), ("paid", _("Paid as agreed"))),
}
STAR_FIELDS = ("overall", "performance", "punctuality", "communication", "sound", "hospitality", "paid")


# A review's name for each pair of sides, with the booking's id.
REVIEW_NAMES = {
    (Side.BAND, Side.VENUE): _("Band review of venue (%(booking)s)"),
    (Side.BAND, Side.CLIENT): _("Band review of client (%(booking)s)"),
    (Side.VENUE, Side.BAND): _("Venue review of band (%(booking)s)"),
    (Side.CLIENT, Side.BAND): _("Client review of band (%(booking)s)"),
}


def _stars(label: "str | Promise") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


class Review(models.Model):
    """One side's review of the other side of a completed booking (at most one per side)."""

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="reviews")
    author_side = models.CharField(_("author side"), max_length=6, choices=Side.choices)
    subject_side = models.CharField(_("subject side"), max_length=6, choices=Side.choices)
    # The booking's parties, copied so that a band's, venue's or client's reviews are one indexed read.
    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.PROTECT, related_name="reviews")
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, null=True, blank=True, related_name="reviews"
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews_as_client",
    )
    # Who wrote (or last edited) it for their side.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # A no-show report instead of a rating: no stars, the booking is flagged for staff.
    no_show = models.BooleanField(_("no show"), default=False)
    overall = _stars(_("overall"))
    performance = _stars(_("performance"))
    punctuality = _stars(_("punctuality"))
    communication = _stars(_("communication"))
    sound = _stars(_("sound and production"))
    hospitality = _stars(_("hospitality"))
    paid = _stars(_("paid as agreed"))
    again = models.BooleanField(_("would book or play again"), null=True, blank=True)
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(_("hidden reason"), max_length=500, blank=True)
    no_show_confirmed_at = models.DateTimeField(_("no show confirmed at"), null=True, blank=True)
    no_show_dismissed_at = models.DateTimeField(_("no show dismissed at"), null=True, blank=True)
    reply_text = models.TextField(_("reply text"), max_length=REPLY_MAX, blank=True)
    reply_at = models.DateTimeField(_("reply at"), null=True, blank=True)
    reply_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reply author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["band", "subject_side", "-published_at"], name="reviews_of_band"),
            models.Index(fields=["venue", "subject_side", "-published_at"], name="reviews_of_venue"),
            models.Index(fields=["client", "subject_side", "-published_at"], name="reviews_of_client"),
            models.Index(fields=["published_at"], name="reviews_unpublished", condition=Q(published_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "author_side"],
                name="reviews_one_per_side",
                violation_error_message=_("This side has reviewed this gig already."),
            ),
            models.CheckConstraint(condition=~Q(author_side=models.F("subject_side")), name="reviews_not_of_own_side"),
            models.CheckConstraint(
                condition=Q(no_show=True) | Q(overall__isnull=False),
                name="reviews_rating_or_no_show",
                violation_error_message=_("Give overall stars, or report a no-show."),
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"reviews_{name}_1_to_5",
                    violation_error_message=_("Stars go from 1 to 5."),
                )
                for name in STAR_FIELDS
            ),
        ]

    def __str__(self) -> str:
        sentence = REVIEW_NAMES.get((self.author_side, self.subject_side))
        if sentence is None:
            # Translators: a review's author side and subject side, and the booking's id.
            return gettext("%(author)s review of %(subject)s (%(booking)s)") % {
                "author": self.get_author_side_display(),
                "subject": self.get_subject_side_display(),
                "booking": self.booking_id,
            }
        return str(sentence) % {"booking": self.booking_id}

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_public(self) -> bool:
        """Shown to everyone who may see the subject's reviews: published, not hidden, and a no-show
        report only once staff have confirmed it."""
        return (
            self.published_at is not None
            and self.hidden_at is None
            and (not self.no_show or self.no_show_confirmed_at is not None)
        )

    @property
    def reviewer_name(self) -> str:
        """Who wrote it, as the public pages name them: the band, the venue, or a client's first name."""
        if self.author_side == Side.BAND:
            return self.band.name
        if self.author_side == Side.VENUE:
            return self.venue.name
        name = (self.client.name or "").split()
        return name[0] if name else gettext("A client")

    @property
    def gig_date(self):
        """The day of the gig where it happened (the booking's zone)."""
        return self.booking.starts_at.astimezone(self.booking.zone).date()

    @property
    def sub_ratings(self) -> list[tuple[str, int]]:
        """(label, stars) of the sub-ratings given, in the form's order."""
        return [
            (label, getattr(self, name))
            for name, label in SUB_RATINGS[self.subject_side]
            if getattr(self, name) is not None
        ]


def public_q(prefix: str = "") -> Q:
    """The reviews everyone may read (see Review.is_public), as a filter."""
    return Q(**{f"{prefix}published_at__isnull": False, f"{prefix}hidden_at__isnull": True}) & (
        Q(**{f"{prefix}no_show": False}) | Q(**{f"{prefix}no_show_confirmed_at__isnull": False})
    )


class ReviewReport(models.Model):
    """Someone thinks a published review breaks the rules; staff look at it in the admin."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reporter"],
                name="reviews_one_report_per_person",
                violation_error_message=_("You have reported this review already."),
            )
        ]
        indexes = [
            models.Index(fields=["created_at"], name="reviews_reports_open", condition=Q(resolved_at__isnull=True))
        ]

    def __str__(self) -> str:
        return gettext("Report of review %(review)s") % {"review": self.review_id}


class ModerationLog(models.Model):
    """One step staff took on a review: never edited, never deleted."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")
        NO_SHOW_CONFIRM = "no_show_confirm", _("No-show confirmed")
        NO_SHOW_DISMISS = "no_show_dismiss", _("No-show dismissed")
        REPORTS_DISMISS = "reports_dismiss", _("Reports dismissed")

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.PROTECT, related_name="moderation")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("moderation log")
        verbose_name_plural = _("moderation logs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        # Translators: what staff did to a review, and the review's id, e.g. "Hidden: review 12".
        return gettext("%(action)s: review %(review)s") % {
            "action": self.get_action_display(),
            "review": self.review_id,
        }


class RequestsMark(models.Model):
    """How far the periodic review requests have read (one row): every gig that ended by `asked_through`
    has had its "How was the gig?" sent, and every gig that ended by `asked_through` − REVIEW_REMINDER_AFTER
    its reminder. A run reads only the gigs whose request or reminder fell due since (decision 0092)."""

    asked_through = models.DateTimeField(_("asked through"))

    class Meta:
        verbose_name = _("review requests mark")
        verbose_name_plural = _("review requests marks")

    def __str__(self) -> str:
        return str(self.asked_through)
