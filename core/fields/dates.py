"""Dates that end: the one bound for every date a person or an API client sends (docs/decisions/0075).

Every date someone types, puts in an address or sends to the API is checked by `date_problem` against one
of four bounds. Three end at the scheduling horizon (core/fields/scheduling.py, STAGESLOT_SCHEDULING_HORIZON_DAYS):
they hold for what is made, moved or recorded. The fourth is wider: it holds for what is only looked at.

- AHEAD: from today on – something new about the future (a hold placed or moved, a closed day, a request).
- PLAN: as far back as the horizon reaches ahead – busy time, blocks, slots, shows, tours, a moved gig (their
  forms and services say "not before today" in the right zone themselves), and the searches over what is
  planned (the gig finder, who is free, a band's free dates), whose answers end at the horizon anyway.
- RECORD: from RECORDS_BEGIN on – what happened (payments, exports, figures).
- BROWSE: from RECORDS_BEGIN to BROWSE_YEARS_BEYOND years past the horizon – a date that only says which part
  of a calendar to show (a month, week or day browsed, a date in a path, busy time read back). Wide, and still
  nothing date arithmetic overflows on.

A form editing a row keeps the row's own date: unchanged, it is never refused for being too early (`kept`).

The doors: `BoundedDateField` / `BoundedDateTimeField` for forms, `query_date` / `query_month` for an
address's query (a `DateInputError` answers 400 with the message, accounts.middleware.DateInputMiddleware; a
page that only browses may take `fallback=True` and show today instead), and `ApiDate` / `ApiDateTime` for the
API's parameters and bodies (422 by field, as every other bad field of the API: bookings/api/core.py).
Nothing past the bounds reaches date arithmetic, so 9999-12-31 is a message, never an overflow.
Services keep their own, finer checks (today in the venue's zone, the earliest date of a kept row).
"""

import calendar
import datetime as dt
import enum
import re
from collections.abc import Mapping
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator, AwareDatetime, Field
from pydantic_core import PydanticCustomError

from core.fields.form_fields import IsoDateInput, IsoDateTimeInput
from core.fields.scheduling import (
    day_text,
    scheduling_first_day,
    scheduling_last_day,
    scheduling_today,
    too_early_message,
    too_late_message,
)

# Nothing on StageSlot happened before this day: the first date a record (a payment, an export) can have, and
# the first a calendar or a list is browsed at.
RECORDS_BEGIN = dt.date(2000, 1, 1)
# How far past the planning horizon a calendar or a list can still be browsed (nothing is planned there yet).
BROWSE_YEARS_BEYOND = 10


class Bound(enum.StrEnum):
    AHEAD = "ahead"
    PLAN = "plan"
    RECORD = "record"
    BROWSE = "browse"


