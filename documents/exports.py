"""Streamed CSV: the rows of a query written as they are read, so a large export never sits in memory.

A view hands `csv_response` a header of translated column names and an iterator of rows (tuples read
with `values_list(...).iterator(chunk_size=...)`, turned into cells by the export's own function). Each
row is written by `csv.writer` into a one-line buffer and sent at once; the response never holds more
than one chunk of rows.

The file starts with a UTF-8 byte order mark: Excel, still what most accountants open a CSV with,
reads a file without one in the machine's legacy code page and breaks every "é", "ø" and "€";
LibreOffice, Numbers, pandas and Python's "utf-8-sig" all take the mark in their stride.

Where the reader's language writes a decimal comma (German, French, Spanish, Italian, Dutch), the file
is written as the spreadsheet programs there read it: cells separated by ";" and amounts with a decimal
comma ("1250,00"); elsewhere "," and a decimal point. The form is chosen when the export starts, in the
language of whoever asked for it (`spreadsheet_form`); times stay ISO 8601 in both.
"""

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import get_format

BOM = "\ufeff"
# Rows read from the database per round trip: big enough that 100,000 rows are 50 fetches, small
# enough that a chunk is a few hundred kilobytes.
CHUNK_SIZE = 2000
# Rows written per piece of the response: one write per row would cost a generator step each.
ROWS_PER_PIECE = 200
# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection): a
# name or message typed by another user is written with a leading apostrophe instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    """A file-like object that keeps only what was written last (csv.writer writes one row at a time)."""

    __slots__ = ("text",)

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text = text


def safe_text(value: str | None) -> str:
    """Text typed by a person, made inert for spreadsheets (no formula runs on opening the file)."""
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def iso_local(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    """ISO 8601 in `zone` with its offset ("2026-12-05T20:00:00+01:00"); empty for no time."""
    if moment is None:
        return ""
    return moment.astimezone(zone).isoformat(timespec="seconds")


def major(minor: int | None) -> str:
    """Minor units as a plain decimal in major units ("1250.00", "-12.05"): every currency we take has
    two decimals, and a CSV keeps the dot whatever the reader's language, so a spreadsheet sums it."""
    if minor is None:
        return ""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(int(minor)), 100)
    return f"{sign}{whole}.{cents:02d}"


# A plain decimal as major() and the exports write it ("1250.00", "-12.5"): what a decimal comma changes.
PLAIN_DECIMAL = re.compile(r"-?\d+\.\d+")


def spreadsheet_form() -> tuple[str, str]:
    """The list separator and decimal mark of the active language's spreadsheets: ";" and "," where
    its numbers have a decimal comma (what Excel and LibreOffice set up in that language read), else
    "," and "."."""
    return (";", ",") if get_format("DECIMAL_SEPARATOR") == "," else (",", ".")


def _regional(value):
    if isinstance(value, float | Decimal):
        value = str(value)
    if isinstance(value, str) and PLAIN_DECIMAL.fullmatch(value):
        return value.replace(".", ",")
    return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence], *, form: tuple[str, str] | None = None) -> Iterator[str]:
    """The CSV text, BOM and header first, in pieces of ROWS_PER_PIECE rows, in `form` (a list separator
    and decimal mark; the active language's, read now, before the first piece is asked for)."""
    return _csv_pieces(header, rows, form or spreadsheet_form())


def _csv_pieces(header: Sequence[str], rows: Iterable[Sequence], form: tuple[str, str]) -> Iterator[str]:
    separator, decimal = form
    line = _Line()
    writer = csv.writer(line, delimiter=separator)
    writer.writerow(header)
    yield BOM + line.text
    piece: list[str] = []
    for row in rows:
        writer.writerow(row if decimal == "." else [_regional(cell) for cell in row])
        piece.append(line.text)
        if len(piece) >= ROWS_PER_PIECE:
            yield "".join(piece)
            piece.clear()
    if piece:
        yield "".join(piece)


def export_filename(name: str, *, today: dt.date | None = None) -> str:
    """ "stageslot-bookings-2026-11-24.csv": what it is and the day it was made."""
    return f"stageslot-{name}-{(today or timezone.localdate()).isoformat()}.csv"


def csv_response(*, name: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """A streamed CSV download named after `name` and today's date; nothing is read before the first
    piece is asked for."""
    response = StreamingHttpResponse(
        (piece.encode() for piece in csv_lines(header, rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(name)}"'
    # A personal export: no shared cache keeps it, and the browser does not guess another type.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
