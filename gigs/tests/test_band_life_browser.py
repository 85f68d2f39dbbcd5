"""In Chromium, the band's own life around one gig: the gig is booked and every member is asked "Can you
play?"; two members answer with one click from their email, the drummer says "can't" in the app and the
leader's device gets the push (a local push service checks its VAPID signature and decrypts it); the
leader asks two stand-ins, the first yes takes the place and the second is told it is filled; the set list
is built to two sets of 45 minutes, the 90 minutes booked. Every page passes axe."""

import os
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.push import push_subscription_save
from accounts.tests.factories import PASSWORD
from accounts.tests.push_endpoint import PushEndpoint
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.services import answering
from bookings.tests.test_booking_browser import log_in
from gigs.models import Answer, GigAnswer, StandInAsk
from gigs.services.answers import gig_lineups_open
from gigs.services.set_lists import song_create
from gigs.services.stand_ins import stand_in_add
from gigs.tests.factories import gig_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def link_in_mail(to: str, pattern: str) -> str:
    """The path matching `pattern` in the newest email to `to`."""
    for message in reversed(mail.outbox):
        if to in message.to:
            found = re.search(pattern, message.body)
            if found:
                return found[0]
    raise AssertionError(f"no email to {to} with {pattern}")


def test_a_booked_gig_is_answered_covered_by_a_stand_in_and_gets_its_set_list(
    live_server, browser, axe_check, settings
):
    shots = os.environ.get("STAGESLOT_SCREENSHOTS")
    world = gig_world()
    band, leader = world.band, world.leader
    band.set_length_minutes = 90
    band.save(update_fields=["set_length_minutes"])
    keys = MembershipFactory(band=band, role=Membership.Role.MEMBER, instrument="Keys", user__display_name="Kim Keys")
    drums = MembershipFactory(
        band=band, role=Membership.Role.MEMBER, instrument="Drums", required=True, user__display_name="Dana Drums"
    )
    lena = stand_in_add(band=band, by=leader, name="Lena Sticks", email="lena@example.com", instrument="Drums")
    stand_in_add(band=band, by=leader, name="Ben Beats", email="ben@example.com", instrument="Drums")
    for n in range(1, 7):
        song_create(band=band, by=leader, title=f"Song {n}", length="15:00", key="A")

    with PushEndpoint() as push:
        settings.WEBPUSH_ALLOW_HOSTS = (push.host_port,)
        device = push.device()
        push_subscription_save(user=leader, **device.subscription, label="Chromium")

        # The venue accepts the band's application: the gig is booked, the round asks every member (of
        # this gig and of the band's two other gigs ahead).
        gig = world.pending
        answering.booking_accept(booking=gig, by=world.owner)
        gig_lineups_open()
        assert GigAnswer.objects.filter(booking=gig).count() == 4

        # Two members answer "Definitely" with one click from their email, without signing in.
        for member in (world.member, keys.user):
            body = next(
                m.body
                for m in mail.outbox
                if member.email in m.to and str(gig.uid) in m.body and "/gigs/answer/" in m.body
            )
            answers = re.findall(r"/gigs/answer/[^/\s]+/", body)
            assert len(answers) == 5  # one link per answer, "Definitely" first
            path = answers[0]
            page = browser.new_context(locale="en-GB").new_page()
            page.goto(live_server.url + path)
            expect(page.get_by_role("status").filter(has_text="Saved: Definitely")).to_be_visible()
            axe_check(page, what="the one-click answer page")
            page.context.close()
        assert set(
            GigAnswer.objects.filter(booking=gig, answer=Answer.DEFINITELY).values_list("member", flat=True)
        ) == {
            world.member.pk,
            keys.user.pk,
        }

        # The drummer, a required member, says "can't" in the app: the gig is at risk.
        drummer = log_in(browser, live_server.url, drums.user.email)
        drummer.goto(f"{live_server.url}/gigs/{gig.uid}/")
        expect(drummer.get_by_role("heading", name="Can you play?")).to_be_visible()
        drummer.get_by_label("Can't").check()
        drummer.get_by_label("Comment").fill("Touring with another band that week.")
        drummer.get_by_role("button", name="Save my answer").click()
        expect(drummer.get_by_text("A required member can't play and nobody stands in yet.")).to_be_visible()
        expect(drummer.get_by_role("heading", name="2 of 4 confirmed")).to_be_visible()
        axe_check(drummer, what="the gig at risk")

        # The leader's device got the warning, signed by our VAPID key and encrypted for it.
        def at_risk():
            return [r for r in push.received if "Dana Drums" in r.payload["body"] and "can't" in r.payload["body"]]

        deadline = 0
        while not at_risk() and deadline < 100:
            drummer.wait_for_timeout(100)
            deadline += 1
        [warning] = at_risk()
        assert warning.path == device.path
        assert warning.payload["url"].endswith(f"/gigs/{gig.uid}/")
        assert warning.claims["aud"] == push.origin
        assert not push.refused

        # The leader asks both stand-ins at once.
        boss = log_in(browser, live_server.url, leader.email)
        boss.goto(f"{live_server.url}/gigs/{gig.uid}/")
        expect(boss.get_by_text("At risk")).to_be_visible()
        boss.get_by_role("link", name="Ask stand-ins for Dana Drums").click()
        axe_check(boss, what="asking stand-ins")
        boss.get_by_label("Lena Sticks").check()
        boss.get_by_label("Ben Beats").check()
        boss.get_by_role("button", name="Ask them").click()
        expect(boss.get_by_role("heading", name="Asked so far")).to_be_visible()

        # Both open their link; Lena says yes first and takes the place, Ben is told it is filled.
        pages = {}
        for email in ("lena@example.com", "ben@example.com"):
            page = browser.new_context(locale="en-GB").new_page()
            page.goto(live_server.url + link_in_mail(email, r"/gigs/stand-in/ask/[^/\s]+/"))
            expect(page.get_by_role("heading", name="Can you stand in for The Night Shift?")).to_be_visible()
            pages[email] = page
        axe_check(pages["lena@example.com"], what="a stand-in's ask page")
        pages["lena@example.com"].get_by_role("button", name="Yes, I play").click()
        expect(pages["lena@example.com"].get_by_text("The place is yours.")).to_be_visible()
        pages["ben@example.com"].get_by_role("button", name="Yes, I play").click()
        expect(pages["ben@example.com"].get_by_text("Someone else took the place first.")).to_be_visible()
        axe_check(pages["ben@example.com"], what="a stand-in who came second")
        assert GigAnswer.objects.get(booking=gig, member=drums.user).stand_in_id == lena.pk
        assert StandInAsk.objects.get(stand_in__email="ben@example.com").reply == StandInAsk.Reply.FILLED

        boss.goto(f"{live_server.url}/gigs/{gig.uid}/")
        expect(boss.get_by_text("Lena Sticks stands in")).to_be_visible()
        expect(boss.get_by_text("At risk")).to_have_count(0)
        if shots:
            boss.screenshot(path=f"{shots}/gig-line-up.png", full_page=True)

    # The set list: three songs of 15 minutes in each of two sets, added by keyboard.
    boss.goto(f"{live_server.url}/gigs/{gig.uid}/set-list/")
    for n in (1, 2, 3):
        button = boss.get_by_role("button", name=f"Add Song {n} to set 1")
        button.focus()
        boss.keyboard.press("Enter")
        expect(boss.locator("#set-1-title")).to_contain_text(f"{15 * n}:00")
        # Once the swap has settled, the focus is on the song just added (its first move); the next song is added
        # from there, as a keyboard user would.
        expect(boss.get_by_role("button", name=f"Move up: Song {n}")).to_be_focused()
    boss.get_by_role("link", name="Add a set").click()
    for n in (4, 5, 6):
        boss.get_by_role("button", name=f"Add Song {n} to set 2").click()
        expect(boss.locator("#set-2-title")).to_contain_text(f"{15 * (n - 3)}:00")
    expect(boss.get_by_text("Set 1: 45:00")).to_be_visible()
    expect(boss.get_by_text("Set 2: 45:00")).to_be_visible()
    expect(boss.get_by_text("All sets: 1:30:00 of 1:30:00 booked")).to_be_visible()
    expect(boss.get_by_text("exactly the booked length")).to_have_count(1)
    axe_check(boss, what="the set list")
    if shots:
        boss.screenshot(path=f"{shots}/set-list.png", full_page=True)
    boss.set_viewport_size({"width": 390, "height": 844})
    axe_check.fits(boss, what="the set list on a phone")


