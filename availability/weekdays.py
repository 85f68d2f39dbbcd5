"""The days of the week as StageSlot's calendars name them, Monday first (their RRULE codes are
engine.WEEKDAY_CODES, in the same order): the full and short translated names, and a month grid's
column heads."""

from django.utils.translation import gettext_lazy as _

WEEKDAY_NAMES = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))
WEEKDAY_SHORT_NAMES = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
# A calendar's column heads: the short name shown, the full one in its <abbr title> ("Mo", "Montag").
WEEKDAY_HEADS = tuple(zip(WEEKDAY_NAMES, WEEKDAY_SHORT_NAMES, strict=True))
