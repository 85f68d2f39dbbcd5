"""A booking's cancellation terms: what a cancellation now gives back and the words that say so, from
one reading of the terms (the rule itself, windows and calendar days, is bands.cancellation).

Every reader uses `cancellation_terms`: the refund (payments.services.refunds.refund_plan and what it
pays), the pay page and the API's refund preview, the contract, the booking page, the quote card and
the audit note of a cancellation. Which terms a booking has:

- an agreed quote: its windows. Custom terms with no window mean **no refund** when the payer cancels,
  in words and in amount. They are accepted by the quote form and the API, and contracts drawn from
  them have said "no refund" from the start; refunding everything instead would pay what the signed
  words deny, and forbidding them now would leave the quotes already agreed without a meaning;
- no agreed quote, but the band's terms recorded when it was asked or booked (`cancel_free_until`,
  `cancel_late_percent`): free until that many days before the gig, then the band keeps its late fee,
  so the payer gets the rest back. The free days are the gig's start less `cancel_free_until` (a
  reschedule moves both). A booking made before the late fee was kept on it reads the band's fee as it
  is now (a migration gave the rows it found the fee they were made under);
- neither (a venue's gig agreed without a quote): everything back.

The band cancelling gives back everything, whatever the terms.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from bands.cancellation import (
    EVERYTHING_BACK,
    Windows,
    band_windows,
    days_before,
    now_words,
    percent_back,
    windows_of,
    windows_words,
)

from ..models import Booking
from .bookings import side_of

# Why a cancellation gives back what it does (the values of payments' refund reasons).
PAYER_CANCELLED = "payer_cancelled"
BAND_CANCELLED = "band_cancelled"

# Where the terms come from.
FROM_QUOTE, FROM_BAND, FROM_NOTHING = "quote", "band", "none"


@dataclass(frozen=True)
class CancellationTerms:
    """What cancelling the booking now gives back, and the words for it.

    `percent`: the share of what was paid that goes back to the payer. `reason`: PAYER_CANCELLED (by
    the terms) or BAND_CANCELLED (everything). `words`: the whole terms, a sentence each. `now`: the
    sentence for this cancellation (with `percent` in it). `fingerprint`: a short hash of what decides
    the amount (the windows, the percentage, the reason), the same in every language; a form that
    shows the amount posts it back, so a changed amount is refused rather than paid unseen.
    """

    percent: int
    reason: str
    words: tuple[str, ...]
    now: str
    fingerprint: str
    windows: Windows
    source: str
    days_before: int


def cancel_windows_of(booking: Booking) -> tuple[str, Windows]:
    """The booking's terms as windows, and where they come from (see the module docstring)."""
    quote = booking.agreed_quote if booking.agreed_quote_id else None
    if quote is not None:
        return FROM_QUOTE, windows_of(quote.cancel_windows)
    if booking.cancel_free_until is not None:
        free_days = max(round((booking.starts_at - booking.cancel_free_until) / dt.timedelta(days=1)), 0)
        late = booking.cancel_late_percent
        if late is None:
            late = booking.band.cancel_late_percent
        return FROM_BAND, band_windows(free_days=free_days, late_percent=late)
    return FROM_NOTHING, EVERYTHING_BACK


def terms_fingerprint(*parts) -> str:
    """A short, stable hash of `parts` (JSON-able)."""
    return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()[:16]


def cancellation_terms(
    booking: Booking, *, by: User | None = None, side: str | None = None, now: dt.datetime | None = None
) -> CancellationTerms:
    """The booking's cancellation terms for a cancellation now by `by` (or by `side`, when the caller
    knows it: "band", "client", "venue"…); by nobody named, the payer's. The band's leaders and admins
    cancelling get everything back; anyone else, what the terms give this many calendar days before
    the gig in its own time zone."""
    now = now or timezone.now()
    if side is None and by is not None:
        side = side_of(booking, by)
    source, windows = cancel_windows_of(booking)
    days = days_before(starts_at=booking.starts_at, now=now, zone=booking.zone)
    by_band = side == "band"
    if by_band:
        percent, reason = 100, BAND_CANCELLED
    else:
        percent, reason = percent_back(windows, days), PAYER_CANCELLED
    return CancellationTerms(
        percent=percent,
        reason=reason,
        words=tuple(windows_words(windows)),
        now=now_words(by_band=by_band, days=days, percent=percent),
        fingerprint=terms_fingerprint([list(w) for w in windows], percent, reason),
        windows=windows,
        source=source,
        days_before=days,
    )