def test_on_a_phone_my_answer_in_who_is_in_is_in_view_without_scrolling(live_server, browser, axe_check):
    world = gig_world()
    for instrument, name in (("Bass", "Bo Bass"), ("Drums", "Dana Drums"), ("Keys", "Kim Keys")):
        MembershipFactory(band=world.band, instrument=instrument, user__display_name=name)
    # By instrument Max's column would come last, off the phone's screen.
    Membership.objects.filter(band=world.band, user=world.member).update(instrument="Vocals")
    gig_lineups_open()
    page = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email:").fill(world.member.email)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    page.goto(f"{live_server.url}/gigs/bands/{world.band.slug}/")

    mine = page.locator(".wii__cell--mine select").first
    expect(mine).to_be_visible()
    box = mine.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert page.locator(".wii-scroll").evaluate("el => el.scrollLeft") == 0
    assert page.evaluate("window.scrollX") == 0
    mine.select_option("definitely")
    # The cell comes back from the server with the answer saved.
    expect(page.locator(".wii__cell--mine select[data-focus]")).to_have_value("definitely")
    assert GigAnswer.objects.filter(member=world.member, answer=Answer.DEFINITELY).count() == 1
    axe_check(page, what="who is in on a phone")
    axe_check.fits(page, what="who is in on a phone")
