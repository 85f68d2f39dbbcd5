"""One request to several bands in the browser's pages: the shortlist (a band's page, the search results'
ticks, remove), the form and its refusals, the client's comparison of the bands' quotes (on its own
page and on each booking's page), who may see it, and the pages' query counts."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus
from bands.tests.factories import MembershipFactory
from bookings.models import Booking, RequestGroup
from bookings.services import answering, asking, quotes
from bookings.services.quotes import Terms
from bookings.services.requests import booking_request_many
from bookings.tests.factories import band_with_leader
from bookings.tests.journey import BERLIN, local

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NEW = reverse("bookings:request_many")
SHORTLIST = reverse("bookings:request_shortlist")


@pytest.fixture
def bands():
    made = []
    for n, name in enumerate(["Alpha", "Brass Kings", "Cello Club", "Drum Line", "Echo", "Fiddlers"]):
        band, leader = band_with_leader(name=name, slug=f"v{n}-{name.lower().replace(' ', '-')}")
        band.leader = leader
        made.append(band)
    return made


@pytest.fixture
def ana():
    return UserFactory(display_name="Ana Client", time_zone="Europe/Berlin")


def day(days: int = 30) -> dt.date:
    return timezone.localdate(timezone=BERLIN) + dt.timedelta(days=days)


def form_data(bands, **changes) -> dict:
    data = {
        "band": [band.slug for band in bands],
        "date": day().isoformat(),
        "start": "18:00",
        "end": "23:00",
        "time_zone": "Europe/Berlin",
        "event_type": "Wedding",
        "location": "Gut Kleinow",
        "guests": "80",
        "budget": "",
        "message": "First dance at nine.",
    }
    data.update(changes)
    return data


def pick(client, bands, **extra):
    return client.post(SHORTLIST, {"add": [band.slug for band in bands], **extra})


def sent_group(bands, client):
    return booking_request_many(
        bands=bands,
        client=client,
        starts_at=local(30, 18),
        ends_at=local(30, 23),
        time_zone="Europe/Berlin",
        event_type="Wedding",
        location="Gut Kleinow",
    )


# ---- The shortlist ----------------------------------------------------------------------------


def test_a_band_page_adds_the_band_and_leads_to_the_form(client, bands):
    page = client.get(reverse("bands:detail", args=[bands[0].slug])).content.decode()
    assert f'action="{SHORTLIST}"' in page and "Ask it and other bands at once" in page

    response = pick(client, bands[:1])

    assert response.status_code == 302 and response.url == NEW
    page = client.get(NEW).content.decode()
    assert "Alpha" in page and 'name="band" value="v0-alpha"' in page
    assert 'Remove<span class="visually-hidden"> Alpha</span>' in page
    assert "Log in to send your request" in page


def test_the_search_results_tick_bands_for_one_request_with_the_day_searched(client, bands):
    page = client.get(reverse("bands:search")).content.decode()
    assert 'id="request-pick"' in page and 'form="request-pick" name="add" value="v1-brass-kings"' in page
    assert "Ask the ticked bands at once" in page

    response = pick(client, bands[1:3], date=day().isoformat())

    assert parse_qs(urlparse(response.url).query) == {"date": [day().isoformat()]}
    page = client.get(response.url).content.decode()
    assert "Brass Kings" in page and "Cello Club" in page
    assert f'value="{day().isoformat()}"' in page


def test_at_most_five_bands_fit_and_the_rest_are_named(client, bands):
    pick(client, bands[:4])
    pick(client, bands[4:])
    assert client.session["request_shortlist"] == [band.slug for band in bands[:5]]
    messages = [str(m) for m in client.get(NEW).context["messages"]]
    assert "Only 1 more band fits (at most 5): Fiddlers left out." in messages

    pick(client, bands[5:])
    assert len(client.session["request_shortlist"]) == 5


def test_remove_takes_a_band_off_and_keeps_what_was_typed(client, bands):
    pick(client, bands[:3])
    response = client.post(SHORTLIST, {"remove": bands[1].slug, "location": "Gut Kleinow", "guests": "80"})

    assert client.session["request_shortlist"] == [bands[0].slug, bands[2].slug]
    assert parse_qs(urlparse(response.url).query) == {"location": ["Gut Kleinow"], "guests": ["80"]}
    page = client.get(response.url).content.decode()
    assert 'value="Gut Kleinow"' in page and 'value="v1-brass-kings"' not in page


def test_an_empty_list_says_how_to_fill_it(client):
    page = client.get(NEW).content.decode()
    assert "No band on your list yet" in page and 'action="' + NEW not in page


def test_the_live_check_says_which_bands_are_free(client, bands, ana):
    gig = asking.booking_request(
        band=bands[1], client=ana, starts_at=local(30, 19), ends_at=local(30, 21), time_zone="Europe/Berlin"
    )
    answering.booking_accept(booking=gig, by=bands[1].leader)
    pick(client, bands[:2])
    times = {"date": day().isoformat(), "start": "18:00", "end": "23:00", "time_zone": "Europe/Berlin"}

    page = client.get(NEW, times, **HTMX).content.decode()

    assert "Alpha is free then" in page
    assert "Brass Kings already has a gig then – remove it or pick another time" in page
    assert "<form" not in page


# ---- Sending ----------------------------------------------------------------------------------


def test_a_visitor_logs_in_to_send_with_what_was_typed(client, bands):
    pick(client, bands[:2])
    response = client.post(NEW, form_data(bands[:2], then="login"))
    assert response.url.startswith(reverse("account_login"))
    back = parse_qs(urlparse(response.url).query)["next"][0]
    assert back.startswith(NEW) and "Gut+Kleinow" in back
    assert not Booking.objects.exists()


def test_sending_asks_every_band_and_leads_to_the_comparison(client, bands, ana):
    client.force_login(ana)
    pick(client, bands[:3] + bands[4:5])

    response = client.post(NEW, form_data(bands[:3]))

    group = RequestGroup.objects.get()
    assert response.status_code == 302 and response.url == reverse("bookings:request_group", args=[group.uid])
    assert sorted(Booking.objects.filter(request_group=group).values_list("band__name", flat=True)) == [
        "Alpha",
        "Brass Kings",
        "Cello Club",
    ]
    # What was sent leaves the list; a band that was not sent to stays on it.
    assert client.session["request_shortlist"] == [bands[4].slug]
    page = client.get(response.url).content.decode()
    assert "Your request is with 3 bands." in page and "Compare quotes" in page


@pytest.mark.parametrize(
    ("changes", "status", "said"),
    [
        ({"date": ""}, 400, "This field is required."),
        ({"end": "nonsense"}, 400, "Enter a valid time."),
        ({"band": []}, 400, "Choose at least one band to ask."),
        ({"band": ["v0-alpha", "v0-alpha"]}, 400, "Alpha is on the list twice; ask each band once."),
        ({"band": ["v0-alpha", "nobody"]}, 400, "A band on this list no longer takes requests"),
        ({"guests": "-3"}, 400, "Enter at least one guest, or leave it empty."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_sent(client, bands, ana, changes, status, said):
    client.force_login(ana)
    pick(client, bands[:2])

    response = client.post(NEW, form_data(bands[:2], **changes))

    assert response.status_code == status
    assert said in response.content.decode()
    assert not Booking.objects.exists()


def test_six_bands_are_refused(client, bands, ana):
    client.force_login(ana)
    response = client.post(NEW, form_data(bands))
    assert response.status_code == 400
    assert "Ask at most 5 bands at once (this list has 6)." in response.content.decode()
    assert not Booking.objects.exists()


def test_a_booked_band_refuses_the_send_naming_it(client, bands, ana):
    gig = asking.booking_request(
        band=bands[0], client=UserFactory(), starts_at=local(30, 19), ends_at=local(30, 21), time_zone="Europe/Berlin"
    )
    answering.booking_accept(booking=gig, by=bands[0].leader)
    client.force_login(ana)

    response = client.post(NEW, form_data(bands[:3]))

    assert response.status_code == 409
    assert "Alpha already has a gig then. Leave it out or choose another time. Nothing was sent." in (
        response.content.decode()
    )
    assert Booking.objects.count() == 1


def test_a_band_not_approved_or_one_you_play_in_cannot_be_sent_to(client, bands, ana):
    client.force_login(ana)
    MembershipFactory(band=bands[1], user=ana)
    pick(client, bands[:2])
    page = client.get(NEW).content.decode()
    assert "You play in Brass Kings, so you cannot request it. Remove it from the list to send." in page

    response = client.post(NEW, form_data(bands[:2]))
    assert response.status_code == 403 and not Booking.objects.exists()

    bands[2].status = ApprovalStatus.SUSPENDED
    bands[2].save(update_fields=["status"])
    response = client.post(NEW, form_data([bands[0], bands[2]]))
    assert response.status_code == 400 and not Booking.objects.exists()


# ---- The comparison ---------------------------------------------------------------------------


def test_the_client_compares_quotes_on_the_group_page_and_each_booking_page(client, bands, ana):
    group = sent_group(bands[:3], ana)
    first, second, _third = Booking.objects.filter(request_group=group).order_by("pk")
    quotes.quote_propose(booking=first, by=bands[0].leader, terms=Terms(fee_minor=90000), send_anyway=True)
    client.force_login(ana)

    page = client.get(reverse("bookings:request_group", args=[group.uid])).content.decode()
    assert "Your request to 3 bands" in page and "Compare quotes" in page
    assert "a fee of 900 EUR" in page and "No quote yet" in page
    assert reverse("bookings:detail", args=[second.uid]) in page

    page = client.get(reverse("bookings:detail", args=[second.uid])).content.decode()
    assert "Compare quotes" in page and "This request" in page
    assert reverse("bookings:detail", args=[first.uid]) in page
    assert reverse("bookings:request_group", args=[group.uid]) in page


def test_bands_and_other_clients_never_see_the_comparison(client, bands, ana):
    group = sent_group(bands[:3], ana)
    first, second, _ = Booking.objects.filter(request_group=group).order_by("pk")
    group_url = reverse("bookings:request_group", args=[group.uid])

    client.force_login(bands[0].leader)
    page = client.get(reverse("bookings:detail", args=[first.uid])).content.decode()
    assert "Compare quotes" not in page and "Brass Kings" not in page
    assert "The client sent this request to other bands too" in page
    assert client.get(group_url).status_code == 404
    assert client.get(reverse("bookings:detail", args=[second.uid])).status_code == 404

    client.force_login(UserFactory())
    assert client.get(group_url).status_code == 404
    assert client.get(reverse("bookings:detail", args=[first.uid])).status_code == 404

    client.logout()
    response = client.get(group_url)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_accepting_one_shows_the_others_withdrawn_to_the_client(client, bands, ana):
    group = sent_group(bands[:2], ana)
    first, second = Booking.objects.filter(request_group=group).order_by("pk")
    client.force_login(bands[1].leader)
    client.post(reverse("bookings:accept", args=[second.uid]))

    client.force_login(ana)
    page = client.get(reverse("bookings:request_group", args=[group.uid])).content.decode()
    assert "Booked" in page and "Withdrawn" in page
    client.force_login(bands[0].leader)
    page = client.get(reverse("bookings:detail", args=[first.uid])).content.decode()
    assert "Withdrawn automatically: the client chose another band." in page


def _quoted_group(bands, client, count):
    group = sent_group(bands[:count], client)
    for booking in Booking.objects.filter(request_group=group).select_related("band"):
        leader = next(band.leader for band in bands if band.pk == booking.band_id)
        quotes.quote_propose(booking=booking, by=leader, terms=Terms(fee_minor=70000), send_anyway=True)
        quotes.quote_propose(booking=booking, by=client, terms=Terms(fee_minor=60000), send_anyway=True)
    return group


def test_the_comparison_pages_query_counts_do_not_grow_with_bands_or_quotes(
    client, bands, django_assert_max_num_queries
):
    counts = {"group": [], "detail": []}
    for count in (2, 5):
        ana = UserFactory()
        group = _quoted_group(bands, ana, count)
        booking = Booking.objects.filter(request_group=group).order_by("pk").first()
        client.force_login(ana)
        with django_assert_max_num_queries(5) as ctx:
            assert client.get(reverse("bookings:request_group", args=[group.uid])).status_code == 200
        counts["group"].append(len(ctx.captured_queries))
        with django_assert_max_num_queries(10) as ctx:
            assert client.get(reverse("bookings:detail", args=[booking.uid])).status_code == 200
        counts["detail"].append(len(ctx.captured_queries))
    assert counts["group"][0] == counts["group"][1]
    assert counts["detail"][0] == counts["detail"][1]


def test_the_request_forms_query_count_does_not_grow_with_the_list(client, bands, django_assert_max_num_queries):
    counts = []
    for chosen in (bands[:1], bands[:5]):
        client.force_login(UserFactory())
        pick(client, chosen)
        with django_assert_max_num_queries(4) as ctx:
            assert client.get(NEW).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
