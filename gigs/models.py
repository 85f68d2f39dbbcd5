"""A booked gig's own life for the band and the venue: the day sheet's details and its advancing checklist."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking


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
    load_in_at = models.DateTimeField(_("load-in"), null=True, blank=True)
    soundcheck_at = models.DateTimeField(_("soundcheck"), null=True, blank=True)
    doors_at = models.DateTimeField(_("doors"), null=True, blank=True)
    curfew_at = models.DateTimeField(_("curfew"), null=True, blank=True)
    backline = models.TextField(_("backline"), max_length=2000, blank=True)
    hospitality = models.TextField(_("hospitality"), max_length=2000, blank=True)
    accommodation = models.TextField(_("accommodation"), max_length=2000, blank=True)
    parking = models.TextField(_("parking"), max_length=2000, blank=True)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
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


class AdvanceItem(models.Model):
    """One item of a gig's advancing checklist marked as confirmed ("advanced"): by whom, when, with a
    note. An item without a row, or whose row has no moment (it was reopened), is still open."""

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

    def __str__(self) -> str:
        return f"{self.get_item_display()} ({self.booking_id})"

    @property
    def is_advanced(self) -> bool:
        return self.advanced_at is not None
