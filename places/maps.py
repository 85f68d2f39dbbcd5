"""What a map beside a list shows: one marker per listed row that has a point (docs/decisions/0023-maps.md).

A page builds its markers from the rows it already lists (no query of its own) and puts
`results_map(...)` into its context; the template writes it with `json_script` inside the region
HTMX swaps, so static/js/map.js redraws the markers whenever the list changes.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

Row = TypeVar("Row")

# Six decimals are about 10 cm: more than any point we hold, and the JSON stays short.
DECIMALS = 5


@dataclass(frozen=True, slots=True)
class Marker:
    lat: float
    lon: float
    title: str
    url: str
    kind: str  # "venue", "slot", "support_call", "show": the pin's colour and the popup's label
    line: str  # one short line under the title: "Berlin, Germany" or "Fri 12 Dec, 20:00"

    def as_json(self) -> dict:
        # By hand: dataclasses.asdict deep-copies every value, three times slower for 24 markers.
        return {
            "lat": self.lat,
            "lon": self.lon,
            "title": self.title,
            "url": self.url,
            "kind": self.kind,
            "line": self.line,
        }


def point_of(row: object) -> tuple[float, float] | None:
    """A row's (latitude, longitude), or None when it has no place on the map."""
    lat, lon = getattr(row, "latitude", None), getattr(row, "longitude", None)
    if lat is None or lon is None:
        return None
    return round(lat, DECIMALS), round(lon, DECIMALS)


def map_note(*, shown: int, missing: int, total: int, thing: str, things: str) -> str:
    """What the map's caption says beside the list: that it shows only this page of a longer list,
    and how many rows are left off for want of a point ("" when it shows the whole list)."""
    parts = []
    if total > shown + missing:
        parts.append(f"The map shows this page’s {things}.")
    if missing == 1:
        parts.append(f"1 {thing} on this page has no place on the map.")
    elif missing:
        parts.append(f"{missing} {things} on this page have no place on the map.")
    return " ".join(parts)


def results_map(
    rows: Iterable[Row], marker: Callable[[Row], Marker | None], *, thing: str, things: str, total: int = 0
) -> dict:
    """The map data of a list: a marker for each row `marker` places (None: the row has no point),
    how many rows are left off, and the note that says so (`total`: the length of the whole list,
    when `rows` is one page of it). Plain data for `json_script`."""
    markers, missing = [], 0
    for row in rows:
        found = marker(row)
        if found is None:
            missing += 1
        else:
            markers.append(found.as_json())
    note = map_note(shown=len(markers), missing=missing, total=total, thing=thing, things=things)
    return {"markers": markers, "missing": missing, "note": note}
