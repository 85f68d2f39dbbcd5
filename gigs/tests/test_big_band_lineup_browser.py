"""In Chromium, a 30-member band's gig by section (issue 72), on a laptop and a phone, in English and German:
the leader reads the line-up by section with a short section, and gives a doubler a part for the gig; a
player answers and sees their section's count change. One set-up, few page loads; every page passes axe."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from bands import sections
from bands.models import Band, LineupNeed, Membership, MembershipSection, Section
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.services import answering
from bookings.tests.factories import BookingFactory, band_with_leader
from gigs.models import Answer, GigAnswer
from stageslot.tests.words import words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# 29 players and the leader: (section, players, fewest needed).
SECTIONS = (("Trumpets", 7, 3), ("Saxes", 6, 3), ("Trombones", 5, 2), ("Low brass", 3, 1), ("Rhythm", 8, 3))


def big_band_gig():
    """The band, its leader, its players by section, its sections by name and a booked gig whose low brass
    all said "can't" (short); one sax said "definitely"; Dora (trumpet) doubles on sax, Ravi (rhythm) on
    trombone; at least 12 players in all."""
    band, leader = band_with_leader(name="Kiez Big Band", slug="kiez-big-band", time_zone="Europe/Berlin")
    Membership.objects.filter(band=band).update(required=False)
    by_name, players, links = {}, {}, []
    doubles = {"Dora Doubler": "Saxes", "Ravi Doubler": "Trombones"}
    for order, (name, count, need) in enumerate(SECTIONS):
        by_name[name] = Section.objects.create(band=band, name=name, order=order)
        LineupNeed.objects.create(band=band, section=by_name[name], min_players=need)
        players[name] = []
        for i in range(count):
            display = {("Trumpets", 0): "Dora Doubler", ("Rhythm", 0): "Ravi Doubler"}.get((name, i), f"{name} {i + 1}")
            membership = MembershipFactory(band=band, required=False, user=UserFactory(display_name=display))
            players[name].append(membership)
            links.append(MembershipSection(membership=membership, section=by_name[name], usual=True))
    for membership in (players["Trumpets"][0], players["Rhythm"][0]):
        links.append(MembershipSection(membership=membership, section=by_name[doubles[membership.user.display_name]]))
    MembershipSection.objects.bulk_create(links)
    Band.objects.filter(pk=band.pk).update(min_players=12)
    band.refresh_from_db()
    sections.band_lineup_refresh(band)
    assert Membership.objects.filter(band=band).count() == 30
    gig = BookingFactory(band=band, kind=Booking.Kind.OFFER, status=Booking.Status.PENDING, requested_by=UserFactory())
    answering.booking_accept(booking=gig, by=leader)
    gig.refresh_from_db()
    # Every member's place in the line-up, as gig_lineup_open gives it (without the thirty questions).
    GigAnswer.objects.bulk_create(
        [GigAnswer(booking=gig, member_id=m.user_id, instrument=m.instrument) for m in band.memberships.all()]
    )
    low = [m.user_id for m in players["Low brass"]]
    now = timezone.now()
    GigAnswer.objects.filter(booking=gig, member_id__in=low).update(answer=Answer.CANT, answered_at=now)
    GigAnswer.objects.filter(booking=gig, member_id=players["Saxes"][0].user_id).update(
        answer=Answer.DEFINITELY, answered_at=now
    )
    return leader, {k: [m.user for m in v] for k, v in players.items()}, gig


def open_as(browser, base: str, user, locale: str, viewport: dict):
    """A page signed in as `user` (the session cookie, no sign-in page) with the browser's `locale`."""
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(locale=locale, viewport=viewport, is_mobile=viewport is PHONE)
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.set_default_navigation_timeout(30_000)
    return page


def section_row(page, name: str):
    return page.locator("tr.gig-section-counts__row").filter(has=page.get_by_role("rowheader", name=name, exact=True))


