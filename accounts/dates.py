"""Dates that end: the one bound for every date a person or an API client sends (docs/decisions/0075).

Every date someone types, puts in an address or sends to the API is checked by `date_problem` against one
of three bounds, all ending at the scheduling horizon (accounts/scheduling.py, STAGESLOT_SCHEDULING_HORIZON_DAYS):

- AHEAD: from today on – what is being planned (a hold, a closed day, a request, a slot, a show).
- PLAN: as far back as the horizon reaches ahead – calendars browsed, busy time, a row being edited.
- RECORD: from RECORDS_BEGIN on – what happened (payments, exports, figures).

The doors: `BoundedDateField` / `BoundedDateTimeField` for forms, `query_date` / `query_month` for an
address's query (a `DateInputError` answers 400 with the message, accounts.middleware.DateInputMiddleware), and
`ApiDate` / `ApiDateTime` for the API's parameters and bodies (400 with the message, bookings/api/core.py).
Nothing past the horizon reaches date arithmetic, so 9999-12-31 is a message, never an overflow.
Services keep their own, finer checks (today in the venue's zone, the earliest date of a kept row).
"""

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator, AwareDatetime, Field
from pydantic_core import PydanticCustomError

from .form_fields import IsoDateInput, IsoDateTimeInput
from .scheduling import (
    day_text,
    scheduling_first_day,
    scheduling_last_day,
    scheduling_today,
    too_early_message,
    too_late_message,
)

# Nothing on StageSlot happened before this day: the first date a record (a payment, an export) can have.
RECORDS_BEGIN = dt.date(2000, 1, 1)


class Bound(enum.StrEnum):
    AHEAD = "ahead"
    PLAN = "plan"
    RECORD = "record"


