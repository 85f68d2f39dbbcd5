"""A band's month of availability as a one-page PDF calendar, to send to promoters not on StageSlot.

It shows what a share link shows (bookings.selectors.share.share_month): each day Available (every
member the band needs is free for its shortest gig in the evening) or Booked, nothing else. No gig's
venue or time, no reason, no member's name: the PDF travels further than the page does. The band's
live share link is printed on it, so whoever holds the paper can see the live calendar.
"""

import datetime as dt
import zoneinfo

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from availability.weekdays import WEEKDAY_NAMES
from bands.calendar import length_label
from bands.gig_hours import band_gig_hours
from bands.models import Band
from bookings.models import ShareLink
from bookings.selectors.public import month_in_range
from bookings.selectors.share import share_band_members, share_link_url, share_month, share_month_in_range

from .models import RenderedPdf
from .pdf import pdf_render

TEMPLATE = "documents/pdf/availability.html"


def band_live_share_link(*, band: Band) -> ShareLink | None:
    """The band's newest live share link, if it has one (one query)."""
    return ShareLink.objects.filter(band=band, revoked_at__isnull=True).order_by("-created_at", "-pk").first()


def availability_month_allowed(month_start: dt.date, *, today: dt.date, shared: bool) -> bool:
    """Months a PDF may show: a share link's holder sees this month and the next twelve (as its page
    does); the band's members the months their public calendar steps through."""
    if shared:
        return share_month_in_range(month_start, today=today)
    return month_in_range(month_start, today=today)


def availability_pdf(*, band: Band, month_start: dt.date, today: dt.date, link: ShareLink | None) -> RenderedPdf:
    """The band's month as a one-page A4 landscape PDF, kept by content: the same month with the same
    days gives the same bytes and costs a look-up. Five queries when the month has no pending day
    (members, busy time, the band's gigs, bookings, the kept PDF), plus the render and its row when it is new."""
    members = share_band_members(band=band)
    month = share_month(band=band, members=members, month_start=month_start, today=today)
    tz = zoneinfo.ZoneInfo(band.time_zone)
    with timezone.override(tz):
        context = {
            "band": band,
            "month": month,
            "title": date_format(month_start, "YEAR_MONTH_FORMAT"),
            "weekday_names": WEEKDAY_NAMES,
            "hours": band_gig_hours(band),
            "min_label": length_label(month.min_length),
            "time_zone": band.time_zone,
            "as_of": date_format(today, "DAY_FORMAT"),
            "share_url": share_link_url(link) if link else "",
            "share_manage_path": reverse("bookings:band_share", args=[band.slug]),
        }
        return pdf_render(TEMPLATE, context)
