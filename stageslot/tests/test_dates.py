"""Dates that end (decision 0075): every date a person or an API client sends has one bound (core/fields/dates.py).

The walks find the doors by themselves, so the next one built without the bound fails here: every date field of
every form of the project, every date parameter and body field of the API's schema, every page of the URLconf
with dates in its query or its path. Each sends the extremes; none may answer 500 or change anything. What only
browses takes dates well past the planning horizon; what makes or moves something does not."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.urls.converters import get_converters
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode

from accounts.api_tokens import api_token_create
from availability.models import Rule
from availability.services import rule_create
from core.fields.dates import SCHEMA_MARK, Bound, BoundedDateField, BoundedDateTimeField, date_bounds, date_problem
from holds import services
from holds.models import ClosedDay, Hold
from holds.tests.factories import hold_world
from stageslot.tests.inputs import project_forms, query_names
from stageslot.tests.once import as_it_is_now, rows_for_the_module
from stageslot.tests.test_abuse import row_counts, site_urls

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("test_dates")]
BERLIN = ZoneInfo("Europe/Berlin")
# Far past, far future, the last date Python knows, one it does not, and one no calendar has.
EXTREMES = ["0001-01-01", "1900-01-01", "2999-12-31", "9999-12-31", "10000-01-01", "2027-02-30"]


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with rows_for_the_module(django_db_blocker):
        from bookings.tests.test_detail_views import make_world

        w = hold_world(suffix="-d")
        w.day = w.start.astimezone(BERLIN).date()
        w.small = w.venue.stages.create(name="Small room")
        w.hold = services.hold_place(
            by=w.owner, stage=w.stage, band=w.bands[0], starts_at=w.start, ends_at=w.end, expires_at=w.expires
        )
        w.token = api_token_create(user=w.owner, name="desk", scopes=["read", "bookings"], expires_at=None)[1]
        w.site = make_world()
        w.site_token = api_token_create(
            user=w.site.leader, name="own time", scopes=["read", "availability"], expires_at=None
        )[1]
        yield w


@pytest.fixture
def w(shared_world):
    return as_it_is_now(shared_world)


def held(w) -> tuple:
    return Hold.objects.values_list("pk", "stage_id", "date", "level", "starts_at").get(pk=w.hold.pk)


# ---- The one function ----------------------------------------------------------------------------------


def test_the_bound_names_the_first_and_last_date():
    today = dt.date(2026, 3, 1)
    first, last = date_bounds(Bound.AHEAD, today=today)
    assert first == today and last == dt.date(2029, 3, 1)
    assert date_problem(dt.date(9999, 12, 31), bound=Bound.AHEAD, today=today) == (
        "StageSlot plans at most three years ahead: pick a date up to Thu 1 Mar 2029."
    )
    assert date_problem(dt.date(2026, 2, 28), bound=Bound.AHEAD, today=today) == (
        "That day has passed: pick a date from Sun 1 Mar 2026 on."
    )
    assert date_problem(dt.date(2026, 2, 28), bound=Bound.PLAN, today=today) == ""
    assert "too long ago" in date_problem(dt.date(1900, 1, 1), bound=Bound.PLAN, today=today)
    assert date_problem(dt.date(2001, 1, 1), bound=Bound.RECORD, today=today) == ""
    assert date_problem(dt.date(1999, 12, 31), bound=Bound.RECORD, today=today) == (
        "StageSlot keeps no dates that early: pick a date from Sat 1 Jan 2000 on."
    )
    assert date_problem(dt.date(2029, 3, 1), bound=Bound.AHEAD, today=today) == ""
    # Browsing reaches well past the horizon (a calendar in 2035), not to the ends of time.
    first, last = date_bounds(Bound.BROWSE, today=today)
    assert first == dt.date(2000, 1, 1) and dt.date(2039, 2, 28) <= last <= dt.date(2039, 3, 2)
    assert date_problem(dt.date(2035, 1, 15), bound=Bound.BROWSE, today=today) == ""
    assert date_problem(dt.date(9999, 12, 31), bound=Bound.BROWSE, today=today) == (
        f"That is further ahead than StageSlot’s calendars go: pick a date up to {date_format(last, 'WEEKDAY_FORMAT')}."
    )


def test_a_row_kept_as_it_is_keeps_its_own_date_however_long_ago():
    today = dt.date(2026, 3, 1)
    begun = dt.date(2021, 3, 1)
    assert "too long ago" in date_problem(begun, bound=Bound.PLAN, today=today)
    assert date_problem(begun, bound=Bound.PLAN, today=today, kept=begun) == ""
    # A changed date is a new one; and nothing kept passes the horizon.
    assert "too long ago" in date_problem(begun - dt.timedelta(days=7), bound=Bound.PLAN, today=today, kept=begun)
    end_of_time = dt.date(9999, 12, 31)
    assert "plans at most" in date_problem(end_of_time, bound=Bound.PLAN, today=today, kept=end_of_time)


class RowForm(forms.Form):
    day = BoundedDateField(bound=Bound.AHEAD)
    at = BoundedDateTimeField(bound=Bound.AHEAD, required=False)


def test_a_form_editing_a_row_takes_its_own_date_back_unchanged():
    begun = timezone.localdate() - dt.timedelta(days=4 * 365)
    assert RowForm({"day": begun.isoformat()}, initial={"day": begun}).is_valid()
    assert RowForm({"day": begun.isoformat()}, initial={"day": begun.isoformat()}).is_valid()
    moved = RowForm({"day": (begun + dt.timedelta(days=1)).isoformat()}, initial={"day": begun})
    assert not moved.is_valid() and "That day has passed" in moved.errors["day"][0]
    new = RowForm({"day": begun.isoformat()})
    assert not new.is_valid() and "That day has passed" in new.errors["day"][0]
    moment = dt.datetime.combine(begun, dt.time(20), tzinfo=timezone.get_current_timezone())
    sent = {"day": timezone.localdate().isoformat(), "at": f"{begun.isoformat()}T20:00"}
    assert RowForm(sent, initial={"at": moment}).is_valid()
    assert not RowForm(sent).is_valid()


# ---- Every form ------------------------------------------------------------------------------------------


def date_fields() -> list[tuple[str, forms.Field]]:
    return [
        (f"{form.__module__}.{form.__name__}.{name}", field)
        for form in project_forms(admin=False)
        for name, field in form.base_fields.items()
        if isinstance(field, (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField))
    ]


def test_every_date_field_of_every_form_is_bounded():
    fields = date_fields()
    assert len(fields) >= 40  # the walk found the forms (holds, bookings, payments, availability, …)
    unbound = [name for name, field in fields if not isinstance(field, (BoundedDateField, BoundedDateTimeField))]
    assert unbound == [], "A date field without core.fields.dates' bound: " + ", ".join(unbound)


def test_every_date_field_refuses_the_extremes_with_a_message():
    failures = []
    for name, field in date_fields():
        for value in EXTREMES:
            sent = f"{value}T20:00" if isinstance(field, forms.DateTimeField) else value
            try:
                field.clean(sent)
            except ValidationError as exc:
                if not exc.messages or not all(exc.messages):
                    failures.append((name, value, "no message"))
            except Exception as exc:
                failures.append((name, value, repr(exc)))
            else:
                failures.append((name, value, "taken"))
    assert failures == []


# ---- The API ---------------------------------------------------------------------------------------------


def api_dates() -> list[tuple[str, str, str, str, object]]:
    """(method, path, where, name, mark) of every date and date-time the API's schema says it takes."""
    from bookings.api.core import api

    schema = api.get_openapi_schema()
    parts = schema["components"]["schemas"]
    found = []

    def walk(node, where, name, method, path, seen=()):
        if "$ref" in node:
            ref = node["$ref"].split("/")[-1]
            if ref not in seen:
                walk(parts[ref], where, name, method, path, (*seen, ref))
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []):
                walk(sub, where, name, method, path, seen)
        if node.get("format") in {"date", "date-time"}:
            found.append((method, path, where, name, node.get(SCHEMA_MARK)))
        for prop, sub in node.get("properties", {}).items():
            walk(sub, where, f"{name}.{prop}".strip("."), method, path, seen)
        if "items" in node:
            walk(node["items"], where, f"{name}[]", method, path, seen)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                walk(parameter.get("schema", {}), parameter["in"], parameter["name"], method, path)
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walk(content.get("schema", {}), "body", "", method, path)
    return found