def date_bounds(bound: Bound, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last date `bound` allows, seen from `today` (None: today in the active zone)."""
    today = today or scheduling_today()
    first = {Bound.AHEAD: today, Bound.PLAN: scheduling_first_day(today), Bound.RECORD: RECORDS_BEGIN}[bound]
    return first, scheduling_last_day(today)


def too_soon_message(first: dt.date) -> str:
    return _("That day has passed: pick a date from %(day)s on.") % {"day": day_text(first)}


def date_problem(day: dt.date, *, bound: Bound, today: dt.date | None = None) -> str:
    """Why `day` cannot be sent where `bound` holds ("" when it can): the one check of every door."""
    if isinstance(day, dt.datetime):
        day = day.date()
    first, last = date_bounds(bound, today=today)
    if day > last:
        return too_late_message(last)
    if day < first:
        return too_soon_message(first) if bound == Bound.AHEAD else too_early_message(first)
    return ""


def _moment_problem(moment: dt.datetime, *, bound: Bound) -> str:
    """A date and time by its own calendar day, a day of slack either side for the offsets of the world (the
    services check the day in the zone where it happens)."""
    first, last = date_bounds(bound)
    day = moment.date()
    if day > last + dt.timedelta(days=1):
        return too_late_message(last)
    if day < first - dt.timedelta(days=1):
        return too_soon_message(first) if bound == Bound.AHEAD else too_early_message(first)
    return ""


# ---- Forms -----------------------------------------------------------------------------------------------


class BoundedDateField(forms.DateField):
    """A form's date, within `bound` (today in the viewer's zone); the message names the first or last date.
    A form may say the first date's refusal its own way (`early_message`), or add to the last date's
    (`late_format`, with %(problem)s: the bound's words without their full stop)."""

    def __init__(self, *, bound: Bound, early_message: str = "", late_format: str = "", **kwargs) -> None:
        kwargs.setdefault("widget", IsoDateInput())
        super().__init__(**kwargs)
        self.bound, self.early_message, self.late_format = bound, early_message, late_format

    def validate(self, value) -> None:
        super().validate(value)
        problem = date_problem(value, bound=self.bound) if value else ""
        if not problem:
            return
        if self.early_message and value < date_bounds(self.bound)[0]:
            problem = str(self.early_message)
        elif self.late_format and value > date_bounds(self.bound)[1]:
            problem = str(self.late_format) % {"problem": problem.rstrip(".")}
        raise ValidationError(problem, code="date_bound")


class BoundedDateTimeField(forms.DateTimeField):
    """A form's date and time, its day within `bound` (as BoundedDateField)."""

    def __init__(self, *, bound: Bound, **kwargs) -> None:
        kwargs.setdefault("widget", IsoDateTimeInput())
        super().__init__(**kwargs)
        self.bound = bound

    def to_python(self, value):
        # Made aware in the active zone, 9999-12-31T23:59 overflows where the zone is ahead of UTC.
        try:
            return super().to_python(value)
        except OverflowError:
            first, last = date_bounds(self.bound)
            year = str(value).strip()[:4]
            early = year.isdigit() and int(year) < first.year
            message = (too_soon_message if self.bound == Bound.AHEAD else too_early_message)(first) if early else ""
            raise ValidationError(message or too_late_message(last), code="date_bound") from None

    def validate(self, value) -> None:
        super().validate(value)
        problem = _moment_problem(value, bound=self.bound) if value else ""
        if problem:
            raise ValidationError(problem, code="date_bound")


# ---- An address's query -----------------------------------------------------------------------------------


class DateInputError(ValidationError):
    """A date in an address's query that is not one, or out of its bound: a 400 page with the message."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message, code="date_bound")
        self.name = name


def not_a_date_message(name: str, value: str) -> str:
    return _("“%(value)s” in “%(name)s” is not a date: write it as YYYY-MM-DD, e.g. %(example)s.") % {
        "value": value[:40],
        "name": name,
        "example": scheduling_today().isoformat(),
    }


def query_date(params: Mapping[str, Any], name: str, *, bound: Bound, default: dt.date | None = None) -> dt.date | None:
    """The date `name` of a query (YYYY-MM-DD), `default` when it is missing or empty. Raises DateInputError
    for text that is no date or a date out of `bound`."""
    raw = str(params.get(name) or "").strip()
    if not raw:
        return default
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise DateInputError(name, not_a_date_message(name, raw)) from None
    problem = date_problem(day, bound=bound)
    if problem:
        raise DateInputError(name, problem)
    return day


def query_month(params: Mapping[str, Any], name: str, *, bound: Bound, default: dt.date) -> dt.date:
    """The month `name` of a query (YYYY-MM, a date read as its month) as its first day, `default` when
    missing. Raises DateInputError as query_date; a month is within the bound when one of its days is."""
    raw = str(params.get(name) or "").strip()
    if not raw:
        return default
    try:
        day = dt.date.fromisoformat(f"{raw}-01" if len(raw) == 7 else raw).replace(day=1)
    except ValueError:
        raise DateInputError(
            name,
            _("“%(value)s” in “%(name)s” is not a month: write it as YYYY-MM, e.g. %(example)s.")
            % {"value": raw[:40], "name": name, "example": scheduling_today().strftime("%Y-%m")},
        ) from None
    first, last = date_bounds(bound)
    if day > last:
        raise DateInputError(name, too_late_message(last))
    if day < first.replace(day=1):
        raise DateInputError(name, too_early_message(first))
    return day


# ---- The API ----------------------------------------------------------------------------------------------

# The type of error the API answers 400 with the message (bookings/api/core.py), and the schema's mark of a
# bounded date that the schema test looks for.
API_ERROR_TYPE = "date_bound"
SCHEMA_MARK = "x-date-bound"


def _api_day(bound: Bound):
    def check(value: dt.date) -> dt.date:
        problem = date_problem(value, bound=bound)
        if problem:
            raise PydanticCustomError(API_ERROR_TYPE, problem)
        return value

    return check


def _api_moment(bound: Bound):
    def check(value: dt.datetime) -> dt.datetime:
        problem = _moment_problem(value, bound=bound)
        if problem:
            raise PydanticCustomError(API_ERROR_TYPE, problem)
        return value

    return check


def _mark(bound: Bound) -> Any:
    return Field(json_schema_extra={SCHEMA_MARK: bound.value})


class ApiDate:
    """`ApiDate.AHEAD` …: a date of the API bounded as `Bound` says."""

    AHEAD = Annotated[dt.date, AfterValidator(_api_day(Bound.AHEAD)), _mark(Bound.AHEAD)]
    PLAN = Annotated[dt.date, AfterValidator(_api_day(Bound.PLAN)), _mark(Bound.PLAN)]
    RECORD = Annotated[dt.date, AfterValidator(_api_day(Bound.RECORD)), _mark(Bound.RECORD)]


class ApiDateTime:
    """`ApiDateTime.AHEAD` …: an aware date and time of the API, its day bounded as `Bound` says; `ANY_PLAN`
    and `ANY_AHEAD` also take one without an offset (the view reads or refuses it)."""

    AHEAD = Annotated[AwareDatetime, AfterValidator(_api_moment(Bound.AHEAD)), _mark(Bound.AHEAD)]
    PLAN = Annotated[AwareDatetime, AfterValidator(_api_moment(Bound.PLAN)), _mark(Bound.PLAN)]
    ANY_AHEAD = Annotated[dt.datetime, AfterValidator(_api_moment(Bound.AHEAD)), _mark(Bound.AHEAD)]
    ANY_PLAN = Annotated[dt.datetime, AfterValidator(_api_moment(Bound.PLAN)), _mark(Bound.PLAN)]
