"""Issue 58's "Done when" journey in Chromium, in each browser locale, in one world: a band's leader reads the
privacy notice from the footer, asks for their archive, downloads it and opens it; stops one kind of email from
the email's List-Unsubscribe link (a GET only asks; a mail client's cookie-less one-click POST works too);
answers a thread email and reads the reply, quotes cut, on the booking's page; and blocks the client, whose
next request is refused in place with words that do not say who blocked whom, until the leader unblocks
(decisions 0081, 0082, 0083)."""

import datetime as dt
import json
import re
import zipfile

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import NotificationPreference
from bookings.models import Booking
from bookings.services.threads import message_post
from bookings.tests.test_detail_views import make_world
from bookings.tests.test_mail_replies import AUTH, URL, inbound
from stageslot.tests.words import words

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def header_link(message) -> str:
    return message.extra_headers["List-Unsubscribe"].strip("<>")


def signed_in_page(browser, base: str, user, locale: str):
    """A page of a browser already signed in as `user` (signing in has journeys of its own)."""
    django_client = Client()
    django_client.force_login(user)
    session = django_client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(locale=locale, accept_downloads=True)
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.mark.locales
def test_a_member_exports_unsubscribes_replies_by_email_and_blocks_a_client(
    live_server, browser, browser_locale, axe_check, settings, tmp_path
):
    settings.SITE_URL = base = live_server.url
    t = words(browser_locale)
    w = make_world()

    # The privacy notice is a click from every page's foot.
    page = signed_in_page(browser, base, w.leader, browser_locale)
    page.goto(f"{base}/")
    page.locator("footer a[href='/privacy/']").click()
    page.wait_for_url(f"{base}/privacy/")
    axe_check(page, what="the privacy notice")

    # Their data: the archive is built, downloaded and opened.
    page.goto(f"{base}/me/data/")
    axe_check(page, what="your data")
    page.locator("form[action='/me/data/export/'] button").click()
    link = page.locator("a[href*='/me/data/exports/']")
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "archive.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("stageslot-export.json"))
        assert data["schema"] == "stageslot.person-export"
        assert data["person"]["email"] == w.leader.email
        assert archive.read("calendar.ics").startswith(b"BEGIN:VCALENDAR")

    # The client writes on the request's thread: the leader and the member each get an email.
    mail.outbox.clear()
    message_post(booking=w.request, by=w.client, body="Can we start at six?")
    to_leader = next(m for m in mail.outbox if m.to == [w.leader.email])
    to_member = next(m for m in mail.outbox if m.to == [w.member.email])

    # The leader opens the email's unsubscribe link in a browser without a session: it only asks.
    mail_app = browser.new_context(locale=browser_locale)
    unsubscribe = mail_app.new_page()
    unsubscribe.goto(header_link(to_leader))
    unsubscribe.get_by_role("heading", name=t("Stop these emails?")).wait_for()
    axe_check(unsubscribe)
    assert not NotificationPreference.objects.filter(user=w.leader).exists()
    unsubscribe.get_by_role("button", name=t("Stop these emails")).click()
    unsubscribe.get_by_role("heading", name=t("You are unsubscribed")).wait_for()
    assert NotificationPreference.objects.get(user=w.leader, kind="message").email == "off"

    # The member's mail client posts the one-click unsubscribe itself: no cookie, no CSRF token.
    response = mail_app.request.post(header_link(to_member), form={"List-Unsubscribe": "One-Click"})
    assert response.status == 200
    assert NotificationPreference.objects.get(user=w.member, kind="message").email == "off"

    # The leader answers the thread email from their inbox; the mail service posts the reply to the webhook.
    text = "Six works, the back door is open.\n\nOn Mon, StageSlot wrote:\n> Can we start at six?\n"
    reply = inbound(sender=w.leader.email, to=to_leader.reply_to[0], text=text)
    posted = mail_app.request.post(f"{base}{URL}", data=reply, headers={"Authorization": AUTH})
    assert posted.status == 200
    mail_app.close()

    # The leader reads the reply, quotes cut, on the booking's page.
    page.goto(f"{base}/bookings/{w.request.uid}/")
    page.get_by_text("Six works, the back door is open.").wait_for()
    assert not page.get_by_text(re.compile("StageSlot wrote")).count()
    axe_check(page)

    # From the same page the leader blocks the client for the band.
    page.get_by_role("link", name=t("Block the other side")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Block %(name)s", name="Anna Client"))
    axe_check(page)
    page.get_by_label(t.label("Block for")).select_option(label="The Night Shift")
    page.get_by_role("button", name=t("Block"), exact=True).click()
    page.wait_for_url(re.compile(r"/me/blocks/$"))
    expect(page.get_by_role("cell", name="Anna Client", exact=True)).to_be_visible()
    axe_check(page)

    # The client's next request is refused in place, saying nothing of a block, and nothing is sent.
    client_page = signed_in_page(browser, base, w.client, browser_locale)
    day = timezone.localdate() + dt.timedelta(days=40)
    client_page.goto(f"{base}/bands/{w.band.slug}/request/?date={day.isoformat()}")
    client_page.locator("input[name=start]").fill("18:00")
    client_page.locator("input[name=end]").fill("23:00")
    client_page.locator("input[name=location]").fill("Gut Kleinow")
    client_page.locator("select[name=event_type]").select_option(index=1)
    client_page.get_by_role("button", name=t("Send request")).click()
    refusal = t("%(name)s can't be contacted through StageSlot. Nothing was sent.", name="The Night Shift")
    expect(client_page.get_by_text(refusal)).to_be_visible()
    assert "block" not in client_page.locator("main").inner_text().lower()
    axe_check(client_page)
    assert Booking.objects.filter(client=w.client).count() == 1

    # Unblocked from the leader's list, the client's next try goes through.
    page.get_by_role("button", name=re.compile("^" + re.escape(t("Unblock")))).click()
    expect(page.get_by_text(t("%(name)s is unblocked.", name="Anna Client"))).to_be_visible()
    client_page.get_by_role("button", name=t("Send request")).click()
    client_page.wait_for_url(re.compile(r"/bookings/[0-9a-f-]+/$"))
    assert Booking.objects.filter(client=w.client).count() == 2
