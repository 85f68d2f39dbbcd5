"""The IANA time zones a user may choose, and validation of a zone name."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every canonical IANA zone name known to this machine, sorted."""
    names = {n for n in zoneinfo.available_timezones() if "/" in n or n == "UTC"}
    # Legacy aliases ("US/Eastern", "Etc/GMT+3") confuse more than they help.
    names = {n for n in names if not n.startswith(("Etc/", "SystemV/", "US/")) or n == "UTC"}
    return tuple(sorted(names))


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            "“%(value)s” is not a time zone we know. Pick one from the list, e.g. Europe/Berlin.",
            code="invalid_time_zone",
            params={"value": value},
        )
