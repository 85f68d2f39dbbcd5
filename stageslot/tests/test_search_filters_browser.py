"""On a phone every filter of every search can be reached: a band member taps "Filters" (and "More
filters" where it shows) on the band search, the venue search and the gig finder, and each control of
the filter form is then on screen, enabled and takes focus. On a tablet, where the filters stand above
the results, "More filters" opens with a tap; on a laptop every filter shows without one."""

import re

import pytest

from accounts.tests.factories import PASSWORD
from bands.tests.factories import GenreFactory
from bookings.tests.factories import band_with_leader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
LAPTOP = {"width": 1280, "height": 800}
# Every page with a search's filter form, and filters each must offer. The gig finder shows "Only slots
# we can play" to a band member.
SEARCH_PAGES = {
    "/bands/": {"q", "genre", "near", "within", "fee_min", "free_on", "sort"},
    "/venues/": {"q", "genre", "near", "within", "capacity_min", "sort"},
    "/slots/": {"band", "playable", "date_from", "genre", "near", "within", "fee_min", "sort"},
}
FILTER_FORM = "form.filters[role=search]"


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def unreachable_controls(page) -> tuple[set[str], list[str]]:
    """(the names of the filter form's controls, which of them a person cannot see, use or focus)."""
    controls = page.locator(f"{FILTER_FORM} :is(input:not([type=hidden]), select, textarea, button)")
    names, problems = set(), []
    for n in range(controls.count()):
        control = controls.nth(n)
        name = control.get_attribute("name") or control.get_attribute("id") or control.inner_text()
        names.add(name)
        if not control.is_visible():
            problems.append(f"{name}: not visible")
        elif not control.is_enabled():
            problems.append(f"{name}: disabled")
        else:
            control.focus()
            if not control.evaluate("el => el === document.activeElement"):
                problems.append(f"{name}: takes no focus")
    return names, problems


def open_filters_as_a_person(page) -> None:
    """Tap the summaries that show, outermost first, until no folded filter is left to open."""
    for folded in ("details.filters-panel:not([open])", "details.filters__more:not([open])"):
        button = page.locator(f"{folded} > summary")
        if button.count() and button.first.is_visible():
            button.first.click()


def test_every_filter_of_every_search_can_be_reached_on_a_phone(live_server, browser, axe_check):
    GenreFactory(name="Jazz")
    GenreFactory(name="Indie")
    _band, leader = band_with_leader(name="The Night Owls")
    problems = []
    for viewport in (PHONE, TABLET, LAPTOP):
        page = browser.new_context(viewport=viewport, locale="en-GB").new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, leader.email)
        for url, expected in SEARCH_PAGES.items():
            where = f"{url} at {viewport['width']} px"
            page.goto(f"{live_server.url}{url}")
            page.wait_for_load_state("load")
            if viewport is PHONE:
                # The results come first: the filters wait behind one button.
                assert page.locator(".filters-panel__toggle").is_visible(), where
                assert not page.locator(FILTER_FORM).is_visible(), where
            if viewport is TABLET:
                assert page.locator(".filters__more > summary").is_visible(), where
            open_filters_as_a_person(page)
            names, unreachable = unreachable_controls(page)
            assert expected <= names, f"{where}: no {sorted(expected - names)} in the filter form"
            problems += [f"{where}: {line}" for line in unreachable]
            axe_check(page, what=f"{where} with the filters open")
            axe_check.fits(page, what=f"{where} with the filters open")
        page.context.close()
    assert not problems, f"{len(problems)} filters out of reach:\n" + "\n".join(problems)
