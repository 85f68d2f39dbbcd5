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
from bookings.services.workflow import bookings_complete
from bookings.tests.factories import SlotFactory, venue_with_owner
from reviews.models import Review
from reviews.ratings import bayesian_score
from reviews.services import ratings_refresh
from reviews.tasks import reviews_due_task

from .test_views import _many_reviews

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VENUE_SAYS = "Tight set, on time to the minute, and the room was full."
BAND_SAYS = "Great sound crew, a warm green room and paid on the night."


def log_in(browser, base: str, email: str, locale: str):
    page = browser.new_context(locale=locale).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    return page


def rate(page, stars: dict[str, int], again: str, text: str) -> None:
    for legend, value in stars.items():
        page.get_by_role("group", name=legend).get_by_label(f"{value} star{'s' * (value > 1)}", exact=True).check()
    page.get_by_role("group", name=re.compile(r"^Would you")).get_by_label(again, exact=True).check()
    page.get_by_role("textbox", name="Your review").fill(text)


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
    venue_page.get_by_role("link", name=re.compile("Review: The Night Owls at Kellerbar")).click()
    venue_page.get_by_role("heading", name="How was the gig with The Night Owls?").wait_for()
    axe_check(venue_page)
    rate(venue_page, {"Overall": 4, "Performance": 5, "Punctuality": 5, "Communication": 4}, "Yes", VENUE_SAYS)
    venue_page.get_by_role("button", name="Save review").click()
    venue_page.get_by_text("Your review is saved.").wait_for()
    assert venue_page.get_by_text("cannot read it until they have written theirs").is_visible()
    axe_check(venue_page)

    # The band cannot read it yet, neither on its review page nor on its public page.
    band_page = log_in(browser, live_server.url, mara.email, browser_locale)
    band_page.goto(f"{live_server.url}/reviews/{booking.uid}/")
    band_page.get_by_text("Kellerbar has reviewed this gig. Write yours to read theirs").wait_for()
    assert band_page.get_by_text(VENUE_SAYS).count() == 0
    band_page.goto(f"{live_server.url}/bands/the-night-owls/")
    band_page.locator("#latest-reviews").get_by_text("No reviews yet").wait_for()
    assert band_page.get_by_text(VENUE_SAYS).count() == 0

    # The band reviews the venue: both reviews are published at once.
    band_page.goto(f"{live_server.url}/reviews/{booking.uid}/")
    rate(
        band_page,
        {"Overall": 5, "Sound and production": 5, "Hospitality": 5, "Paid as agreed": 5, "Communication": 4},
        "Yes",
        BAND_SAYS,
    )
    band_page.get_by_role("button", name="Save review").click()
    band_page.get_by_text("Both reviews are published").wait_for()
    assert band_page.get_by_text(VENUE_SAYS).is_visible()
    axe_check(band_page)

    visitor = browser.new_context(locale=browser_locale).new_page()
    visitor.goto(f"{live_server.url}/bands/the-night-owls/")
    visitor.locator("#latest-reviews").get_by_text(VENUE_SAYS).wait_for()
    assert visitor.get_by_text("out of 5 from 1 review").is_visible()
    axe_check(visitor)
    visitor.goto(f"{live_server.url}/venues/kellerbar/")
    visitor.locator("#latest-reviews").get_by_text(BAND_SAYS).wait_for()
    assert visitor.locator("#latest-reviews").get_by_text("Played here").is_visible()
    axe_check(visitor)

    # The band replies to the venue's review, once.
    band_page.get_by_label("Your public reply").fill("Thank you, Kellerbar – see you in spring!")
    band_page.get_by_role("button", name="Publish reply").click()
    band_page.get_by_text("Your reply is published.").wait_for()
    assert band_page.get_by_role("button", name="Publish reply").count() == 0
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
    visitor.get_by_label("Sort by").select_option("rating")
    visitor.get_by_role("button", name="Show bands").click()
    visitor.wait_for_url(re.compile(r"sort=rating"))
    visitor.locator(".result-card__title").first.wait_for()
    axe_check(visitor)
    shown = [t.strip() for t in visitor.locator(".result-card__title a").all_inner_texts()]
    assert shown == expected
    assert expected.index("The Night Owls") == 2
