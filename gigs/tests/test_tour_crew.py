"""The second person on a tour (issue 81): whoever a band adds to a tour's party is told, in the app and by
mail in their own language, with a link to the itinerary they may open now; taken off it, they are told too.
Every traveller's dashboard lists their tours ahead – a driver with no band, whose dashboard is a private
client's, too – and their own list of tours holds theirs and nobody else's."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Notification
from accounts.people import REF_OPEN, people_draw
from bookings.models import Booking

from ..models import TourInvite, TourTraveller
from ..services import tours
from .factories import tour_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = tour_world(suffix="c")
    w.tour = tours.tour_create(band=w.band, by=w.leader, name="Spring run", bookings=w.gigs)
    return w


def dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def panel(html: str) -> str:
    found = re.search(r'<section class="card dash-tour" aria-labelledby="my-tours">.*?</section>', html, flags=re.S)
    return found[0] if found else ""


def dashboard_queries(client, user) -> int:
    client.force_login(user)
    client.get(reverse("dashboard"))  # the session and anything a first request sets up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(queries)


# ---- The one who adds: the traveller is told --------------------------------------------------------


def test_the_traveller_added_is_told_in_the_app_and_by_mail_with_a_link_in_their_language(
    world, django_capture_on_commit_callbacks
):
    world.crew.language = "de"
    world.crew.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        traveller = tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    note = Notification.objects.get(recipient=world.crew, kind="tour_party")
    link = reverse("gigs:tour", args=[world.tour.pk])
    assert note.link == link and note.actor_id == world.leader.pk and note.in_app
    # The leader is kept as a reference and drawn when shown; the role is in the traveller's language.
    assert "Lea Leader" not in note.text and REF_OPEN in note.text
    assert "Lea Leader" in people_draw(note.text) and "Spring run" in note.text and "Fahrer:in" in note.text
    # Nobody else is told: not the leader who did it, not the band.
    assert Notification.objects.filter(kind="tour_party").count() == 1
    (sent,) = [m for m in mail.outbox if world.crew.email in m.to]
    assert f"/gigs/tours/{world.tour.pk}/" in sent.body and "Lea Leader" in sent.body
    assert "Auf StageSlot öffnen" in sent.body and "Fahrer:in" in sent.body
    # Told once: the same event told again adds no row and no mail.
    with django_capture_on_commit_callbacks(execute=True):
        tours._traveller_tell(traveller, tour=world.tour, by=world.leader, added=True)
    assert Notification.objects.filter(kind="tour_party").count() == 1
    assert len([m for m in mail.outbox if world.crew.email in m.to]) == 1


def test_the_link_of_the_notification_opens_the_tour_for_the_traveller(client, world):
    tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="sound")
    client.force_login(world.crew)
    note = Notification.objects.get(recipient=world.crew, kind="tour_party")
    page = client.get(reverse("notifications:list")).content.decode()
    opened = reverse("notifications:open", args=[note.pk])
    assert opened in page and "Lea Leader added you to the tour “Spring run” of Road Dogsc" in page
    response = client.post(opened, follow=True)
    assert response.redirect_chain[-1][0] == reverse("gigs:tour", args=[world.tour.pk])
    assert response.status_code == 200 and "Spring run" in response.content.decode()


def test_a_traveller_who_chose_no_mail_for_tours_is_told_in_the_app_only(world, django_capture_on_commit_callbacks):
    from accounts.models import NotificationPreference

    NotificationPreference.objects.create(
        user=world.crew, kind="tour_party", in_app=True, email=NotificationPreference.Email.OFF
    )
    with django_capture_on_commit_callbacks(execute=True):
        tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    assert Notification.objects.filter(recipient=world.crew, kind="tour_party").exists()
    assert not [m for m in mail.outbox if world.crew.email in m.to]


def test_taken_off_the_tour_they_are_told_and_added_again_told_again(world, django_capture_on_commit_callbacks):
    traveller = tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    tours.tour_traveller_remove(traveller=traveller, by=world.leader)
    removed = Notification.objects.get(recipient=world.crew, dedupe_key__startswith="tour-traveller-removed:")
    assert "took you off the tour" in people_draw(removed.text) and removed.link == reverse("gigs:my_tours")
    tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="crew")
    assert Notification.objects.filter(recipient=world.crew, kind="tour_party").count() == 3


def test_a_refused_add_tells_nobody(world):
    from bookings.errors import BookingPermissionError

    with pytest.raises(BookingPermissionError):
        tours.tour_traveller_add(tour=world.tour, by=world.member, user=world.crew, role="driver")
    assert not Notification.objects.filter(kind="tour_party").exists()


def test_inviting_through_the_page_adds_nobody_until_they_accept(client, world):
    client.force_login(world.leader)
    response = client.post(
        reverse("gigs:tour_traveller_add", args=[world.tour.pk]), {"email": world.crew.email, "role": "driver"}
    )
    assert response.status_code == 302
    assert not TourTraveller.objects.filter(tour=world.tour).exists()
    invite = TourInvite.objects.get(tour=world.tour)
    assert invite.email == world.crew.email.lower() and invite.role == "driver"


# ---- The traveller: their dashboard lists their tours ahead ------------------------------------------


def test_a_driver_with_no_band_sees_the_tour_ahead_on_their_dashboard(client, world):
    assert panel(dashboard(client, world.crew)) == ""
    tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    html = dashboard(client, world.crew)
    mine = panel(html)
    assert f'href="{reverse("gigs:tour", args=[world.tour.pk])}"' in mine
    assert "Spring run" in mine and "Road Dogsc" in mine and "Driver" in mine
    assert f'href="{reverse("gigs:my_tours")}"' in mine
    # Not on a tour day: the tour is listed, not today's itinerary.
    assert "Today on tour" not in html
    # The band's members see it as members.
    assert "Member" in panel(dashboard(client, world.member)) and "Leader" in panel(dashboard(client, world.leader))


def test_the_dates_are_the_days_of_the_booked_gigs_in_the_readers_zone(client, world):
    tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    # The gigs are at 20:00 in Berlin: 19:00 UTC, which is the next morning in Auckland.
    world.crew.time_zone = "Pacific/Auckland"
    world.crew.save(update_fields=["time_zone"])
    first, last = world.gigs[0].starts_at, world.gigs[-1].starts_at
    mine = panel(dashboard(client, world.crew))
    day = dt.timedelta(days=1)
    assert f"{(first + day).day} {(first + day):%b %Y} – {(last + day).day} {(last + day):%b %Y}" in mine


def test_past_tours_and_tours_they_left_are_not_listed(client, world):
    traveller = tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    past = tour_world(suffix="p", start_in=-20)
    old = tours.tour_create(band=past.band, by=past.leader, name="Winter run", bookings=past.gigs)
    tours.tour_traveller_add(tour=old, by=past.leader, user=world.crew, role="sound")
    mine = panel(dashboard(client, world.crew))
    assert "Spring run" in mine and "Winter run" not in mine
    # Their own list keeps the one that is over, below the ones ahead.
    page = client.get(reverse("gigs:my_tours")).content.decode()
    assert page.index("Spring run") < page.index("Winter run")
    tours.tour_traveller_remove(traveller=traveller, by=world.leader)
    assert panel(dashboard(client, world.crew)) == ""
    page = client.get(reverse("gigs:my_tours")).content.decode()
    assert "Spring run" not in page and "Winter run" in page
    assert client.get(reverse("gigs:tour", args=[world.tour.pk])).status_code == 403


def test_a_tour_whose_gigs_are_all_cancelled_is_not_ahead(client, world):
    tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    Booking.objects.filter(pk__in=[g.pk for g in world.gigs]).update(status=Booking.Status.CANCELLED)
    assert panel(dashboard(client, world.crew)) == ""


def test_on_a_tour_day_the_tour_is_listed_and_today_comes_first(client):
    w = tour_world(suffix="t", start_in=0)
    tour = tours.tour_create(band=w.band, by=w.leader, name="Autumn run", bookings=w.gigs)
    tours.tour_traveller_add(tour=tour, by=w.leader, user=w.crew, role="sound")
    html = dashboard(client, w.crew)
    assert "Today on tour: Autumn run" in html and "On tour today" in panel(html)
    assert html.index("Today on tour") < html.index('id="my-tours"')


def test_a_driver_with_only_tours_is_led_by_the_tours_not_asked_to_find_a_band(client, world):
    """Crew who only travel with a band land on their own job: the page says what the tours hold and its main
    button opens them (on a tour day, today's itinerary leads); no "Find a band" and no events card. Once they
    book a band themselves, their events come back beside the tours."""
    before = dashboard(client, world.crew)
    assert "Find a band for your event" in before and 'id="role-client"' in before
    tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    html = dashboard(client, world.crew)
    head = html[html.index("page-head") : html.index("</h1>") + 600]
    assert "The tours you travel on" in head and f'href="{reverse("gigs:my_tours")}"' in head
    assert "Find a band for your event" not in html and 'id="role-client"' not in html
    # The band's members keep their musician's page: the tour is one more panel for them.
    assert "When you are busy, your bands and your gigs." in dashboard(client, world.member)
    world.crew.language = "de"
    world.crew.save(update_fields=["language"])
    assert "Die Touren, auf denen Sie mitreisen" in dashboard(client, world.crew)


def test_on_a_tour_day_crew_are_led_by_today_s_itinerary(client):
    w = tour_world(suffix="d", start_in=0)
    tour = tours.tour_create(band=w.band, by=w.leader, name="Day run", bookings=w.gigs)
    tours.tour_traveller_add(tour=tour, by=w.leader, user=w.crew, role="driver")
    html = dashboard(client, w.crew)
    assert "The tours you travel on" in html and "Today on tour: Day run" in html
    # The main button is today's itinerary, right below the greeting, before the list of tours.
    main = html.index("btn btn--primary", html.index("page-head"))
    assert "Today&#x27;s itinerary" in html[main : main + 300] or "Today's itinerary" in html[main : main + 300]
    assert main < html.index('id="my-tours"')


# ---- Outsiders: nothing to see, nothing to open --------------------------------------------------------


def test_the_other_band_and_a_stranger_see_nothing_and_cannot_open_it(client, world):
    tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    for outsider in (world.other_leader, world.stranger):
        assert panel(dashboard(client, outsider)) == ""
        page = client.get(reverse("gigs:my_tours"))
        assert page.status_code == 200 and "Spring run" not in page.content.decode()
        assert client.get(reverse("gigs:tour", args=[world.tour.pk])).status_code == 403
    assert not Notification.objects.filter(recipient__in=[world.other_leader, world.stranger]).exists()


def test_someone_signed_out_is_sent_to_sign_in(client):
    response = client.get(reverse("gigs:my_tours"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_their_list_shows_only_their_tours_with_their_role(client, world):
    tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="manager")
    other = tour_world(suffix="o")
    tours.tour_create(band=other.band, by=other.leader, name="Other run", bookings=other.gigs)
    client.force_login(world.crew)
    page = client.get(reverse("gigs:my_tours")).content.decode()
    assert "Spring run" in page and "Tour manager" in page and "Other run" not in page


# ---- What it costs --------------------------------------------------------------------------------------


def test_the_dashboard_costs_the_same_queries_with_tours_and_without(client, world):
    without = dashboard_queries(client, world.crew)
    tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    for n in range(3):
        more = tour_world(suffix=f"q{n}", start_in=20 + 10 * n)
        tour = tours.tour_create(band=more.band, by=more.leader, name=f"Run {n}", bookings=more.gigs)
        tours.tour_traveller_add(tour=tour, by=more.leader, user=world.crew, role="crew")
    with_tours = dashboard_queries(client, world.crew)
    assert panel(dashboard(client, world.crew)).count('class="dash-row"') == 4
    # A private client's dashboard: session, user, bands, venues, the lists ranked with their counts, the
    # roster, the organisations' desks, and one for the tours (ahead and today's: 8 before the list too).
    assert with_tours == without
    assert without <= 8


def test_their_list_costs_the_same_queries_with_one_tour_and_with_four(client, world, django_assert_max_num_queries):
    tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    client.force_login(world.crew)
    client.get(reverse("gigs:my_tours"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("gigs:my_tours"))
    for n in range(3):
        more = tour_world(suffix=f"l{n}", start_in=20 + 10 * n)
        tour = tours.tour_create(band=more.band, by=more.leader, name=f"Run {n}", bookings=more.gigs)
        tours.tour_traveller_add(tour=tour, by=more.leader, user=world.crew, role="crew")
    with django_assert_max_num_queries(len(one)):
        page = client.get(reverse("gigs:my_tours")).content.decode()
    assert page.count('class="dash-row"') == 4


# ---- Every word marked ------------------------------------------------------------------------------------


def test_the_tours_panel_the_list_and_the_notification_are_all_marked(client, world):
    from bands.tests.pseudo_pages import words_left_unmarked

    traveller = tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    past = tour_world(suffix="m", start_in=-20)
    old = tours.tour_create(band=past.band, by=past.leader, name="Winter run", bookings=past.gigs)
    tours.tour_traveller_add(tour=old, by=past.leader, user=world.crew, role="sound")
    tours.tour_traveller_remove(traveller=traveller, by=world.leader)
    tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="driver")
    client.force_login(world.crew)
    urls = [reverse("dashboard"), reverse("gigs:my_tours"), reverse("notifications:list")]
    assert words_left_unmarked(client, urls) == {}
