"""The time zone of a place: from its point (timezonefinder's polygons, read once per process) or
from its city."""

import atexit
import threading
import zoneinfo

_finder = None
_finder_lock = threading.Lock()


def _zone_finder():
    """One TimezoneFinder per process, made on first use (it maps its polygon file, ~0.1 s)."""
    global _finder
    if _finder is None:
        with _finder_lock:
            if _finder is None:
                from timezonefinder import TimezoneFinder

                _finder = TimezoneFinder()
                # Unmap its files before the interpreter goes, not in a finaliser that warns.
                atexit.register(_finder.cleanup)
    return _finder


def zone_at(latitude: float, longitude: float) -> str:
    """The IANA zone of a point on land ("Europe/Berlin"), or "" at sea or where none is known: the
    "Etc/GMT+2" zones of open water are no place's zone that a person would pick."""
    try:
        name = _zone_finder().timezone_at(lat=float(latitude), lng=float(longitude)) or ""
    except ValueError:
        return ""
    if not name or name.startswith("Etc/"):
        return ""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ""
    return name


def zone_proposed(*, city=None, latitude: float | None = None, longitude: float | None = None) -> str:
    """The zone a place is likely in: its own point's when it has one, else its city's; "" when neither says."""
    if latitude is not None and longitude is not None and (name := zone_at(latitude, longitude)):
        return name
    return city.time_zone if city is not None else ""
