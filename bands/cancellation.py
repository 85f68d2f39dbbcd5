"""The cancellation rule: what a cancellation gives back, in percent and in words, from terms written as
windows. The words a person reads and the amount the code refunds both come from here, so they cannot
say different things (bookings.selectors.cancellation reads a booking's terms into windows and calls
this; the band's settings page and the booking steps show a band's own terms through the same words).

Terms are windows `(days, percent)`, from the most days before the gig to the fewest: cancelled by the
payer `days` or more days before the gig gives back `percent` % of what was paid; later than the last
window, nothing. No windows at all: nothing back. The band cancelling gives back everything, whatever
the windows say.

Days are calendar days in the gig's time zone, not 24-hour periods: a gig on 30 June is 30 days away on
31 May all day long, as a person counts "30 days before the gig" on the calendar where it is played. A
cancellation on the gig's own day, or while it runs past midnight, is 0 days before it.

Pure: no database, no request; the words are in the active language.
"""

import datetime as dt
import zoneinfo

from django.utils.translation import gettext, ngettext

# (days before the gig, percent given back), most days first.
Window = tuple[int, int]
Windows = tuple[Window, ...]

# Nothing agreed but the default: the payer gets everything back at any time.
EVERYTHING_BACK: Windows = ((0, 100),)


def windows_of(rows) -> Windows:
    """Windows from stored rows ({"days": …, "refund_percent": …} or pairs), most days first."""
    pairs = [(r["days"], r["refund_percent"]) if isinstance(r, dict) else (r[0], r[1]) for r in rows]
    return tuple(sorted(((int(days), int(percent)) for days, percent in pairs), key=lambda w: -w[0]))


def band_windows(*, free_days: int, late_percent: int) -> Windows:
    """A band's own terms as windows: cancelling is free (everything back) until `free_days` days before
    the gig; after that the band keeps `late_percent` % of the price, so the payer gets the rest back.
    No free days: the late fee applies at any time. No late fee: free at any time."""
    back = 100 - late_percent
    if late_percent <= 0:
        return EVERYTHING_BACK
    if free_days <= 0:
        return ((0, back),)
    return ((free_days, 100), (0, back))


def days_before(*, starts_at: dt.datetime, now: dt.datetime, zone: zoneinfo.ZoneInfo) -> int:
    """How many calendar days before the gig `now` is, on the calendar of the gig's zone: 0 on its day
    (and while it runs on the next one)."""
    return max((starts_at.astimezone(zone).date() - now.astimezone(zone).date()).days, 0)


def percent_back(windows: Windows, days: int) -> int:
    """What the payer gets back cancelling `days` days before the gig: the first window (most days
    first) that `days` reaches; none reached, or no windows, nothing."""
    for window_days, percent in windows:
        if days >= window_days:
            return percent
    return 0


def nothing_text(*, first: bool) -> str:
    if first:
        return gettext("Cancelled by the payer at any time: nothing back")
    return gettext("Cancelled by the payer later: nothing back")


def band_cancels_text() -> str:
    return gettext("Cancelled by the band: %(percent)d %% back") % {"percent": 100}


def windows_words(windows: Windows) -> list[str]:
    """The whole terms in words, one sentence a window, then what is left after the last one, then the
    band's own cancellation: "Cancelled by the payer 30 days or more before the gig: 100 % back"."""
    rows = []
    for index, (days, percent) in enumerate(windows):
        if days > 0:
            rows.append(
                ngettext(
                    "Cancelled by the payer %(days)d day or more before the gig: %(percent)d %% back",
                    "Cancelled by the payer %(days)d days or more before the gig: %(percent)d %% back",
                    days,
                )
                % {"days": days, "percent": percent}
            )
        elif percent == 0:
            rows.append(nothing_text(first=index == 0))
        elif index == 0:
            rows.append(gettext("Cancelled by the payer at any time: %(percent)d %% back") % {"percent": percent})
        else:
            rows.append(gettext("Cancelled by the payer later: %(percent)d %% back") % {"percent": percent})
    if not windows or windows[-1][0] > 0:
        rows.append(nothing_text(first=not windows))
    rows.append(band_cancels_text())
    return rows


def now_words(*, by_band: bool, days: int, percent: int) -> str:
    """What applies to a cancellation now, in a sentence with its percentage."""
    if by_band:
        return gettext("Cancelled now by the band: %(percent)d %% back") % {"percent": percent}
    if days == 0:
        return gettext("Cancelled now, on the day of the gig: %(percent)d %% back") % {"percent": percent}
    return ngettext(
        "Cancelled now, %(days)d day before the gig: %(percent)d %% back",
        "Cancelled now, %(days)d days before the gig: %(percent)d %% back",
        days,
    ) % {"days": days, "percent": percent}