def test_every_date_the_api_takes_is_bounded():
    found = api_dates()
    assert len(found) >= 50
    unbound = [f"{method.upper()} {path} {where}:{name}" for method, path, where, name, mark in found if not mark]
    assert unbound == [], "Not an core.fields.dates.ApiDate/ApiDateTime: " + ", ".join(unbound)


def _path(path: str, w) -> str:
    slug = w.venue.slug if path.startswith(("/api/v1/venues", "/api/v1/groups")) else w.bands[0].slug
    if path.startswith("/api/v1/groups"):
        slug = w.group.slug
    return path.replace("{slug}", slug).replace("{pk}", str(w.hold.pk))


def test_every_date_parameter_of_the_api_refuses_the_extremes_with_a_message(client, w):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {w.token}"}
    before = row_counts()
    failures = []
    for method, path, where, name, _mark in api_dates():
        if where != "query" or method != "get" or "{" in _path(path, w):
            continue
        for value in EXTREMES:
            sent = f"{value}T20:00:00Z" if name in {"from", "until", "free_from", "free_until"} else value
            response = client.get(_path(path, w), {name: sent}, **auth)
            body = response.json() if response.headers["Content-Type"].endswith("json") else {}
            # 422 naming the parameter, as the API names every bad field (403/404: the caller may not ask).
            named = response.status_code == 422 and all(body.get("errors", {}).get(name, [""]))
            if not (named or response.status_code in {403, 404}) or not body.get("detail"):
                failures.append((path, name, value, response.status_code))
    assert failures == []
    assert row_counts() == before


