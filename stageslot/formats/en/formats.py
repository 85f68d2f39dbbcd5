"""How StageSlot writes dates and times in English ("en" and "en-gb" alike).

Templates and code name these instead of spelling a format out (`|date:"DAY_FORMAT"`,
`date_format(day, "DAY_FORMAT")`), so a language that writes dates in another order gets
stageslot/formats/<language>/formats.py of its own. Letters as in Django's date filter:
https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#date
"""

# A day.
DAY_NUMBER_FORMAT = "j"  # 5, as in "5 – 11 Mar 2027"
DAY_FORMAT = "j M Y"  # 5 Mar 2027
DAY_MONTH_FORMAT = "j M"  # 5 Mar
DAY_MONTH_LONG_FORMAT = "j F"  # 5 March
WEEKDAY_FORMAT = "D j M Y"  # Fri 5 Mar 2027
WEEKDAY_MONTH_FORMAT = "D j M"  # Fri 5 Mar
WEEKDAY_LONG_FORMAT = "l j F Y"  # Friday 5 March 2027
WEEKDAY_MONTH_LONG_FORMAT = "l j F"  # Friday 5 March

# A time of day: always the 24-hour clock.
CLOCK_FORMAT = "H:i"  # 19:00
CLOCK_SECONDS_FORMAT = "H:i:s"  # 19:00:05

# A moment: a day and its time.
MOMENT_FORMAT = "j M Y, H:i"  # 5 Mar 2027, 19:00
MOMENT_SECONDS_FORMAT = "j M Y, H:i:s"  # 5 Mar 2027, 19:00:05
MOMENT_MONTH_FORMAT = "j M, H:i"  # 5 Mar, 19:00
MOMENT_LONG_FORMAT = "j F Y, H:i"  # 5 March 2027, 19:00
WEEKDAY_MOMENT_FORMAT = "D j M Y, H:i"  # Fri 5 Mar 2027, 19:00
WEEKDAY_MONTH_MOMENT_FORMAT = "D j M, H:i"  # Fri 5 Mar, 19:00
# Either end of a span over several days: "Fri 5 Mar 22:00 – Sat 6 Mar 02:00".
WEEKDAY_MONTH_TIME_FORMAT = "D j M H:i"  # Fri 5 Mar 22:00

# Money: an amount written in the reader's locale and its currency code, where the language puts it
# (core.fields.amounts.money_words).
MONEY_PATTERN = "%(amount)s %(currency)s"  # 1,250 EUR
