"""Festivals and open calls at the ends of the calendar, with names that are not one line and fees past any
column (docs/decisions/0095-every-input-bounded.md): a message next to the field and nothing changed, never a
500 – and rows stored before the bounds (a festival in 9999, a name with a line break) still answer."""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from festivals.models import Festival, OpenCall, Placement
from festivals.services import timetable
from stageslot.tests.once import as_it_is_now, rows_for_the_module

from .factories import festival_world, local, placement_book

pytestmark = pytest.mark.django_db

END_OF_TIME = dt.date(9999, 12, 31)
DAY_ONE = dt.date(1, 1, 1)


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator:
    with rows_for_the_module(django_db_blocker):
        w = festival_world(tag="-b")
        w.placement = placement_book(
            fstage=w.tent, band=w.owl, starts_at=local(w.first_day, 18), set_minutes=45, by=w.owner,
            now=timezone.now(),
        )  # fmt: skip
        yield w


@pytest.fixture
def w(module_world):
    return as_it_is_now(module_world)


def call_form(w, **changes) -> dict:
    first = w.first_day + dt.timedelta(days=30)
    return {
        "title": "Summer call", "first_day": first.isoformat(), "last_day": first.isoformat(), "currency": "EUR",
        "time_zone": "Europe/Berlin", "deadline_day": (first - dt.timedelta(days=5)).isoformat(),
        "deadline_time": "23:59", "criteria": "Music", **changes,
    }  # fmt: skip


def festival_form(w, **changes) -> dict:
    first = w.first_day + dt.timedelta(days=30)
    return {
        "name": "Winter Fest", "venue": w.venue.pk, "first_day": first.isoformat(), "last_day": first.isoformat(),
        "transfer_minutes": 15, **changes,
    }  # fmt: skip


