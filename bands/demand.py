"""Demand for a band by city: how many people asked it to play there, and how many of its followers live
there (docs/decisions/0089). Counts only, never who: the fans app (above every app that reads this) writes
them with city_demand_replace; the tour planner, the finder and a venue's inbox read them with
city_demand_for.

Every count of people that leaves for a page, a file or the API goes through `counts_shown` (a table of
cells and its total) or `count_text` (one number alone): a count of 1 to 4 reads "fewer than 5", and a
total beside hidden cells is drawn only from what the table already shows, so no subtraction, sum or
change over time recovers a hidden cell (docs/decisions/0098). stageslot/tests/test_counts_shown.py finds
every place that counts the audience and fails on one that does not call them."""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext

from places.geo import great_circle_km
from places.models import City

from .models import CityDemand

# Below this a count is not shown as a number: "1 ask from Bergen" names a person to the band.
SMALL_COUNT = 5
# A stop this close to a city with demand is "in" that city (the tour planner's own town radius).
CITY_KM = 25.0


def count_text(count: int) -> str:
    """A count as people outside may read it: "" for none, "fewer than 5" for 1–4, else the number."""
    if count <= 0:
        return ""
    if count < SMALL_COUNT:
        return gettext("fewer than %(n)s") % {"n": SMALL_COUNT}
    return str(count)


@dataclass(frozen=True)
class CellShown:
    label: str
    text: str


@dataclass(frozen=True)
class CountsShown:
    """A table of counts as people outside may read it: its cells (none for a count of 0) and its total."""

    cells: list[CellShown]
    total: str

    def __bool__(self) -> bool:
        return bool(self.cells)

    def __iter__(self):
        return iter(self.cells)

    def __len__(self) -> int:
        return len(self.cells)


def counts_shown(cells: Iterable[tuple[str, int]]) -> CountsShown:
    """The one way a table of people counts is shown: each cell as `count_text` words it, and a total
    that says nothing a cell hides.

    - A cell of 1 to 4 reads "fewer than 5"; a cell of 0 is left out (as if it were not asked for).
    - Shown cells come first, largest first; hidden ones after them by label, so their order says nothing
      of which is larger.
    - With no hidden cell the total is the exact sum (every cell is 5 or more). With hidden cells it is
      "at least N", N being the shown cells' sum plus one for each hidden cell: a figure made of what the
      table shows, so the total minus the shown cells, or a total now against one before, names no hidden
      count.
    """
    shown, hidden = [], []
    for label, count in cells:
        if count <= 0:
            continue
        (shown if count >= SMALL_COUNT else hidden).append((label, count))
    shown.sort(key=lambda cell: (-cell[1], cell[0]))
    hidden.sort(key=lambda cell: cell[0])
    out = [CellShown(label=label, text=count_text(count)) for label, count in shown + hidden]
    visible = sum(count for _label, count in shown)
    if not out:
        total = ""
    elif not hidden:
        total = str(visible)
    else:
        total = gettext("at least %(n)s") % {"n": visible + len(hidden)}
    return CountsShown(cells=out, total=total)


@dataclass(frozen=True)
class Demand:
    city: City
    asks: int
    followers: int

    @property
    def asks_text(self) -> str:
        return count_text(self.asks)

    @property
    def followers_text(self) -> str:
        return count_text(self.followers)


def city_demand_for(*, band_id: int, city_ids: Collection[int] | None = None) -> list[Demand]:
    """The cities where `band_id` has demand (asks or followers living there), most asks first; only
    `city_ids` when given. One query."""
    qs = CityDemand.objects.filter(band_id=band_id).select_related("city").order_by("-asks", "-followers", "city_id")
    if city_ids is not None:
        qs = qs.filter(city_id__in=list(city_ids))
    return [Demand(city=row.city, asks=row.asks, followers=row.followers) for row in qs]


def demand_near(demand: list[Demand], latitude: float | None, longitude: float | None) -> Demand | None:
    """The city of `demand` within CITY_KM of the point (the one with most asks), or None."""
    if latitude is None or longitude is None:
        return None
    for row in demand:
        if great_circle_km(row.city.latitude, row.city.longitude, latitude, longitude) <= CITY_KM:
            return row
    return None


def city_demand_replace(*, band_id: int, counts: Mapping[int, tuple[int, int]]) -> None:
    """Make the band's demand exactly `counts` ({city id: (asks, followers)}); cities left out go."""
    with transaction.atomic():
        CityDemand.objects.filter(band_id=band_id).exclude(city_id__in=list(counts)).delete()
        known = {row.city_id: row for row in CityDemand.objects.filter(band_id=band_id)}
        new, changed = [], []
        for city_id, (asks, followers) in counts.items():
            row = known.get(city_id)
            if row is None:
                new.append(CityDemand(band_id=band_id, city_id=city_id, asks=asks, followers=followers))
            elif (row.asks, row.followers) != (asks, followers):
                row.asks, row.followers = asks, followers
                changed.append(row)
        CityDemand.objects.bulk_create(new, ignore_conflicts=True)
        if changed:
            CityDemand.objects.bulk_update(changed, ["asks", "followers", "updated_at"])
