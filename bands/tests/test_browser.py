"""A band is born, invites its drummer by link, and both appear on its public page."""

import re

import pytest
from allauth.account.models import EmailAddress

from accounts.tests.factories import PASSWORD, UserFactory
from bands.models import ApprovalStatus, Band
from bands.services import band_set_status
from bands.tests.factories import GenreFactory
from places.tests.browser import type_city
from places.tests.factories import CityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def test_create_band_invite_by_link_join_and_public_page_lists_both(live_server, browser, axe_check):
    GenreFactory(name="Indie", slug="indie")
    CityFactory(name="Leipzig")  # a transactional test may find the gazetteer flushed
    UserFactory(email="leader@example.com", display_name="Lena Leader")
    drummer = UserFactory(email="drummer@example.com", display_name="Dev Drummer", verified=False)
    EmailAddress.objects.create(user=drummer, email=drummer.email, verified=True, primary=True)

    leader_ctx = browser.new_context()
    page = leader_ctx.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, "leader@example.com")
    page.get_by_role("link", name="Create a band").click()
    axe_check(page)
    page.locator("#id_name").fill("The Late Trains")
    page.locator("#id_slug").fill("the-late-trains")
    type_city(page.locator("#id_place"), "Leipzig")
    page.get_by_label("Indie").check()
    page.get_by_role("button", name="Create band").click()
    page.wait_for_url(re.compile(r"/bands/the-late-trains/manage/$"))
    assert page.get_by_text("awaiting", exact=False).first.is_visible()
    axe_check(page)

    page.get_by_role("link", name="Invites").click()
    page.get_by_role("button", name="Create invite link").click()
    link = page.get_by_role("textbox", name="Invite link").first.input_value()
    axe_check(page)
    assert "/join/" in link
    leader_ctx.close()

    # The drummer opens the link logged out, logs in, and comes back to join.
    drummer_ctx = browser.new_context()
    page = drummer_ctx.new_page()
    page.set_default_timeout(15_000)
    page.goto(link)
    axe_check(page)
    page.locator("main").get_by_role("link", name=re.compile("Log in")).click()
    page.get_by_label("Email:").fill("drummer@example.com")
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/join/"))
    axe_check(page)
    page.get_by_role("button", name=re.compile(r"Join The Late Trains")).click()
    page.wait_for_url(re.compile(r"/bands/the-late-trains/"))
    assert page.get_by_text("Dev Drummer").first.is_visible()
    axe_check(page)
    drummer_ctx.close()

    # Staff approve the band; a visitor who is not logged in sees both members.
    band_set_status(band=Band.objects.get(slug="the-late-trains"), status=ApprovalStatus.APPROVED)
    visitor = browser.new_context()
    page = visitor.new_page()
    page.goto(f"{live_server.url}/bands/")
    axe_check(page)
    page.get_by_role("link", name="The Late Trains").first.click()
    page.wait_for_url(re.compile(r"/bands/the-late-trains/$"))
    axe_check(page)
    members = page.locator("section", has=page.get_by_role("heading", name="Members"))
    assert members.get_by_text("Lena Leader").is_visible()
    assert members.get_by_text("Dev Drummer").is_visible()
    assert "drummer@example.com" not in page.content()
    visitor.close()
