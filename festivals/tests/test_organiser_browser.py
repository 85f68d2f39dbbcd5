"""In Chromium, the organiser's whole journey by clicking from where they land after signing in (the
dashboard), at a desk's width in English and a phone's in German: open a call for the festival and publish
it; read the applications waiting for the jury and shortlist one; open the festival's builder from the
desk, place the shortlisted act, and see a second act whose guitarist plays in the first refused next to
the form, read out and focused. Each page passes axe; the clicks are counted."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from festivals.models import Application, OpenCall, Placement
from festivals.services import calls, jury
from stageslot.tests.words import words

from .factories import festival_world

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def organiser_page(browser, base: str, user, locale: str, width: int):
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.set_default_navigation_timeout(30_000)  # the first page of a live server on a busy machine
    return page


@pytest.mark.parametrize(("locale", "width"), [("en-GB", 1280), ("de", 390)])
def test_the_organiser_opens_a_call_shortlists_and_places_acts_by_clicking(
    live_server, browser, axe_check, locale, width
):
    base = live_server.url
    t = words(locale)
    w = festival_world(tag="j")
    q = f"q{w.call.questions.get().pk}"
    kite_app = calls.application_submit(
        call=w.call, band=w.kite, by=w.leaders[w.kite.pk], pitch="Kite pitch", blind_text="Dream pop",
        answers={q: "45"}, now=timezone.now(),
    )  # fmt: skip
    jury.juror_add(call=w.call, user=w.booker, by=w.owner)
    jury.score_save(application=kite_app, juror=w.booker, values={"Music": 4, "Live show": 5}, comment="")
    clicks = 0

    def check(what: str) -> None:
        axe_check(page, what=what)
        assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), f"{what} scrolls sideways"

    def click(locator) -> None:
        nonlocal clicks
        clicks += 1
        locator.click()

    page = organiser_page(browser, base, w.owner, locale, width)
    page.goto(f"{base}/dashboard/")  # where signing in lands
    desk = page.locator(f"#desk-{w.organisation.slug}").locator("..")
    expect(desk).to_contain_text(t("%(n)s application waiting for the jury", "", 1, n=1))
    check("the organiser's dashboard")

    # A new call for the festival, saved as a draft and published.
    click(desk.get_by_role("link", name=t("Open a call")))
    first = w.first_day + dt.timedelta(days=30)
    page.get_by_label(t("Title")).fill("Autumn stage")
    page.get_by_label(t("First day")).fill(first.isoformat())
    page.get_by_label(t("Last day")).fill((first + dt.timedelta(days=1)).isoformat())
    page.get_by_label(t("Deadline (day)")).fill((first - dt.timedelta(days=10)).isoformat())
    page.get_by_label(t("For the festival")).select_option(value=str(w.festival.pk))  # named with its site and days
    check("the new call")
    click(page.get_by_role("button", name=t("Save as a draft")))
    expect(page.get_by_role("heading", name="Autumn stage")).to_be_visible()
    check("the call's manage page")
    click(page.get_by_role("button", name=t("Publish the call")))
    assert OpenCall.objects.get(title="Autumn stage").festival == w.festival
    assert OpenCall.objects.get(title="Autumn stage").status == OpenCall.Status.OPEN

    # The jury's applications, from the desk; the deadline has passed: shortlist.
    OpenCall.objects.filter(pk=w.call.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    click(page.get_by_role("link", name=f"← {t('Calls and festivals')}"))
    check("the organiser's desk")
    click(page.get_by_role("link", name=t("%(n)s waiting for the jury", "", 1, n=1) + f" ({w.call.title})"))
    scores = t("Median %(median)s, mean %(mean)s, spread %(spread)s (%(n)s score)", "", 1, median="", mean="",
               spread="", n=1)  # fmt: skip
    expect(page.locator(".jury-cards")).to_contain_text(scores[scores.rindex("(") :])  # "(1 score)"
    check("the jury's page")
    page.get_by_label(t("Decision")).first.select_option("shortlisted")
    click(page.get_by_role("button", name=t("Decide")).first)
    kite_app.refresh_from_db()
    assert kite_app.status == Application.Status.SHORTLISTED
    Application.objects.create(call=w.call, band=w.moth, status=Application.Status.SHORTLISTED)

    # The builder, from the desk: Kite placed, Moth (Mara plays in both) refused beside the form.
    click(page.get_by_role("link", name=f"← {t('Calls and festivals')}"))
    click(page.get_by_role("link", name=w.festival.name, exact=True))
    check("the timetable builder")
    form = page.locator("form[action$='/place/']")

    def place(band, stage, hour) -> None:
        form.locator("[name=band]").select_option(label=band.name)
        form.locator("[name=stage]").select_option(label=stage.stage.name)
        form.locator("[name=day]").fill(w.first_day.isoformat())
        form.locator("[name=time]").fill(f"{hour}:00")
        form.locator("[name=minutes]").fill("60")
        click(form.get_by_role("button", name=t("Offer the set"), exact=True))

    place(w.kite, w.main, 20)
    expect(page.locator(".builder-answer .flash--success")).to_be_visible()
    clicks_to_placed = clicks
    form = page.locator("form[action$='/place/']")
    place(w.moth, w.tent, 20)
    refusal = page.locator(".builder-answer [role=alert]")
    expect(refusal).to_contain_text(w.moth.name)
    expect(refusal).to_contain_text(w.kite.name)
    expect(refusal).to_be_focused()
    expect(refusal).to_be_in_viewport()
    check("the builder's refusal")
    assert list(Placement.objects.values_list("band__name", flat=True)) == [w.kite.name]
    print(f"\n{locale} {width}px: {clicks_to_placed} clicks from the dashboard to a placed act (the whole journey)")