@pytest.mark.parametrize("view", ["month", "week", "day"])
def test_the_calendar_api_at_the_end_of_time_is_a_422_that_names_the_last_day(client, w, view):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {w.token}"}
    beyond = (timezone.localdate() + dt.timedelta(days=5 * 365)).isoformat()
    for path in (f"/api/v1/venues/{w.venue.slug}/calendar", f"/api/v1/groups/{w.group.slug}/calendar"):
        response = client.get(path, {"view": view, "date": "9999-12-31"}, **auth)
        assert response.status_code == 422, path
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"] == "Some of the input is not valid."
        (problem,) = response.json()["errors"]["date"]
        assert "further ahead than StageSlot’s calendars go: pick a date up to" in problem
    # Browsing is not planning: the venue's calendar past the horizon is read as any other.
    response = client.get(f"/api/v1/venues/{w.venue.slug}/calendar", {"view": view, "date": beyond}, **auth)
    assert response.status_code == 200


def test_the_api_refuses_to_move_a_hold_past_the_horizon_or_into_the_past(client, w):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {w.token}"}
    before = held(w)
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    for day, words in (
        ("2999-12-31", "plans at most three years ahead"),
        ("9999-12-31", "plans at most three years ahead"),
        (yesterday, "That day has passed"),
    ):
        response = client.post(
            f"/api/v1/holds/{w.hold.pk}/move", {"stage_id": w.small.pk, "date": day}, "application/json", **auth
        )
        assert response.status_code == 422, day
        assert words in response.json()["errors"]["date"][0]
    assert held(w) == before


def test_the_api_refuses_a_hold_placed_at_the_end_of_time(client, w):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {w.token}"}
    before = Hold.objects.count()
    body = {
        "stage_id": w.stage.pk,
        "band": w.bands[1].slug,
        "starts_at": "9999-12-31T20:00:00-05:00",
        "ends_at": "9999-12-31T23:00:00-05:00",
        "expires_at": "9999-12-30T23:00:00-05:00",
    }
    response = client.post(f"/api/v1/venues/{w.venue.slug}/holds", body, "application/json", **auth)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"starts_at", "ends_at", "expires_at"} <= set(errors)
    assert "plans at most three years ahead" in errors["starts_at"][0]
    assert Hold.objects.count() == before


def test_the_api_keeps_a_rule_begun_long_ago_and_refuses_moving_it_further_back(client, w):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {w.site_token}"}
    begun = timezone.localdate() - dt.timedelta(days=4 * 365)
    rule = rule_create(user=w.site.leader, title="Day job", all_day=True, start_date=begun, end_date=begun)
    url = f"/api/v1/me/rules/{rule.pk}"
    sent = {"title": "Old job", "start_date": begun.isoformat(), "end_date": begun.isoformat()}
    response = client.patch(url, sent, "application/json", **auth)
    assert response.status_code == 200, response.content
    earlier = (begun - dt.timedelta(days=7)).isoformat()
    response = client.patch(url, {"start_date": earlier, "end_date": earlier}, "application/json", **auth)
    assert response.status_code == 422
    assert "That is too long ago to plan for" in response.json()["errors"]["start_date"][0]
    assert Rule.objects.values_list("title", "start_date").get(pk=rule.pk) == ("Old job", begun)


