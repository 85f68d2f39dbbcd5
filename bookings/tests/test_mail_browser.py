"""End to end in Chromium: a member stops one kind of email from the email's List-Unsubscribe link (a GET shows
the button, nothing changes until it is pressed; the mail client's cookie-less one-click POST works too), and
a venue's owner replies to a thread email and the band reads the reply on the booking's page."""

import re

import pytest
from django.core import mail

from accounts.models import NotificationPreference
from bookings.services.threads import message_post
from bookings.tests.test_booking_browser import log_in
from bookings.tests.test_detail_views import make_world
from bookings.tests.test_mail_replies import AUTH, URL, inbound

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def header_link(message) -> str:
    return message.extra_headers["List-Unsubscribe"].strip("<>")


def test_unsubscribe_from_the_header_link_and_reply_by_email(live_server, browser, axe_check, settings):
    settings.SITE_URL = live_server.url
    world = make_world()
    mail.outbox.clear()
    message_post(booking=world.application, by=world.member, body="Can we load in at six?")
    to_owner = next(m for m in mail.outbox if m.to == [world.owner.email])
    to_leader = next(m for m in mail.outbox if m.to == [world.leader.email])

    # The owner opens the email's unsubscribe link in a browser without a session: it only asks.
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(header_link(to_owner))
    page.get_by_role("heading", name="Stop these emails?").wait_for()
    axe_check(page)
    assert not NotificationPreference.objects.filter(user=world.owner).exists()
    page.get_by_role("button", name="Stop these emails").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    assert NotificationPreference.objects.get(user=world.owner, kind="message").email == "off"

    # The leader's mail client posts the one-click unsubscribe itself: no cookie, no CSRF token.
    client = browser.new_context().request
    response = client.post(header_link(to_leader), form={"List-Unsubscribe": "One-Click"})
    assert response.status == 200
    assert NotificationPreference.objects.get(user=world.leader, kind="message").email == "off"

    # The owner answers the thread email from their inbox; the mail service posts the reply to the webhook.
    text = "Six works, the back door is open.\n\nOn Mon, StageSlot wrote:\n> Can we load in at six?\n"
    reply = inbound(sender=world.owner.email, to=to_owner.reply_to[0], text=text)
    posted = client.post(f"{live_server.url}{URL}", data=reply, headers={"Authorization": AUTH})
    assert posted.status == 200

    # The band's member sees it in the booking's thread.
    member_page = log_in(browser, live_server.url, world.member.email)
    member_page.goto(f"{live_server.url}/bookings/{world.application.uid}/")
    member_page.get_by_text("Six works, the back door is open.").wait_for()
    assert not member_page.get_by_text(re.compile("StageSlot wrote")).count()
    axe_check(member_page)
