"""How StageSlot writes dates, times and money in Spanish: made from CLDR by
bin/formats_from_cldr.py (do not edit by hand; run it again). The names are those of
stageslot/formats/en/formats.py; Django's own formats for the language (numbers, the week's
first day, DATE_INPUT_FORMATS…) apply beside them."""

DAY_NUMBER_FORMAT = "j"
DAY_FORMAT = "j M Y"
DAY_MONTH_FORMAT = "j M"
DAY_MONTH_LONG_FORMAT = "j \\d\\e F"
WEEKDAY_FORMAT = "D, j M Y"
WEEKDAY_MONTH_FORMAT = "D, j M"
WEEKDAY_LONG_FORMAT = "l, j \\d\\e F \\d\\e Y"
WEEKDAY_MONTH_LONG_FORMAT = "l, j \\d\\e F"
CLOCK_FORMAT = "G:i"
CLOCK_SECONDS_FORMAT = "G:i:s"
MOMENT_FORMAT = "j M Y, G:i"
MOMENT_SECONDS_FORMAT = "j M Y, G:i:s"
MOMENT_MONTH_FORMAT = "j M, G:i"
MOMENT_LONG_FORMAT = "j \\d\\e F \\d\\e Y, G:i"
WEEKDAY_MOMENT_FORMAT = "D, j M Y, G:i"
WEEKDAY_MONTH_MOMENT_FORMAT = "D, j M, G:i"
WEEKDAY_MONTH_TIME_FORMAT = "D, j M, G:i"
MONEY_PATTERN = "%(amount)s\xa0%(currency)s"
