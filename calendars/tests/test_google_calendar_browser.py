"""In Chromium: a member presses "Connect Google Calendar", passes Google's consent page (answered here:
it sends the browser back with a code and the same state, as Google does), and comes back to their
calendars page with the account connected and its busy time read from Google's recorded answers. A grant
revoked later says so in the row, with "Connect again". At phone and desktop widths, axe clean."""

import datetime as dt
import os
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import responses
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from bookings.tests.test_booking_browser import log_in
from calendars.models import ConnectedCalendar

from .google_recorded import FREEBUSY_URL, TOKEN_URL, answer, freebusy_from, google_answering, moved
from .test_google_calendar import BERLIN_TODAY, busy_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def consent(route) -> None:
    """Google's consent page, already agreed: back to the app's callback with a code and the state."""
    query = {key: values[0] for key, values in parse_qs(urlsplit(route.request.url).query).items()}
    back = query["redirect_uri"] + "?" + urlencode({"state": query["state"], "code": "4/0AVG7fiQ-browser"})
    route.fulfill(status=302, headers={"Location": back})


def test_a_member_connects_google_calendar_and_sees_it_read(live_server, full_chromium, axe_check, settings):
    shots = os.environ.get("STAGESLOT_SCREENSHOTS")
    settings.SITE_URL = live_server.url
    user = UserFactory(email="lea@example.com", display_name="Lea Drums")
    with google_answering(settings) as google:
        google.add(responses.POST, TOKEN_URL, json=answer("token_exchange.json"))
        google.add(responses.POST, TOKEN_URL, json=answer("token_refresh.json"))
        recorded = moved(answer("freebusy.json"), to=BERLIN_TODAY + dt.timedelta(days=1))
        google.add_callback(responses.POST, FREEBUSY_URL, callback=freebusy_from(recorded))

        page = log_in(full_chromium, live_server.url, user.email)
        page.route("https://accounts.google.com/**", consent)
        for width, height in ((390, 844), (1280, 900)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{live_server.url}/me/calendars/")
            expect(page.get_by_role("button", name="Connect Google Calendar")).to_be_visible()
            axe_check(page, what=f"the calendars page at {width}px")
            axe_check.fits(page, what=f"the calendars page at {width}px")
            if shots:
                page.screenshot(path=f"{shots}/google-connect-{width}.png", full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        page.get_by_role("button", name="Connect Google Calendar").click()
        expect(page.get_by_text("is connected; your busy times appear in a minute")).to_be_visible()
        calendar = ConnectedCalendar.objects.get(user=user)
        assert calendar.account_email == "lea.drums@gmail.com" and calendar.secret
        assert len(busy_rows(calendar)) == 4
        page.reload()
        row = page.locator(".cal-import").filter(has_text="lea.drums@gmail.com")
        expect(row).to_contain_text("4 busy times")
        axe_check(page, what="the calendars page with Google connected")
        axe_check.fits(page, what="the calendars page with Google connected")

        # Google withdraws the grant; the next read says so in the row, with the way back.
        ConnectedCalendar.objects.filter(pk=calendar.pk).update(
            needs_reconnect=True, last_error="Google no longer lets StageSlot read this calendar – connect it again."
        )
        for width, height in ((390, 844), (1280, 900)):
            page.set_viewport_size({"width": width, "height": height})
            page.reload()
            expect(row).to_contain_text("connect it again")
            expect(row.get_by_role("button", name="Connect again")).to_be_visible()
            axe_check(page, what=f"a revoked Google calendar at {width}px")
            axe_check.fits(page, what=f"a revoked Google calendar at {width}px")
            if shots:
                page.screenshot(path=f"{shots}/google-revoked-{width}.png", full_page=True)
        page.context.close()
