"""The hours of the day in which a band's day counts as free for a gig.

Every view of a band's availability reads them through `band_gig_hours` (bands.calendar's
band_availability): the band calendar, its agency, the widget, share links, the public calendar,
the finder, the API and the feeds.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Band

# Times of day people look for gigs in; the end None means midnight.
TIME_PRESETS = {
    "evening": (_("Evenings (18:00–24:00)"), dt.time(18), None),
    "afternoon": (_("Afternoons (12:00–18:00)"), dt.time(12), dt.time(18)),
    "any": (_("Any time"), None, None),
    "custom": (_("From … to …"), None, None),
}


@dataclass(frozen=True)
class GigHours:
    """The local hours in which the calendar looks for a day's gig window."""

    key: str
    label: str  # the choice: "Evenings (18:00–24:00)"
    during: str  # in a sentence: "in the evening (18:00–24:00)"
    start: dt.time | None
    end: dt.time | None  # None is midnight; an end before the start runs past midnight

    @property
    def whole_day(self) -> bool:
        return self.start is None and self.end is None

    @property
    def span(self) -> dt.timedelta:
        opens = dt.datetime.combine(dt.date.min, self.start or dt.time(0))
        closes = dt.datetime.combine(dt.date.min, self.end or dt.time(0))
        return closes - opens if closes > opens else closes - opens + dt.timedelta(days=1)


def _preset(key: str, during: str) -> GigHours:
    label, start, end = TIME_PRESETS[key]
    return GigHours(key, label, during, start, end)


# Musicians ask "can we play that evening?": a free early morning does not make a day green.
GIG_HOURS = {
    "evening": _preset("evening", _("in the evening (18:00–24:00)")),
    "late": GigHours(
        "late", _("Evenings and late (18:00–02:00)"), _("in the evening or late (18:00–02:00)"), dt.time(18), dt.time(2)
    ),
    "afternoon": _preset("afternoon", _("in the afternoon (12:00–18:00)")),
    "any": _preset("any", _("at any time of day")),
}
DEFAULT_HOURS = "evening"


def band_gig_hours(band: Band) -> GigHours:
    """The hours in which `band`'s days count: the evening (18:00–24:00) in its own time zone.

    The one place that says so; a band's own setting would be read here."""
    return GIG_HOURS[DEFAULT_HOURS]