# ---- The pages ---------------------------------------------------------------------------------------------


def test_closing_a_day_at_the_end_of_time_or_in_2020_is_refused_with_the_reason(client, w):
    client.force_login(w.owner)
    close = reverse("holds:day_close", args=[w.venue.slug])
    for day, words in (
        ("9999-12-31", "StageSlot plans at most three years ahead: pick a date up to"),
        ("2999-12-31", "StageSlot plans at most three years ahead"),
        ("2020-06-01", "That day has passed: pick a date from"),
    ):
        response = client.post(close, {"date": day, "note": "Private hire"}, follow=True)
        assert response.status_code == 200
        assert words in response.content.decode(), day
    assert not ClosedDay.objects.exists()
    # The service itself, as every other door calls it: the reason, never an overflow.
    for day in (dt.date(9999, 12, 31), dt.date(2020, 6, 1)):
        with pytest.raises(services.HoldError):
            services.venue_day_close(venue_id=w.venue.pk, by=w.owner, date=day)
    assert not ClosedDay.objects.exists()


def test_moving_a_hold_to_2999_or_9999_by_the_form_is_refused(client, w):
    client.force_login(w.owner)
    move = reverse("holds:move", args=[w.venue.slug, w.hold.pk])
    before = held(w)
    for day in ("2999-12-31", "9999-12-31"):
        response = client.post(move, {"stage": w.small.pk, "date": day}, follow=True)
        assert response.status_code == 200
        assert "StageSlot plans at most three years ahead" in response.content.decode()
    with pytest.raises(services.HoldError, match="plans at most three years ahead"):
        services.hold_move(hold=w.hold, by=w.owner, stage=w.small, date=dt.date(9999, 12, 31))
    assert held(w) == before


@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01", "2027-02-30"])
def test_the_bookers_calendar_page_out_of_its_bound_is_a_400_that_says_so(client, w, day):
    client.force_login(w.owner)
    for view in ("month", "week", "day"):
        response = client.get(reverse("holds:calendar", args=[w.venue.slug]), {"view": view, "date": day})
        assert response.status_code == 400
        assert "We could not take that date" in response.content.decode()


def test_calendars_browse_past_the_horizon_and_fall_back_to_today_at_the_end_of_time(client, w):
    """Browsing is not planning: a month five years on is shown; the end of time shows today, never a 500."""
    beyond = timezone.localdate() + dt.timedelta(days=5 * 365)
    client.force_login(w.owner)
    response = client.get(reverse("holds:calendar", args=[w.venue.slug]), {"view": "month", "date": beyond})
    assert response.status_code == 200
    client.force_login(w.site.leader)
    band_calendar = reverse("bands:calendar", args=[w.site.band.slug])
    assert client.get(band_calendar, {"view": "month", "date": beyond}).context["title"] == date_format(beyond, "F Y")
    today = client.get(band_calendar, {"view": "month", "date": "9999-12-31"})
    assert today.status_code == 200 and today.context["title"] == date_format(timezone.localdate(), "F Y")
    for view in ("month", "week"):
        for day in (beyond.isoformat(), "9999-12-31", "0001-01-01"):
            assert client.get(reverse("availability:calendar"), {"view": view, "date": day}).status_code == 200


def date_converters() -> list[tuple[str, object]]:
    """Every converter of the URLconf that reads a date from a path."""
    found = []
    for name, converter in get_converters().items():
        try:
            value = converter.to_python("2026-06-01")
        except (ValueError, TypeError):
            continue
        if isinstance(value, dt.date):
            found.append((name, converter))
    return found


def test_a_date_in_an_address_out_of_its_bound_is_no_page():
    assert date_converters(), "the walk found the path converters that read dates"
    for _name, converter in date_converters():
        for value in EXTREMES:
            if not re.fullmatch(converter.regex, value):
                continue  # the URL does not even match: a 404 before any converter runs
            with pytest.raises(ValueError):
                converter.to_python(value)