def test_a_big_bands_leader_and_players_read_and_change_the_line_up_by_section(live_server, browser, axe_check):
    base = live_server.url
    leader, players, gig = big_band_gig()
    gig_url = f"{base}/gigs/{gig.uid}/"

    def sideways(page) -> bool:
        return page.evaluate("document.scrollingElement.scrollWidth > innerWidth")

    # The leader on a laptop, in English: Low brass is short; Dora is given the sax part for this gig.
    t = words("en-GB")
    page = open_as(browser, base, leader, "en-GB", LAPTOP)
    page.goto(gig_url)
    expect(section_row(page, "Low brass")).to_contain_text(t("short"))
    expect(section_row(page, "Saxes")).to_contain_text(t("%(have)s of %(need)s", have=1, need=3))
    axe_check(page, what="the gig by section (leader, laptop)")
    page.get_by_role("link", name=t("Give the parts")).click()
    row = page.locator("li.gig-parts__row").filter(has_text="Dora Doubler")
    row.get_by_label(t("Part at this gig")).select_option(label="Saxes")
    row.get_by_role("button", name=t("Save")).click()
    expect(page.get_by_role("status")).to_contain_text(t("%(name)s's part is saved.", name="Dora Doubler"))
    axe_check(page, what="the parts (leader, laptop)")
    assert GigAnswer.objects.get(booking=gig, member=players["Trumpets"][0]).part.name == "Saxes"
    page.context.close()

    # A sax player on a phone, in English, answers: the saxes go from one of three to two.
    page = open_as(browser, base, players["Saxes"][1], "en-GB", PHONE)
    page.goto(gig_url)
    expect(section_row(page, "Saxes")).to_contain_text(t("%(have)s of %(need)s", have=1, need=3))
    page.get_by_label(t("Definitely"), exact=True).check()
    page.get_by_role("button", name=t("Save my answer")).click()
    expect(section_row(page, "Saxes")).to_contain_text(t("%(have)s of %(need)s", have=2, need=3))
    axe_check(page, what="the gig after an answer (player, phone)")
    assert not sideways(page)
    page.context.close()

    # Another sax player on a laptop, in German: three of three, enough.
    t = words("de")
    page = open_as(browser, base, players["Saxes"][2], "de", LAPTOP)
    page.goto(gig_url)
    assert page.evaluate("document.documentElement.lang") == "de"
    page.get_by_label(t("Definitely"), exact=True).check()
    page.get_by_role("button", name=t("Save my answer")).click()
    saxes = section_row(page, "Saxes")
    expect(saxes).to_contain_text(t("%(have)s of %(need)s", have=3, need=3))
    expect(saxes).to_contain_text(t("enough"))
    axe_check(page, what="the gig after an answer (player, laptop, German)")
    page.context.close()

    # The leader on a phone, in German: Low brass still short, Dora listed with the saxes; Ravi is given
    # the trombone part.
    page = open_as(browser, base, leader, "de", PHONE)
    page.goto(gig_url)
    expect(section_row(page, "Low brass")).to_contain_text(t("short"))
    sax_list = page.locator("h3#section-{} + ul".format(gig.band.sections.get(name="Saxes").pk))
    expect(sax_list).to_contain_text("Dora Doubler")
    axe_check(page, what="the gig by section (leader, phone, German)")
    assert not sideways(page)
    page.get_by_role("link", name=t("Give the parts")).click()
    row = page.locator("li.gig-parts__row").filter(has_text="Ravi Doubler")
    row.get_by_label(t("Part at this gig")).select_option(label="Trombones")
    row.get_by_role("button", name=t("Save")).click()
    expect(page.get_by_role("status")).to_contain_text(t("%(name)s's part is saved.", name="Ravi Doubler"))
    axe_check(page, what="the parts (leader, phone, German)")
    assert not sideways(page)
    assert GigAnswer.objects.get(booking=gig, member=players["Rhythm"][0]).part.name == "Trombones"
    page.context.close()