def date_bounds(bound: Bound, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last date `bound` allows, seen from `today` (None: today in the active zone)."""
    today = today or scheduling_today()
    last = scheduling_last_day(today)
    if bound == Bound.BROWSE:
        return RECORDS_BEGIN, last + dt.timedelta(days=round(BROWSE_YEARS_BEYOND * 365.25))
    first = {Bound.AHEAD: today, Bound.PLAN: scheduling_first_day(today), Bound.RECORD: RECORDS_BEGIN}[bound]
    return first, last


def too_soon_message(first: dt.date) -> str:
    return _("That day has passed: pick a date from %(day)s on.") % {"day": day_text(first)}


def before_records_message(first: dt.date) -> str:
    return _("StageSlot keeps no dates that early: pick a date from %(day)s on.") % {"day": day_text(first)}


def beyond_browsing_message(last: dt.date) -> str:
    return _("That is further ahead than StageSlot’s calendars go: pick a date up to %(day)s.") % {
        "day": day_text(last)
    }


def _early(bound: Bound, first: dt.date) -> str:
    if bound == Bound.AHEAD:
        return too_soon_message(first)
    if bound == Bound.PLAN:
        return too_early_message(first)
    return before_records_message(first)


def _late(bound: Bound, last: dt.date) -> str:
    return beyond_browsing_message(last) if bound == Bound.BROWSE else too_late_message(last)


def date_problem(
    day: dt.date, *, bound: Bound, today: dt.date | None = None, kept: dt.date | None = None, slack: int = 0
) -> str:
    """Why `day` cannot be sent where `bound` holds ("" when it can): the one check of every door.

    `kept`: the date the row being edited has now; sent back unchanged it is not refused for being early (a
    rule begun long ago can still be renamed). `slack`: days of leeway either side (a date and time checked by
    its own calendar day, before the service reads it in the zone where it happens)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if isinstance(kept, dt.datetime):
        kept = kept.date()
    first, last = date_bounds(bound, today=today)
    if day > last + dt.timedelta(days=slack):
        return _late(bound, last)
    if day < first - dt.timedelta(days=slack) and day != kept:
        return _early(bound, first)
    return ""


# ---- Forms -----------------------------------------------------------------------------------------------


def _as_kept(field: forms.Field, initial: Any) -> dt.date | None:
    """The date a form's row has now (its initial value, read as the field reads what is sent), or None."""
    if initial in (None, ""):
        return None
    try:
        return field.to_python(initial)
    except (ValidationError, OverflowError):
        return None


class _Bounded:
    """What both bounded fields share: the check, a form's own words for it, and the row's own date kept.

    Django cleans a form's field through `_clean_bound_field`, which knows the field's initial value (FileField
    reads it there too): a form editing a row passes the row's date as initial, and sent back unchanged it is
    not refused for being early."""

    bound: Bound
    early_message: str = ""
    late_format: str = ""
    slack: int = 0

    def check_bound(self, value, *, kept: dt.date | None = None) -> None:
        problem = date_problem(value, bound=self.bound, kept=kept, slack=self.slack) if value else ""
        if not problem:
            return
        first, last = date_bounds(self.bound)
        day = value.date() if isinstance(value, dt.datetime) else value
        if self.early_message and day < first:
            problem = str(self.early_message)
        elif self.late_format and day > last:
            problem = str(self.late_format) % {"problem": problem.rstrip(".")}
        raise ValidationError(problem, code="date_bound")

    def validate(self, value) -> None:
        super().validate(value)  # type: ignore[misc]
        self.check_bound(value)

    def _clean_bound_field(self, bf):
        value = self.to_python(bf.initial if self.disabled else bf.data)  # type: ignore[attr-defined]
        super().validate(value)  # type: ignore[misc]  # required, without the bound
        self.run_validators(value)  # type: ignore[attr-defined]
        self.check_bound(value, kept=_as_kept(self, bf.initial))  # type: ignore[arg-type]
        return value


class BoundedDateField(_Bounded, forms.DateField):
    """A form's date, within `bound` (today in the viewer's zone); the message names the first or last date.
    A form may say the first date's refusal its own way (`early_message`), or add to the last date's
    (`late_format`, with %(problem)s: the bound's words without their full stop)."""

    def __init__(self, *, bound: Bound, early_message: str = "", late_format: str = "", **kwargs) -> None:
        kwargs.setdefault("widget", IsoDateInput())
        super().__init__(**kwargs)
        self.bound, self.early_message, self.late_format = bound, early_message, late_format


class BoundedDateTimeField(_Bounded, forms.DateTimeField):
    """A form's date and time, its day within `bound` (as BoundedDateField), a day of slack either side for the
    offsets of the world (the services check the day in the zone where it happens)."""

    slack = 1

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
            raise ValidationError(
                _early(self.bound, first) if early else _late(self.bound, last), code="date_bound"
            ) from None


# ---- An address's query -----------------------------------------------------------------------------------


class DateInputError(ValidationError):
    """A date in an address's query that is not one, or out of its bound: a 400 page with the message (422 by
    field in the API)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message, code="date_bound")
        self.name = name


def not_a_date_message(name: str, value: str) -> str:
    return _("“%(value)s” in “%(name)s” is not a date: write it as YYYY-MM-DD, e.g. %(example)s.") % {
        "value": value[:40],
        "name": name,
        "example": scheduling_today().isoformat(),
    }


def not_a_month_message(name: str, value: str) -> str:
    return _("“%(value)s” in “%(name)s” is not a month: write it as YYYY-MM, e.g. %(example)s.") % {
        "value": value[:40],
        "name": name,
        "example": scheduling_today().strftime("%Y-%m"),
    }


def read_date(raw: str, *, name: str, bound: Bound, today: dt.date | None = None) -> tuple[dt.date | None, str]:
    """`raw` (YYYY-MM-DD) as a date, and why it cannot be taken where `bound` holds ("" when it can)."""
    try:
        day = dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None, not_a_date_message(name, raw.strip())
    return day, date_problem(day, bound=bound, today=today)


MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")


def read_month(raw: str, *, name: str, bound: Bound, today: dt.date | None = None) -> tuple[dt.date | None, str]:
    """`raw` (YYYY-MM) as the month's first day, and why it cannot be taken where `bound` holds ("" when it
    can): a month is within the bound when one of its days is."""
    match = MONTH.fullmatch(raw.strip())
    try:
        start = dt.date(int(match[1]), int(match[2]), 1)  # type: ignore[index]
    except (TypeError, ValueError):
        return None, not_a_month_message(name, raw.strip())
    year, month = start.year, start.month
    end = start.replace(day=calendar.monthrange(year, month)[1])
    return start, date_problem(start, bound=bound, today=today) and date_problem(end, bound=bound, today=today)


def _query(read, params: Mapping[str, Any], name: str, *, bound: Bound, default, fallback: bool, today):
    raw = str(params.get(name) or "").strip()
    if not raw:
        return default
    value, problem = read(raw, name=name, bound=bound, today=today)
    if not problem:
        return value
    if fallback:
        return default
    raise DateInputError(name, problem)


def query_date(
    params: Mapping[str, Any],
    name: str,
    *,
    bound: Bound,
    default: dt.date | None = None,
    fallback: bool = False,
    today: dt.date | None = None,
) -> dt.date | None:
    """The date `name` of a query (YYYY-MM-DD), `default` when it is missing or empty. Text that is no date, or
    a date out of `bound`, raises DateInputError; with `fallback` (a page that only browses) it is `default`."""
    return _query(read_date, params, name, bound=bound, default=default, fallback=fallback, today=today)


def query_month(
    params: Mapping[str, Any],
    name: str,
    *,
    bound: Bound,
    default: dt.date,
    fallback: bool = False,
    today: dt.date | None = None,
) -> dt.date:
    """The month `name` of a query (YYYY-MM) as its first day, `default` when missing; otherwise as
    query_date."""
    return _query(read_month, params, name, bound=bound, default=default, fallback=fallback, today=today)


# ---- The API ----------------------------------------------------------------------------------------------

# The type of a date out of its bound among the API's validation errors (a 422 by field, as every bad field:
# bookings/api/core.py), and the schema's mark of a bounded date that the schema test looks for.
API_ERROR_TYPE = "date_bound"
SCHEMA_MARK = "x-date-bound"


def _api_check(bound: Bound, *, slack: int = 0):
    def check(value):
        problem = date_problem(value, bound=bound, slack=slack)
        if problem:
            raise PydanticCustomError(API_ERROR_TYPE, problem)
        return value

    return check


def _mark(bound: Bound) -> Any:
    return Field(json_schema_extra={SCHEMA_MARK: bound.value})


def _api_day(bound: Bound) -> Any:
    return Annotated[dt.date, AfterValidator(_api_check(bound)), _mark(bound)]


def _api_moment(bound: Bound, *, aware: bool = True) -> Any:
    # A date and time by its own calendar day, a day of slack either side (as BoundedDateTimeField).
    return Annotated[AwareDatetime if aware else dt.datetime, AfterValidator(_api_check(bound, slack=1)), _mark(bound)]


class ApiDate:
    """`ApiDate.AHEAD` …: a date of the API bounded as `Bound` says."""

    AHEAD = _api_day(Bound.AHEAD)
    PLAN = _api_day(Bound.PLAN)
    BROWSE = _api_day(Bound.BROWSE)


class ApiDateTime:
    """`ApiDateTime.AHEAD` …: an aware date and time of the API, its day bounded as `Bound` says; the `ANY_…`
    ones also take one without an offset (the view reads or refuses it)."""

    AHEAD = _api_moment(Bound.AHEAD)
    PLAN = _api_moment(Bound.PLAN)
    ANY_AHEAD = _api_moment(Bound.AHEAD, aware=False)
    ANY_PLAN = _api_moment(Bound.PLAN, aware=False)
    ANY_BROWSE = _api_moment(Bound.BROWSE, aware=False)