YESTERDAY = (timezone.localdate() - dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("day", ["0001-01-01", "2020-06-01", YESTERDAY, "9999-12-31"])
def test_a_festival_is_never_made_at_the_ends_of_time_or_in_the_past(client, w, day):
    client.force_login(w.owner)
    url = reverse("festivals:festival_new", args=[w.organisation.slug])
    before = Festival.objects.count()
    for sent in (festival_form(w, first_day=day, last_day=day), festival_form(w, last_day=day)):
        page = client.post(url, sent)
        assert page.status_code == 200
        assert page.context["form"].errors
    assert Festival.objects.count() == before
    with pytest.raises(ValidationError, match=r"plans at most|passed"):
        timetable.festival_create(
            organisation=w.organisation, venue=w.venue, name="Direct", first_day=dt.date.fromisoformat(day),
            last_day=dt.date.fromisoformat(day), by=w.owner,
        )  # fmt: skip
    assert Festival.objects.count() == before


@pytest.mark.parametrize("day", ["0001-01-01", "2020-06-01", YESTERDAY, "9999-12-31"])
def test_an_open_call_is_never_made_at_the_ends_of_time_or_in_the_past(client, w, day):
    client.force_login(w.owner)
    url = reverse("festivals:call_new", args=[w.organisation.slug])
    before = OpenCall.objects.count()
    for sent in (call_form(w, first_day=day, last_day=day), call_form(w, deadline_day=day)):
        page = client.post(url, sent)
        assert page.status_code == 200 and page.context["form"].errors
    assert OpenCall.objects.count() == before


def test_a_fee_past_every_column_is_refused_next_to_the_field(client, w):
    client.force_login(w.owner)
    url = reverse("festivals:call_new", args=[w.organisation.slug])
    before = OpenCall.objects.count()
    for fee in (2**31, 2**31 - 1, 10_000_001, -1, 10**30):
        page = client.post(url, call_form(w, fee_min=0, fee_max=fee))
        assert page.status_code == 200 and "fee_max" in page.context["form"].errors, fee
    assert OpenCall.objects.count() == before
    page = client.post(url, call_form(w, fee_min=0, fee_max=10_000_000, title="Top fee call"))
    assert page.status_code == 302
    assert OpenCall.objects.get(title="Top fee call").fee_max == 10_000_000


@pytest.mark.parametrize("name", ["Lake\nFest", "Lake\r\nFest", "Lake\tFest", "Lake \u202eFest", "Lake \u2066Fest"])
def test_a_name_or_title_is_one_line_without_direction_overrides(client, w, name):
    client.force_login(w.owner)
    festivals, open_calls = Festival.objects.count(), OpenCall.objects.count()
    page = client.post(reverse("festivals:festival_new", args=[w.organisation.slug]), festival_form(w, name=name))
    assert page.status_code == 200 and "name" in page.context["form"].errors
    page = client.post(reverse("festivals:call_new", args=[w.organisation.slug]), call_form(w, title=name))
    assert page.status_code == 200 and "title" in page.context["form"].errors
    assert (Festival.objects.count(), OpenCall.objects.count()) == (festivals, open_calls)


def test_place_and_move_on_day_one_or_the_end_of_time_are_refused(client, w):
    client.force_login(w.owner)
    before = list(Placement.objects.values_list("pk", "festival_stage_id", "starts_at"))
    hx = {"HTTP_HX_REQUEST": "true"}
    for day in ("0001-01-01", "9999-12-31"):
        place = {"band": w.kite.slug, "stage": w.main.pk, "day": day, "time": "00:00", "minutes": 60}
        for sent in (place, {**place, "check_only": "on"}):
            assert client.post(reverse("festivals:place", args=[w.festival.slug]), sent, **hx).status_code == 400
            assert client.post(reverse("festivals:place", args=[w.festival.slug]), sent).status_code == 200
        move = {"placement": w.placement.pk, "stage": w.main.pk, "day": day, "time": "00:00"}
        assert client.post(reverse("festivals:move", args=[w.festival.slug]), move).status_code == 302
        assert client.post(reverse("festivals:move", args=[w.festival.slug]), move, **hx).status_code == 302
    assert list(Placement.objects.values_list("pk", "festival_stage_id", "starts_at")) == before


@pytest.mark.parametrize("day", [DAY_ONE, END_OF_TIME])
def test_a_festival_and_a_call_stored_at_the_ends_of_time_still_answer(client, w, day):
    """Rows from before the bounds: the builder, the public page, the place form, the calendars, the call's page
    for the band that opens it – each answers, never a 500."""
    Festival.objects.filter(pk=w.festival.pk).update(first_day=day, last_day=day, published=True)
    OpenCall.objects.filter(pk=w.call.pk).update(first_day=day, last_day=day)
    client.force_login(w.owner)
    client.raise_request_exception = False
    slug = w.festival.slug
    pages = [
        reverse("festivals:builder", args=[slug]),
        reverse("festivals:festival", args=[slug]),
        reverse("festivals:stage_ics", args=[slug, w.tent.pk]),
        reverse("festivals:act_ics", args=[slug, w.owl.slug]),
        reverse("festivals:running_order", args=[slug, w.tent.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code < 500, url
    place = {"band": w.kite.slug, "stage": w.main.pk, "day": day.isoformat(), "time": "20:00", "minutes": 60}
    assert client.post(reverse("festivals:place", args=[slug]), place).status_code < 500
    client.force_login(w.leaders[w.kite.pk])
    assert client.get(reverse("festivals:call", args=[w.call.slug])).status_code < 500
    client.logout()
    assert client.get(reverse("festivals:festival", args=[slug])).status_code < 500


def test_a_name_stored_with_a_line_break_keeps_its_calendars(client, w):
    Festival.objects.filter(pk=w.festival.pk).update(name="Lake\nFest \u202eevil", published=True)
    slug = w.festival.slug
    for url in (
        reverse("festivals:festival", args=[slug]),
        reverse("festivals:stage_ics", args=[slug, w.tent.pk]),
        reverse("festivals:act_ics", args=[slug, w.owl.slug]),
    ):
        assert client.get(url).status_code == 200, url
