"""How StageSlot writes dates, times and money in Italian: made from CLDR by
bin/formats_from_cldr.py (do not edit by hand; run it again). The names are those of
stageslot/formats/en/formats.py; Django's own formats for the language (numbers, the week's
first day, DATE_INPUT_FORMATS…) apply beside them."""

DAY_NUMBER_FORMAT = "j"
DAY_FORMAT = "j M Y"
DAY_MONTH_FORMAT = "j M"
DAY_MONTH_LONG_FORMAT = "j F"
WEEKDAY_FORMAT = "D j M Y"
WEEKDAY_MONTH_FORMAT = "D j M"
WEEKDAY_LONG_FORMAT = "l j F Y"
WEEKDAY_MONTH_LONG_FORMAT = "l j F"
CLOCK_FORMAT = "H:i"
CLOCK_SECONDS_FORMAT = "H:i:s"
MOMENT_FORMAT = "j M Y, H:i"
MOMENT_SECONDS_FORMAT = "j M Y, H:i:s"
MOMENT_MONTH_FORMAT = "j M, H:i"
MOMENT_LONG_FORMAT = "j F Y, H:i"
WEEKDAY_MOMENT_FORMAT = "D j M Y, H:i"
WEEKDAY_MONTH_MOMENT_FORMAT = "D j M, H:i"
WEEKDAY_MONTH_TIME_FORMAT = "D j M, H:i"
MONEY_PATTERN = "%(amount)s\xa0%(currency)s"
