"""End to end in Chromium: a gig completes, the venue reviews the band (the band cannot read it yet), the
band reviews the venue, both reviews appear on both public pages at once, the band replies, and the band
search sorted by rating puts the band where the Bayesian average says (decision 0018)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.tests.factories import PASSWORD, UserFactory
from bands.models import Membership
from bands.tests.factories import BandFactory, MembershipFactory
from bookings.models import Booking
from bookings.services.periodic import bookings_complete
from bookings.tests.factories import SlotFactory, venue_with_owner
from reviews.models import Review
from reviews.ratings import bayesian_score
from reviews.services import ratings_refresh
from reviews.tasks import reviews_due_task
from stageslot.tests.words import words

from .test_views import _many_reviews

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VENUE_SAYS = "Tight set, on time to the minute, and the room was full."
BAND_SAYS = "Great sound crew, a warm green room and paid on the night."


def log_in(browser, base: str, email: str, locale: str):
    t = words(locale)
    page = browser.new_context(locale=locale).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(t.label("Email")).fill(email)
    page.get_by_label(t.label("Password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Sign In"), exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    return page


def rate(page, t, stars: dict[str, int], question: str, again: str, text: str) -> None:
    """Stars under each legend, the answer to "Would you … again?", and the text (all in the page's words)."""
    for legend, value in stars.items():
        star = t("{n} star", "{n} stars", value).format(n=value)
        page.get_by_role("group", name=t(legend), exact=True).get_by_label(star, exact=True).check()
    page.get_by_role("group", name=t(question)).get_by_label(t(again), exact=True).check()
    page.get_by_role("textbox", name=t("Your review")).fill(text)


def rated_band(name: str, reviews: int, stars: int):
    band = BandFactory(name=name, time_zone="Europe/Berlin")
    _many_reviews(band, reviews)
    Review.objects.filter(band=band).update(overall=stars)
    ratings_refresh(band_ids=[band.pk])
    return band


@pytest.mark.locales
def test_both_sides_review_double_blind_then_both_publish_and_the_ranking_follows(
    live_server, browser, browser_locale, axe_check
):
    t = words(browser_locale)
    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar", time_zone="Europe/Berlin")
    mara = UserFactory(email="mara@example.com", display_name="Mara", time_zone="Europe/Berlin")
    owls = BandFactory(name="The Night Owls", slug="the-night-owls", time_zone="Europe/Berlin")
    MembershipFactory(band=owls, user=mara, role=Membership.Role.LEADER)
    # The field the band will be ranked in: fifty 4.8s, one 5, two 3s, and a band without reviews.
    steady = rated_band("Steady Eddies", 50, 5)
    Review.objects.filter(pk__in=list(Review.objects.filter(band=steady).values_list("pk", flat=True)[:10])).update(
        overall=4
    )
    ratings_refresh(band_ids=[steady.pk])
    rated_band("Lucky Once", 1, 5)
    rated_band("Fair Enough", 2, 3)
    BandFactory(name="Aardvarks Unrated")

    # The gig took place last night and the periodic tasks ran: it is completed and both sides were asked.
    ended = timezone.now() - dt.timedelta(hours=2)
    slot = SlotFactory(venue=venue, starts_at=ended - dt.timedelta(hours=3), ends_at=ended, title="Friday Late Show")
    booking = Booking.objects.create(
        kind=Booking.Kind.APPLICATION,
        band=owls,
        slot=slot,
        venue=venue,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        time_zone="Europe/Berlin",
        status=Booking.Status.BOOKED,
        requested_by=mara,
    )
    assert bookings_complete() == 1
    reviews_due_task.delay().get()

    # The venue finds the gig under "Reviews to write" and rates the band.
    venue_page = log_in(browser, live_server.url, owner.email, browser_locale)
    gig = t("%(band)s at %(place)s", band="The Night Owls", place="Kellerbar")
    venue_page.get_by_role("link", name=t("Review: %(title)s", title=gig)).click()
    how_was_it = t("How was the gig with %(other_name)s?", other_name="The Night Owls")
    venue_page.get_by_role("heading", name=how_was_it).wait_for()
    axe_check(venue_page)
    rate(
        venue_page,
        t,
        {"Overall": 4, "Performance": 5, "Punctuality": 5, "Communication": 4},
        "Would you book this band again?",
        "Yes",
        VENUE_SAYS,
    )
    venue_page.get_by_role("button", name=t("Save review")).click()
    venue_page.get_by_text(t("Your review is saved."), exact=True).wait_for()
    saved = t(
        "Your review is saved and waits for %(other_name)s: %(other_name)s cannot read it until they have written"
        " theirs. Both are published together then, or on %(closes)s at the latest. Until then you can change it.",
    )
    # The sentence up to the closing date, which the page writes in the reader's own format.
    assert venue_page.get_by_text(saved.split("%(closes)s")[0].strip() % {"other_name": "The Night Owls"}).is_visible()
    axe_check(venue_page)

    # The band cannot read it yet, neither on its review page nor on its public page.
    band_page = log_in(browser, live_server.url, mara.email, browser_locale)
    band_page.goto(f"{live_server.url}/reviews/{booking.uid}/")
    reviewed = "%(other_name)s has reviewed this gig. Write yours to read theirs: both are published together."
    band_page.get_by_text(t(reviewed, other_name="Kellerbar")).wait_for()
    assert band_page.get_by_text(VENUE_SAYS).count() == 0
    band_page.goto(f"{live_server.url}/bands/the-night-owls/")
    none_yet = t(
        "No reviews yet. Reviews come from venues and clients who booked %(name)s through StageSlot.",
        name="The Night Owls",
    )
    band_page.locator("#latest-reviews").get_by_text(none_yet).wait_for()
    assert band_page.get_by_text(VENUE_SAYS).count() == 0

    # The band reviews the venue: both reviews are published at once.
    band_page.goto(f"{live_server.url}/reviews/{booking.uid}/")
    rate(
        band_page,
        t,
        {"Overall": 5, "Sound and production": 5, "Hospitality": 5, "Paid as agreed": 5, "Communication": 4},
        "Would you play at this venue again?",
        "Yes",
        BAND_SAYS,
    )
    band_page.get_by_role("button", name=t("Save review")).click()
    band_page.get_by_text(t("Both reviews are published.")).wait_for()
    assert band_page.get_by_text(VENUE_SAYS).is_visible()
    axe_check(band_page)

    visitor = browser.new_context(locale=browser_locale).new_page()
    visitor.goto(f"{live_server.url}/bands/the-night-owls/")
    visitor.locator("#latest-reviews").get_by_text(VENUE_SAYS).wait_for()
    assert visitor.get_by_text(t("out of 5 from %(n)s review", "out of 5 from %(n)s reviews", 1, n=1)).is_visible()
    axe_check(visitor)
    visitor.goto(f"{live_server.url}/venues/kellerbar/")
    visitor.locator("#latest-reviews").get_by_text(BAND_SAYS).wait_for()
    assert visitor.locator("#latest-reviews").get_by_text(t("Played here")).is_visible()
    axe_check(visitor)

    # The band replies to the venue's review, once.
    band_page.get_by_label(t("Your public reply")).fill("Thank you, Kellerbar – see you in spring!")
    band_page.get_by_role("button", name=t("Publish reply")).click()
    band_page.get_by_text(t("Your reply is published.")).wait_for()
    assert band_page.get_by_role("button", name=t("Publish reply")).count() == 0
    visitor.goto(f"{live_server.url}/bands/the-night-owls/reviews/")
    visitor.get_by_text("Thank you, Kellerbar – see you in spring!").wait_for()
    axe_check(visitor)

    # Sorted by rating, the band lands where its Bayesian score puts it among the others.
    scores = {
        "Steady Eddies": bayesian_score(total=240, count=50),
        "Lucky Once": bayesian_score(total=5, count=1),
        "The Night Owls": bayesian_score(total=4, count=1),
        "Fair Enough": bayesian_score(total=6, count=2),
    }
    expected = [*sorted(scores, key=lambda name: -scores[name]), "Aardvarks Unrated"]
    visitor.goto(f"{live_server.url}/bands/")
    visitor.get_by_label(t("Sort by")).select_option("rating")
    visitor.get_by_role("button", name=t("Show %(things)s", things=t("bands"))).click()
    visitor.wait_for_url(re.compile(r"sort=rating"))
    visitor.locator(".result-card__title").first.wait_for()
    axe_check(visitor)
    shown = [t.strip() for t in visitor.locator(".result-card__title a").all_inner_texts()]
    assert shown == expected
    assert expected.index("The Night Owls") == 2
