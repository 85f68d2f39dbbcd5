"""In Chromium, in English and German: a member reads the privacy notice from the footer, asks for their
archive on their data page, downloads it and opens it (issue 58's "Done when")."""

import json
import zipfile

import pytest

from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_member_exports_their_data_and_opens_the_archive(
    live_server, browser, axe_check, settings, language, tmp_path
):
    user = UserFactory(email="ida@example.com", display_name="Ida Export")
    context = browser.new_context(locale=language, accept_downloads=True)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    page = context.new_page()
    base = live_server.url

    page.goto(f"{base}/")
    page.locator("footer a[href='/privacy/']").click()
    page.wait_for_url(f"{base}/privacy/")
    axe_check(page, what="the privacy notice")

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/login/" not in url)

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
        assert data["person"]["email"] == "ida@example.com"
        assert archive.read("calendar.ics").startswith(b"BEGIN:VCALENDAR")
    context.close()