def test_a_date_of_a_rule_at_the_end_of_time_is_a_404(client, w):
    client.force_login(w.site.leader)
    rule = rule_create(
        user=w.site.leader, title="Rehearsal", all_day=True, start_date=w.day, end_date=w.day, rrule="FREQ=WEEKLY"
    )
    for name in ("availability:occurrence", "availability:occurrence_edit"):
        url = reverse(name, args=[rule.pk, dt.date(2026, 6, 1)]).replace("2026-06-01", "9999-12-31")
        assert client.get(url).status_code == 404


# Past every column (2**31 ends a 4-byte one), below zero, past anything, and text that is not one line.
OTHER_EXTREMES = [str(2**31), "-1", "1" + "0" * 30, "Lake\nFest \u202eevil"]


def extreme_queries() -> list[dict[str, str]]:
    """Every name any page reads from its query (found in the code: stageslot/tests/inputs.py), with dates at
    both ends of time, a date no calendar has, and numbers and text past every bound."""
    names = sorted(query_names()[0])
    return [
        {name: ("9999-12-31", "2027-02-30")[n % 2] for n, name in enumerate(names)},
        {name: ("0001-01-01", "9999-12-31")[n % 2] for n, name in enumerate(names)},
        {name: OTHER_EXTREMES[n % len(OTHER_EXTREMES)] for n, name in enumerate(names)},
        {name: OTHER_EXTREMES[(n + 1) % len(OTHER_EXTREMES)] for n, name in enumerate(names)},
    ]


@pytest.mark.slow(reason="walks every URL of the site")
def test_every_page_with_the_extremes_in_its_query_never_answers_500(client, w):
    """Every page of the URLconf, every name any page reads in its query set to dates at the ends of time,
    numbers past every column and text that is not one line: a 400 that says so, or the page (a filter that
    says what is wrong next to the field), never a server error, and nothing changed."""
    client.force_login(w.site.leader)
    client.raise_request_exception = False
    before = row_counts()
    failures = []
    # Each query encoded once, as the test client encodes it, for the 800-odd pages that are sent it.
    queries = [(query, urlencode(query, doseq=True)) for query in extreme_queries()]
    for url in site_urls(w.site):
        if url.endswith("/logout/"):
            continue
        # Four requests a page: each name gets the end of time, the far past, and each other extreme once.
        for query, encoded in queries:
            response = client.get(url, QUERY_STRING=encoded)
            if response.status_code >= 500:
                failures.append((url, query, response.status_code))
    assert failures == []
    assert counted(row_counts()) == counted(before)


def counted(counts: dict[str, int]) -> dict[str, int]:
    """Rows people make: the rate limits' own counters (a cache kept in a table) aside."""
    return {label: n for label, n in counts.items() if label != "accounts.LimitsCacheEntry"}


# ---- Numbers past every column, through the API ------------------------------------------------------------

NUMBER_EXTREMES = [str(2**31), "-1", str(2**63), "1" + "0" * 30]


def api_numbers() -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) of every whole number or number a GET operation of the API's schema reads from
    its query or its path."""
    from bookings.api.core import api

    schema = api.get_openapi_schema()
    found = []

    def numeric(node) -> bool:
        return node.get("type") in {"integer", "number"} or any(
            numeric(sub) for key in ("anyOf", "oneOf") for sub in node.get(key, [])
        )

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if method == "get" and numeric(parameter.get("schema", {})):
                    found.append((method, path, parameter["in"], parameter["name"]))
    return found


@pytest.mark.slow(reason="walks every number of the API")
def test_every_number_the_api_reads_past_every_column_is_refused_never_a_500(client, w):
    """2**31 ends a 4-byte column (a PostgreSQL error past it), 2**63 an 8-byte one: every number in the query or
    the path of every GET operation gets each end and -1, and answers a problem (422, 404, 403), never a 500."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {w.token}"}
    client.raise_request_exception = False
    found = api_numbers()
    assert len(found) > 40
    before = row_counts()
    failures = []
    for _method, path, where, name in found:
        for value in NUMBER_EXTREMES:
            address = _path(path, w)
            query = {}
            if where == "path":
                address = address.replace("{" + name + "}", value)
            else:
                query = {name: value}
            if "{" in address:
                continue
            response = client.get(address, query, **auth)
            if response.status_code >= 500:
                failures.append((path, name, value, response.status_code))
    assert failures == []
    assert counted(row_counts()) == counted(before)
