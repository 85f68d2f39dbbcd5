"""A band's sections and minimum line-up: the green zone by line-up, read through the one selector."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.services import rule_create
from bands import sections
from bands.calendar import band_availability, band_available_members, bands_availability, calendar_members
from bands.models import Band, Membership

from .factories import BandFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def busy_all_day(user, day: dt.date) -> None:
    rule_create(user=user, title="", all_day=True, start_date=day, end_date=day)


@pytest.fixture
def brass():
    """Two trumpets needed, one tuba; Dora doubles on trumpet and tuba; nobody is needed by name."""
    band = BandFactory(name="Brass", slug="brass", time_zone="Europe/Berlin")
    leader = MembershipFactory(band=band, role=Membership.Role.LEADER, required=False, user__display_name="Lea")
    people = {
        name: MembershipFactory(band=band, required=False, user__display_name=name) for name in ("Ana", "Ben", "Dora")
    }
    trumpets = sections.section_add(band=band, by=leader.user, name="Trumpets")
    tuba = sections.section_add(band=band, by=leader.user, name="Tuba")
    sections.membership_sections_set(membership=people["Ana"], by=leader.user, usual=trumpets.pk, doubles=[])
    sections.membership_sections_set(membership=people["Ben"], by=leader.user, usual=trumpets.pk, doubles=[])
    sections.membership_sections_set(membership=people["Dora"], by=leader.user, usual=tuba.pk, doubles=[trumpets.pk])
    sections.lineup_set(band=band, by=leader.user, needs={trumpets.pk: 2, tuba.pk: 1}, total=None)
    band.refresh_from_db()
    return band, leader, people


def days(band: Band, day: dt.date):
    return band_availability(
        band=band, members=band_available_members(band=band), first_day=day, last_day=day, today=day
    ).days[0]


def test_a_day_is_green_when_the_free_members_fill_each_section(brass):
    band, _leader, _people = brass
    day = timezone.localdate() + dt.timedelta(days=10)
    assert days(band, day).status == "green"


def test_a_doubler_counts_once_so_a_missing_trumpet_leaves_the_band_short(brass):
    band, _leader, people = brass
    day = timezone.localdate() + dt.timedelta(days=10)
    busy_all_day(people["Ana"].user, day)
    result = days(band, day)
    assert result.status == "partial"
    # Dora can play trumpet or tuba, not both: one of the two sections is short.
    assert [(s.name, s.have, s.need) for s in result.short] in ([("Trumpets", 1, 2)], [("Tuba", 0, 1)])
    assert "Short:" in result.summary


def test_the_lead_needed_by_name_still_counts(brass):
    band, leader, _people = brass
    Membership.objects.filter(pk=leader.pk).update(required=True)
    day = timezone.localdate() + dt.timedelta(days=10)
    busy_all_day(leader.user, day)
    assert days(band, day).status != "green"


def test_a_total_asks_for_enough_members_free_in_all(brass):
    band, leader, _people = brass
    day = timezone.localdate() + dt.timedelta(days=10)
    sections.lineup_set(band=band, by=leader.user, needs={}, total=4)
    band.refresh_from_db()
    assert days(band, day).status == "green"
    busy_all_day(leader.user, day)
    assert days(band, day).status != "green"


def test_a_band_without_sections_answers_as_before_and_has_no_line_up(brass):
    plain = BandFactory(slug="plain")
    MembershipFactory(band=plain)
    assert plain.lineup == {}
    assert days(plain, timezone.localdate() + dt.timedelta(days=3)).short == ()


def test_the_line_up_costs_no_query_more_over_a_year(brass):
    band, _leader, _people = brass
    plain = BandFactory(slug="plain", time_zone="Europe/Berlin")
    for _ in range(4):
        MembershipFactory(band=plain)
    today = timezone.localdate()
    counts = []
    for each in (band, plain):
        members = band_available_members(band=each)
        with CaptureQueriesContext(connection) as queries:
            zone = band_availability(
                band=each, members=members, first_day=today, last_day=today + dt.timedelta(days=364), today=today
            )
        assert len(zone.days) == 365
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 3
    with CaptureQueriesContext(connection) as queries:
        zones = bands_availability(bands=[band, plain], first_day=today, last_day=today, today=today)
    assert len(queries) == 4
    assert zones[band.pk].days[0].status == "green"


def test_every_write_keeps_the_snapshot_in_step_with_the_tables(brass):
    band, leader, people = brass
    trumpets = band.sections.get(name="Trumpets")
    sections.section_rename(section=trumpets, by=leader.user, name="Cornets")
    sections.section_move(section=trumpets, by=leader.user, up=False)
    band.refresh_from_db()
    assert [s["name"] for s in band.lineup["sections"]] == ["Tuba", "Cornets"]
    sections.section_remove(section=trumpets, by=leader.user)
    band.refresh_from_db()
    assert [s["name"] for s in band.lineup["sections"]] == ["Tuba"]
    assert str(people["Ana"].user_id) not in band.lineup["plays"]


def test_only_leaders_and_admins_change_sections(brass):
    band, _leader, people = brass
    with pytest.raises(sections.BandPermissionError):
        sections.section_add(band=band, by=people["Ana"].user, name="Saxes")


# ---- The leader's page ------------------------------------------------------------------------------


def section_urls(band: Band) -> list[tuple[str, str]]:
    """Every route of the sections page, with the method it answers."""
    section = band.sections.first()
    member = band.memberships.first()
    return [
        ("get", reverse("bands:sections", args=[band.slug])),
        ("post", reverse("bands:sections", args=[band.slug])),
        ("post", reverse("bands:lineup_save", args=[band.slug])),
        ("post", reverse("bands:section_rename", args=[band.slug, section.pk])),
        ("post", reverse("bands:section_move", args=[band.slug, section.pk])),
        ("post", reverse("bands:section_remove", args=[band.slug, section.pk])),
        ("post", reverse("bands:member_sections", args=[band.slug, member.pk])),
    ]


def test_every_route_of_the_page_is_covered_here(brass):
    band, _leader, _people = brass
    names = {p.name for p in get_resolver("bands.urls").url_patterns if "sections" in str(p.pattern)}
    assert len(names) == len(section_urls(band)) - 1


def test_only_the_bands_leaders_and_admins_reach_the_page(brass, client):
    band, _leader, people = brass
    other = MembershipFactory(band=BandFactory(slug="other"), role=Membership.Role.LEADER).user
    before = (band.lineup, list(band.sections.values_list("name", "order")))
    for method, url in section_urls(band):
        client.logout()
        response = getattr(client, method)(url, {"name": "Saxes", "total": "9"})
        assert response.status_code == 302 and "login" in response["Location"], url
        for user in (people["Ana"].user, other, UserFactory()):
            client.force_login(user)
            assert getattr(client, method)(url, {"name": "Saxes", "total": "9"}).status_code in (403, 404), url
    band.refresh_from_db()
    assert (band.lineup, list(band.sections.values_list("name", "order"))) == before


def test_the_leader_keeps_sections_and_the_line_up_from_the_manage_page(brass, client):
    band, leader, people = brass
    client.force_login(leader.user)
    page = client.get(reverse("bands:manage", args=[band.slug])).content.decode()
    assert reverse("bands:sections", args=[band.slug]) in page
    assert client.post(reverse("bands:sections", args=[band.slug]), {"name": "Saxes"}).status_code == 302
    saxes = band.sections.get(name="Saxes")
    response = client.post(
        reverse("bands:lineup_save", args=[band.slug]),
        {
            f"need_{saxes.pk}": "1",
            f"need_{band.sections.get(name='Tuba').pk}": "0",
            f"need_{band.sections.get(name='Trumpets').pk}": "2",
            "total": "",
        },
    )
    assert response.status_code == 302
    ben = people["Ben"]
    response = client.post(
        reverse("bands:member_sections", args=[band.slug, ben.pk]),
        {f"m{ben.pk}-usual": str(saxes.pk), f"m{ben.pk}-doubles": []},
    )
    assert response.status_code == 302
    band.refresh_from_db()
    assert {s["name"]: s["need"] for s in band.lineup["sections"]} == {"Trumpets": 2, "Tuba": 0, "Saxes": 1}
    assert band.lineup["plays"][str(ben.user_id)] == [saxes.pk]
    html = client.get(reverse("bands:sections", args=[band.slug])).content.decode()
    assert "Saxes" in html and "Ben" in html


def test_bad_input_is_refused_next_to_the_field_and_changes_nothing(brass, client):
    band, leader, _people = brass
    client.force_login(leader.user)
    before = band.lineup
    response = client.post(reverse("bands:sections", args=[band.slug]), {"name": "trumpets"})
    assert response.status_code == 400
    assert "already has a section of that name" in response.content.decode()
    response = client.post(reverse("bands:lineup_save", args=[band.slug]), {"total": "-3"})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    band.refresh_from_db()
    assert band.lineup == before


def test_the_calendar_day_says_which_section_is_short(brass, client):
    band, leader, people = brass
    day = timezone.localdate() + dt.timedelta(days=10)
    busy_all_day(people["Ana"].user, day)
    busy_all_day(people["Dora"].user, day)
    client.force_login(leader.user)
    html = client.get(reverse("bands:calendar", args=[band.slug]), {"view": "month", "date": day.isoformat()})
    page = html.content.decode()
    assert "Short: Trumpets 1 of 2, Tuba 0 of 1 – " in page
    # Who plays the short sections but is busy that day: whom to ask first.
    said = page.split("Short: Trumpets 1 of 2, Tuba 0 of 1 – ", 1)[1].split(" busy", 1)[0]
    assert set(said.split(", ")) == {people["Ana"].user.name, people["Dora"].user.name}


def test_under_a_line_up_the_legend_names_nobody_optional_the_sections_decide(brass, client):
    band, leader, _people = brass
    client.force_login(leader.user)
    html = client.get(reverse("bands:calendar", args=[band.slug])).content.decode()
    assert "nobody is needed by name: a day is green when each section has its minimum" in html
    assert "(not needed for a green day)" not in html


# ---- Amber: a line-up filled only with occasional players -----------------------------------------------


def test_a_day_the_line_up_needs_an_occasional_player_for_is_amber_and_names_them(brass):
    band, leader, people = brass
    day = timezone.localdate() + dt.timedelta(days=10)
    # Dora plays now and then: with Ana busy, only she can make up the trumpets, so the day is a maybe.
    trumpets, tuba = [s["id"] for s in band.lineup["sections"]]
    sections.membership_sections_set(
        membership=people["Dora"], by=leader.user, usual=tuba, doubles=[trumpets], occasional=True
    )
    band.refresh_from_db()
    assert days(band, day).status == "amber"  # the tuba is Dora's alone
    extra = MembershipFactory(band=band, required=False, user__display_name="Tom")
    sections.membership_sections_set(membership=extra, by=leader.user, usual=tuba, doubles=[])
    band.refresh_from_db()
    assert days(band, day).status == "green"
    busy_all_day(people["Ana"].user, day)
    members, _me = calendar_members(band=band, user=leader.user)
    result = band_availability(band=band, members=members, first_day=day, last_day=day, today=day).days[0]
    assert result.status == "amber"
    assert [(s.name, s.have, s.need, s.could) for s in result.short] == [("Trumpets", 1, 2, ("Dora",))]
    assert result.summary == "Maybe, with Dora"
    busy_all_day(people["Dora"].user, day)
    assert days(band, day).status == "partial"


def test_amber_costs_no_query_more_and_the_agency_roster_reads_it(brass, django_assert_num_queries):
    band, leader, people = brass
    trumpets, tuba = [s["id"] for s in band.lineup["sections"]]
    sections.membership_sections_set(
        membership=people["Dora"], by=leader.user, usual=tuba, doubles=[trumpets], occasional=True
    )
    band.refresh_from_db()
    day = timezone.localdate() + dt.timedelta(days=10)
    members = band_available_members(band=band)
    # Busy time and the band's gigs, as without a line-up (test_the_line_up_costs_no_query_more_over_a_year).
    with django_assert_num_queries(2):
        zone = band_availability(
            band=band, members=members, first_day=day, last_day=day + dt.timedelta(days=364), today=day
        )
    assert {d.status for d in zone.days} == {"amber"}
    assert zone.counts["amber"] == sum(1 for d in zone.days if d.day >= day)
    assert bands_availability(bands=[band], first_day=day, last_day=day, today=day)[band.pk].days[0].status == "amber"


def test_the_strip_and_instant_booking_offer_a_start_only_when_the_line_up_is_filled(brass):
    from bookings.selectors.strip import band_strip, start_fits

    band, _leader, people = brass
    tz = dt.UTC
    day = timezone.localdate() + dt.timedelta(days=10)
    at = dt.datetime.combine(day, dt.time(20, 0), tzinfo=tz)
    now = timezone.now()
    length = dt.timedelta(hours=2)
    assert start_fits(band=band, starts_at=at, length=length, now=now)
    busy_all_day(people["Ana"].user, day)
    assert not start_fits(band=band, starts_at=at, length=length, now=now)
    strip = band_strip(band=band, length=length, viewer_zone="UTC", first_day=day, weeks=1, now=now)
    assert strip.days[0].status in ("busy", "past")
    assert strip.days[1].status == "free"


def test_find_dates_and_the_free_between_search_read_the_line_up(brass):
    from bands.calendar import band_find_dates
    from bands.selectors import band_search

    band, leader, people = brass
    band.status = "approved"
    band.save(update_fields=["status"])
    tz = dt.UTC
    day = timezone.localdate() + dt.timedelta(days=10)
    busy_all_day(people["Ana"].user, day)
    members, _me = calendar_members(band=band, user=leader.user)
    found = band_find_dates(
        members=members,
        first_day=day - dt.timedelta(days=1),
        last_day=day + dt.timedelta(days=1),
        time_zone="UTC",
        # Ana's day is Berlin's: in UTC it leaves one hour of `day` in winter, two in summer time; three are asked.
        min_length=dt.timedelta(hours=3),
        now=timezone.now(),
        band=band,
    )
    # Nobody is needed by name, so the old rule saw every hour free; the trumpets are short on `day`.
    assert found and day not in {c.day for c in found}
    at = dt.datetime.combine(day, dt.time(20), tzinfo=tz)
    other = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(20), tzinfo=tz)
    assert band not in band_search(free_between=(at, at + dt.timedelta(hours=2)))
    assert band in band_search(free_between=(other, other + dt.timedelta(hours=2)))


def test_the_leader_marks_an_occasional_player_on_the_sections_page(brass, client):
    band, leader, people = brass
    dora = people["Dora"]
    tuba = band.lineup["sections"][1]["id"]
    client.force_login(leader.user)
    url = reverse("bands:member_sections", args=[band.slug, dora.pk])
    response = client.post(url, {f"m{dora.pk}-usual": str(tuba), f"m{dora.pk}-occasional": "on"})
    assert response.status_code == 302
    dora.refresh_from_db()
    band.refresh_from_db()
    assert dora.occasional and band.lineup["occasional"] == [dora.user_id]
    html = client.get(reverse("bands:sections", args=[band.slug])).content.decode()
    assert f'name="m{dora.pk}-occasional"' in html and "checked" in html
    client.post(url, {f"m{dora.pk}-usual": str(tuba)})
    dora.refresh_from_db()
    assert not dora.occasional
    # A player of the band may not mark anyone.
    client.force_login(people["Ana"].user)
    client.post(url, {f"m{dora.pk}-usual": str(tuba), f"m{dora.pk}-occasional": "on"})
    dora.refresh_from_db()
    assert not dora.occasional
