"""How StageSlot writes dates and times in German: the day before the month, with a full stop after
its number ("Fr., 5. März 2027, 19:00"). The names are those of stageslot/formats/en/formats.py;
Django's own German formats (numbers with a decimal comma, DATE_INPUT_FORMATS…) apply beside them."""

# A day.
DAY_NUMBER_FORMAT = "j."  # 5., as in "5. – 11. März 2027"
DAY_FORMAT = "j. M Y"  # 5. Mär 2027
DAY_MONTH_FORMAT = "j. M"  # 5. Mär
DAY_MONTH_LONG_FORMAT = "j. F"  # 5. März
WEEKDAY_FORMAT = "D, j. M Y"  # Fr, 5. Mär 2027
WEEKDAY_MONTH_FORMAT = "D, j. M"  # Fr, 5. Mär
WEEKDAY_LONG_FORMAT = "l, j. F Y"  # Freitag, 5. März 2027
WEEKDAY_MONTH_LONG_FORMAT = "l, j. F"  # Freitag, 5. März

# A time of day: the 24-hour clock.
CLOCK_FORMAT = "H:i"  # 19:00
CLOCK_SECONDS_FORMAT = "H:i:s"  # 19:00:05

# A moment: a day and its time.
MOMENT_FORMAT = "j. M Y, H:i"  # 5. Mär 2027, 19:00
MOMENT_SECONDS_FORMAT = "j. M Y, H:i:s"  # 5. Mär 2027, 19:00:05
MOMENT_MONTH_FORMAT = "j. M, H:i"  # 5. Mär, 19:00
MOMENT_LONG_FORMAT = "j. F Y, H:i"  # 5. März 2027, 19:00
WEEKDAY_MOMENT_FORMAT = "D, j. M Y, H:i"  # Fr, 5. Mär 2027, 19:00
WEEKDAY_MONTH_MOMENT_FORMAT = "D, j. M, H:i"  # Fr, 5. Mär, 19:00
# Either end of a span over several days: "Fr, 5. Mär 22:00 – Sa, 6. Mär 02:00".
WEEKDAY_MONTH_TIME_FORMAT = "D, j. M H:i"  # Fr, 5. Mär 22:00

# Money: the amount, then its currency code (CLDR's "#,##0.00 ¤"; core.fields.amounts.money_words).
MONEY_PATTERN = "%(amount)s %(currency)s"  # 1.250 EUR
