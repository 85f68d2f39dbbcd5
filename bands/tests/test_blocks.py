"""Rehearsals and holds on the band calendar: adding and deleting them, who may, bad input."""

import datetime as dt
import json
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.engine import rrule_parts
from availability.models import BusyInterval
from bands import services
from bands.models import BandBlock, Membership
from core.fields.scheduling import day_text

from .factories import BandFactory, MembershipFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def ahead(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def in_berlin(days: int) -> dt.date:
    return timezone.localtime(timezone.now(), ZoneInfo("Europe/Berlin")).date() + dt.timedelta(days=days)


@pytest.fixture
def world():
    band = BandFactory(name="The Night Shift", slug="night-shift", time_zone="Europe/Berlin")
    leader = MembershipFactory(band=band, role=Membership.Role.LEADER, user__display_name="Lea").user
    admin = MembershipFactory(band=band, role=Membership.Role.ADMIN, user__display_name="Ada").user
    member = MembershipFactory(band=band, user__display_name="Max").user
    other_band = BandFactory(name="Other Band", slug="other-band")
    other_leader = MembershipFactory(band=other_band, role=Membership.Role.LEADER).user
    other_block = services.band_block_create(
        band=other_band, by=other_leader, kind="hold", all_day=True, start_date=ahead(5), end_date=ahead(5)
    )
    return SimpleNamespace(
        band=band,
        leader=leader,
        admin=admin,
        member=member,
        other_band=other_band,
        other_leader=other_leader,
        other_block=other_block,
        stranger=UserFactory(),
        create_url=reverse("bands:block_create", args=["night-shift"]),
        calendar_url=reverse("bands:calendar", args=["night-shift"]),
    )


def rehearsal(**overrides) -> dict:
    data = {
        "kind": "rehearsal",
        "title": "Proberaum 4",
        "date": ahead(10).isoformat(),
        "start_time": "19:00",
        "end_time": "22:00",
    }
    data.update(overrides)
    return data


def blocks(band) -> list:
    return list(BandBlock.objects.filter(band=band).values_list("title", flat=True))


# ---- Adding -----------------------------------------------------------------------------------------


def test_a_leader_adds_a_rehearsal_and_every_member_is_busy_for_it(world, client):
    client.force_login(world.leader)

    response = client.post(world.create_url, rehearsal(), follow=True)

    assert response.status_code == 200
    block = BandBlock.objects.get(band=world.band)
    assert (block.kind, block.title, block.time_zone, block.created_by) == (
        "rehearsal",
        "Proberaum 4",
        "Europe/Berlin",
        world.leader,
    )
    assert (block.start_time, block.end_time, block.rrule) == (dt.time(19), dt.time(22), "")
    html = response.content.decode()
    assert "Added: Proberaum 4" in html
    assert "Proberaum 4" in html[html.index("Rehearsals and holds") :]
    busy = BusyInterval.objects.filter(source=BusyInterval.Source.BAND_BLOCK, source_id=block.pk)
    assert sorted(busy.values_list("user_id", flat=True)) == sorted([world.leader.pk, world.admin.pk, world.member.pk])


def test_an_admin_adds_a_weekly_rehearsal_from_the_first_chosen_weekday(world, client):
    client.force_login(world.admin)
    start = ahead(3)
    # Two days after the start date on the weekday chosen.
    day = (start + dt.timedelta(days=2)).weekday()
    code = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[day]
    until = start + dt.timedelta(days=40)

    response = client.post(
        world.create_url,
        rehearsal(date=start.isoformat(), repeat="on", days=[code], until=until.isoformat()),
    )

    assert response.status_code == 302
    block = BandBlock.objects.get(band=world.band)
    assert block.start_date == start + dt.timedelta(days=2)
    assert rrule_parts(block.rrule) == {"FREQ": "WEEKLY", "BYDAY": code, "UNTIL": f"{until:%Y%m%d}"}
    weeks = BusyInterval.objects.filter(source=BusyInterval.Source.BAND_BLOCK, source_id=block.pk, user=world.member)
    assert weeks.count() in (5, 6)


def test_an_all_day_hold_and_a_rehearsal_past_midnight(world, client):
    client.force_login(world.leader)
    client.post(
        world.create_url, rehearsal(kind="hold", title="Festival hold", all_day="on", start_time="", end_time="")
    )
    client.post(world.create_url, rehearsal(title="Late session", start_time="22:00", end_time="01:00"))

    hold = BandBlock.objects.get(title="Festival hold")
    late = BandBlock.objects.get(title="Late session")
    assert (hold.all_day, hold.start_time, hold.end_date) == (True, None, ahead(10))
    assert (late.end_date, late.end_time) == (ahead(11), dt.time(1))


def test_htmx_add_answers_with_the_list_and_tells_the_calendar_to_reload(world, client):
    client.force_login(world.leader)

    response = client.post(world.create_url, rehearsal(), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "gz-changed" in json.loads(response["HX-Trigger"])
    assert html.lstrip().startswith('<section id="gz-blocks"')
    assert "Added: Proberaum 4" in html
    assert "<html" not in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start_time": ""}, "Give a start time, or tick “All day”."),
        ({"end_time": ""}, "Give an end time, or tick “All day”."),
        ({"end_time": "19:00"}, "The end time is the same as the start time."),
        ({"end_time": "25:00"}, "Enter a valid time."),
        ({"date": ""}, "This field is required."),
        ({"date": "2025-02-30"}, "Enter a valid date."),
        ({"kind": "party"}, "Select a valid choice."),
        ({"title": "x" * 121}, "Ensure this value has at most 120 characters"),
        ({"repeat": "on", "days": ["XX"]}, "Pick weekdays from Monday to Sunday."),
        ({"repeat": "on", "until": ahead(5).isoformat()}, "The last date is before the first one."),
        ({"date": "9999-12-31", "start_time": "23:00", "end_time": "01:00"}, "StageSlot plans at most three years"),
        # The horizon counts from today where the leader is (Europe/Berlin).
        ({"date": in_berlin(3 * 365 + 2).isoformat()}, f"pick a date up to {day_text(in_berlin(3 * 365 + 1))}"),
        ({"repeat": "on", "until": "9999-12-31"}, "StageSlot plans at most three years ahead: pick a date up to"),
        ({"date": "0001-01-01", "start_time": "00:30", "end_time": "01:00"}, "That is too long ago to plan for"),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(world, client, changes, message):
    client.force_login(world.leader)

    response = client.post(world.create_url, rehearsal(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'id="gz-calendar"' in response.content.decode()

    response = client.post(world.create_url, rehearsal(**changes), **HTMX)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "HX-Trigger" not in response
    assert blocks(world.band) == []
    assert not BusyInterval.objects.filter(user=world.member).exists()


def test_a_block_the_service_refuses_is_explained_next_to_the_form(world, client):
    client.force_login(world.leader)
    start = ahead(3)
    later_day = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[(start + dt.timedelta(days=2)).weekday()]
    # Weekly on a day that only comes after the last date: it would never happen.
    data = rehearsal(date=start.isoformat(), repeat="on", days=[later_day], until=start.isoformat())

    response = client.post(world.create_url, data)

    assert response.status_code == 400
    assert "This rule never happens" in response.content.decode()
    assert blocks(world.band) == []


# ---- Who may ----------------------------------------------------------------------------------------------


def test_a_member_who_does_not_manage_cannot_add(world, client):
    client.force_login(world.member)
    assert client.post(world.create_url, rehearsal()).status_code == 403
    assert client.post(world.create_url, rehearsal(), **HTMX).status_code == 403
    assert blocks(world.band) == []


def test_outsiders_cannot_add(world, client):
    response = client.post(world.create_url, rehearsal())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    for outsider in (world.other_leader, world.stranger):
        client.force_login(outsider)
        assert client.post(world.create_url, rehearsal()).status_code == 404
    assert blocks(world.band) == []


def test_adding_needs_a_post(world, client):
    client.force_login(world.leader)
    assert client.get(world.create_url).status_code == 405


# ---- Deleting -------------------------------------------------------------------------------------------------


@pytest.fixture
def block(world):
    return services.band_block_create(
        band=world.band,
        by=world.leader,
        kind="rehearsal",
        title="Proberaum 4",
        start_date=ahead(10),
        start_time=dt.time(19),
        end_date=ahead(10),
        end_time=dt.time(22),
    )


def delete_url(block) -> str:
    return reverse("bands:block_delete", args=[block.band.slug, block.pk])


def test_a_leader_deletes_a_block_and_members_are_free_again(world, client, block):
    client.force_login(world.leader)

    response = client.post(delete_url(block), follow=True)

    assert response.status_code == 200
    assert "Deleted: Proberaum 4" in response.content.decode()
    assert blocks(world.band) == []
    assert not BusyInterval.objects.filter(source=BusyInterval.Source.BAND_BLOCK, source_id=block.pk).exists()


def test_htmx_delete_answers_with_the_list(world, client, block):
    client.force_login(world.admin)
    response = client.post(delete_url(block), **HTMX)
    assert response.status_code == 200
    assert "gz-changed" in json.loads(response["HX-Trigger"])
    assert "No rehearsals or holds coming up." in response.content.decode()


def test_who_cannot_delete(world, client, block):
    client.force_login(world.member)
    assert client.post(delete_url(block)).status_code == 403
    client.force_login(world.other_leader)
    assert client.post(delete_url(block)).status_code == 404
    # Another band's block through our address does not exist here.
    client.force_login(world.leader)
    url = reverse("bands:block_delete", args=["night-shift", world.other_block.pk])
    assert client.post(url).status_code == 404
    client.logout()
    assert client.post(delete_url(block)).status_code == 302
    assert blocks(world.band) == ["Proberaum 4"]
    assert BandBlock.objects.filter(pk=world.other_block.pk).exists()


def test_the_calendar_lists_blocks_with_their_repeat(world, client):
    start = ahead(7)
    services.band_block_create(
        band=world.band,
        by=world.leader,
        kind="rehearsal",
        title="Weekly",
        start_date=start,
        start_time=dt.time(19),
        end_date=start,
        end_time=dt.time(22),
        rrule="FREQ=WEEKLY;BYDAY=" + ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[start.weekday()],
    )
    services.band_block_create(
        band=world.band,
        by=world.leader,
        kind="hold",
        title="Old hold",
        all_day=True,
        start_date=ahead(-20),
        end_date=ahead(-20),
    )
    client.force_login(world.leader)
    html = client.get(world.calendar_url).content.decode()
    day = f"{start:%a}"
    assert f"Every {day}, 19:00–22:00, from {start:%-d %b %Y}" in html
    # Past one-off blocks drop off the list.
    assert "Old hold" not in html
