"""What an analytics page draws: a chart is its labels and series, and the same numbers make its canvas, its
data table and its CSV file (static/js/charts.js draws the canvas from the JSON of `data()`)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import slugify

from documents.exports import csv_lines

# How a chart's numbers read: counts, money in whole units of the series' currency, a share in %,
# stars out of five, hours.
UNITS = ("count", "money", "percent", "stars", "hours")


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | int | None]
    # The previous period, drawn lighter and dashed.
    previous: bool = False


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # "bar" or "line"
    unit: str
    column: str  # what the labels are: "Month", "City", "Band"
    labels: list[str]
    series: list[Series]
    description: str = ""
    currency: str = ""
    # Points on a map (top cities): {"lat", "lon", "title", "line"}.
    points: list[dict] = field(default_factory=list)

    @property
    def json_id(self) -> str:
        return f"chart-{self.key}-data"

    @property
    def map_id(self) -> str:
        return f"chart-{self.key}-map"

    @property
    def map_data(self) -> dict:
        """The points as static/js/map.js reads a map's markers."""
        return {"markers": self.points, "note": ""}

    @property
    def empty(self) -> bool:
        return not any(v for s in self.series for v in s.values)

    def rows(self) -> list[tuple[str, list]]:
        return [(label, [s.values[i] for s in self.series]) for i, label in enumerate(self.labels)]

    def data(self) -> dict:
        """What charts.js draws: exactly the numbers of the table and the CSV."""
        return {
            "kind": self.kind,
            "unit": self.unit,
            "currency": self.currency,
            "title": self.title,
            "labels": self.labels,
            "series": [{"label": s.label, "values": s.values, "previous": s.previous} for s in self.series],
        }

    def csv(self) -> str:
        """The table as a spreadsheet in the reader's language reads it (documents.exports.csv_lines)."""
        rows = ([label, *("" if v is None else v for v in values)] for label, values in self.rows())
        return "".join(csv_lines([self.column, *(s.label for s in self.series)], rows))

    def filename(self, owner: str, start, end) -> str:
        return f"{slugify(owner) or 'stageslot'}-{self.key}-{start:%Y%m%d}-{end:%Y%m%d}.csv"


def number(value) -> float | int | None:
    """A figure as the JSON, table and CSV show it: whole numbers stay whole, others get two decimals."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        rounded = round(value, 2)
        return int(rounded) if rounded == int(rounded) else rounded
    return value


def numbers(values: Iterable) -> list:
    return [number(v) for v in values]
