"""The terms on the booking page and their form: who may see and do what, the form's refusals and
warnings, the counter starting from the quote it answers, and a page whose queries do not grow."""

import re
from dataclasses import replace

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.models import Booking, Quote
from bookings.services import quotes
from bookings.services.quotes import Terms
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
FLAT = Terms(deal="flat", fee_minor=80000, currency="EUR", deposit_percent=30, balance_due_days=7)
FORM = {
    "deal": "flat",
    "fee": "650",
    "currency": "EUR",
    "deposit_percent": "50",
    "balance_due_days": "7",
    "cancel_preset": "moderate",
    "sound": "on",
}


@pytest.fixture
def world():
    return make_world()


def new_url(booking):
    return reverse("bookings:quote_new", args=[booking.uid])


def answer_url(quote, action):
    return reverse("bookings:quote_answer", args=[quote.booking.uid, quote.pk, action])


def people(world):
    """Everyone who might try, and what they get on the form of the client's request."""
    return {
        "band leader": (world.leader, 200),
        "client": (world.client, 200),
        "band member": (world.member, 403),  # sees the booking, does not negotiate for the band
        "another band": (world.other_leader, 404),
        "another venue": (world.other_owner, 404),
        "another client": (world.other_client, 404),
        "stranger": (UserFactory(), 404),
    }


@pytest.mark.parametrize(
    "who", ["band leader", "client", "band member", "another band", "another venue", "another client", "stranger"]
)
def test_the_form_is_for_the_two_sides_only(client, world, who):
    user, status = people(world)[who]
    client.force_login(user)
    assert client.get(new_url(world.request)).status_code == status
    response = client.post(new_url(world.request), FORM)
    assert response.status_code == (302 if status == 200 else status)
    assert Quote.objects.count() == (1 if status == 200 else 0)


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=FLAT)
    for response in (
        client.get(new_url(world.request)),
        client.post(new_url(world.request), FORM),
        client.post(answer_url(quote, "accept")),
        client.post(answer_url(quote, "decline")),
    ):
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.OPEN


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_answers_are_for_the_other_side_only(client, world, action):
    quote = quotes.quote_propose(booking=world.application, by=world.leader, terms=replace(FLAT, fee_minor=40000))
    refused = {
        world.leader: 403,  # the side that sent it
        world.member: 403,
        world.other_leader: 404,
        world.other_owner: 404,
        world.other_client: 404,
        world.client: 404,  # a client of the band, not of this application
        UserFactory(): 404,
    }
    for user, status in refused.items():
        client.force_login(user)
        assert client.post(answer_url(quote, action)).status_code == status
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.OPEN
    client.force_login(world.owner)
    response = client.post(answer_url(quote, action))
    assert response.status_code == 302
    expected = Quote.Status.ACCEPTED if action == "accept" else Quote.Status.DECLINED
    assert Quote.objects.get(pk=quote.pk).status == expected


def test_unknown_answers_and_other_bookings_quotes_are_404(client, world):
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=FLAT)
    client.force_login(world.client)
    assert client.post(answer_url(quote, "withdraw")).status_code == 404
    other = reverse("bookings:quote_answer", args=[world.application.uid, quote.pk, "accept"])
    client.force_login(world.leader)
    assert client.post(other).status_code == 404


def test_the_booking_page_shows_the_terms_and_the_answers(client, world):
    quotes.quote_propose(booking=world.request, by=world.leader, terms=FLAT, message="Two sets.")
    client.force_login(world.client)
    page = client.get(reverse("bookings:detail", args=[world.request.uid])).content.decode()
    assert "a fee of 800 EUR" in page
    assert "Accept these terms and book" in page and "Counter…" in page and "Decline the terms" in page
    assert "Cancelled by the payer 30 days or more before the gig: 100 % back" in page
    # The time it is open until reads like every other time on the site: "30 Nov 2026, 19:29".
    assert re.search(r"open until \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:", page)
    client.force_login(world.leader)
    page = client.get(reverse("bookings:detail", args=[world.request.uid])).content.decode()
    assert "Waiting for the other side's answer." in page and "Accept these terms" not in page


def test_the_counter_form_opens_in_place_from_the_current_terms(client, world):
    quotes.quote_propose(booking=world.request, by=world.leader, terms=replace(FLAT, backline=True))
    client.force_login(world.client)
    response = client.get(new_url(world.request), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="quote-form"' in body and "data-focus" in body
    assert 'value="800"' in body and 'name="backline" id="quote_backline" checked' in body


def test_counter_accept_through_the_pages(client, world):
    quotes.quote_propose(booking=world.request, by=world.leader, terms=FLAT)
    client.force_login(world.client)
    response = client.post(new_url(world.request), FORM, **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#booking"
    assert "Your terms are sent" in response.content.decode()
    counter = Quote.objects.get(version=2)
    assert (counter.fee_minor, counter.deposit_percent, counter.sound) == (65000, 50, True)
    client.force_login(world.leader)
    page = client.get(reverse("bookings:detail", args=[world.request.uid])).content.decode()
    assert "Fee 800 → 650 EUR" in page and "Deposit 30 % → 50 %" in page
    response = client.post(answer_url(counter, "accept"), follow=True)
    assert "these terms are the deal now" in response.content.decode()
    booking = Booking.objects.get(pk=world.request.pk)
    assert booking.status == Booking.Status.BOOKED and booking.fee == 650


def test_agreed_terms_replace_the_packages_cancellation_line(client, world):
    """Once terms are agreed their cancellation windows decide refunds: the booking's older one-line
    cancellation terms are not shown beside them."""
    client.force_login(world.client)
    url = reverse("bookings:detail", args=[world.request.uid])
    page = client.get(url).content.decode()
    assert "Cancellation terms:" in page and "Cancelled by the payer later: 50 % back" in page
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=FLAT)
    quotes.quote_accept(quote=quote, by=world.client)
    page = client.get(url).content.decode()
    assert "Cancellation terms:" not in page and "Cancelled by the payer later: 50 % back" not in page
    assert "Agreed terms" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"fee": "0"}, "fee", "Enter an amount above zero."),
        ({"fee": "-5"}, "fee", "Enter an amount above zero."),
        ({"fee": "20000000"}, "fee", "That is more than 10,000,000; check the amount."),
        ({"deposit_percent": "120"}, "deposit_percent", "Enter a percentage from 0 to 100."),
        ({"balance_due_days": "-3"}, "balance_due_days", "never after it"),
        ({"currency": "XXX"}, "currency", "Select a valid choice."),
        (
            {
                "cancel_preset": "custom",
                "window1_days": "7",
                "window1_percent": "50",
                "window2_days": "30",
                "window2_percent": "100",
            },
            "cancel_preset",
            "from the most days before the gig to the fewest",
        ),
    ],
)
def test_bad_input_is_answered_beside_its_field_and_nothing_is_sent(client, world, change, field, message):
    client.force_login(world.leader)
    response = client.post(new_url(world.request), {**FORM, **change}, **HTMX)
    assert response.status_code == 400
    body = response.content.decode().replace("&#x27;", "'")
    assert message in body
    assert f'id="quote_{field}_error"' in body or f"quote_{field}" in body
    assert not Quote.objects.exists()


def test_a_fee_outside_the_bands_range_asks_to_send_anyway(client, world):
    client.force_login(world.client)
    response = client.post(new_url(world.request), {**FORM, "fee": "150"})
    body = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 400
    assert "This fee is below The Night Shift's lowest fee (300 EUR)." in body and "Send these terms anyway" in body
    assert not Quote.objects.exists()
    response = client.post(new_url(world.request), {**FORM, "fee": "150", "send_anyway": "on"})
    assert response.status_code == 302
    assert Quote.objects.get().fee_minor == 15000


def test_a_conflict_on_accept_keeps_the_quote_and_says_why(client, world):
    quote = quotes.quote_propose(booking=world.request, by=world.leader, terms=FLAT)
    client.force_login(world.client)
    quotes.quote_decline(quote=quote, by=world.client)
    response = client.post(answer_url(quote, "accept"), **HTMX)
    assert response.status_code == 409
    assert "This quote is already declined" in response.content.decode()


def test_the_booking_page_queries_stay_flat_with_many_versions(client, django_assert_max_num_queries):
    counts = []
    for n in (1, 8):
        world = make_world(suffix=str(n))
        for i in range(n):
            by = world.leader if i % 2 == 0 else world.client
            quotes.quote_propose(booking=world.request, by=by, terms=replace(FLAT, fee_minor=50000 + i * 1000))
        client.force_login(world.client)
        client.get(reverse("bookings:detail", args=[world.request.uid]))
        with django_assert_max_num_queries(10) as ctx:
            assert client.get(reverse("bookings:detail", args=[world.request.uid])).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_every_word_of_the_terms_and_their_form_is_marked(client, world):
    from stageslot.tests.pseudo import database_words, pseudo_locale, unwrapped_text

    first = quotes.quote_propose(
        booking=world.request,
        by=world.leader,
        terms=replace(FLAT, deal="versus", door_percent=70, ticket_price_minor=1500, capacity=200, set_minutes=90),
    )
    quotes.quote_propose(booking=world.request, by=world.client, terms=replace(FLAT, backline=True))
    quotes.quote_accept(quote=Quote.objects.get(version=2), by=world.leader)
    assert first.version == 1
    data = database_words()
    found = []
    with pseudo_locale():
        client.force_login(world.client)
        for url in (reverse("bookings:detail", args=[world.request.uid]), new_url(world.request)):
            response = client.get(url)
            assert response.status_code == 200
            found += [f"{url} {f}" for f in unwrapped_text(response.content.decode(), data=data)]
        response = client.post(new_url(world.request), {**FORM, "fee": "100", "deposit_percent": "150"})
        found += [f"refused form {f}" for f in unwrapped_text(response.content.decode(), data=data)]
    assert found == [], "\n".join(found)


def test_the_form_works_out_the_door_estimate_without_sending(client, world):
    client.force_login(world.leader)
    door = {**FORM, "deal": "versus", "fee": "500", "door_percent": "70", "ticket_price": "15", "capacity": "200"}
    response = client.post(new_url(world.request), {**door, "estimate": "1"})
    assert response.status_code == 200
    assert "Estimate for the band, a full house before costs: 2,100 EUR" in response.content.decode()
    assert not Quote.objects.exists()


def test_door_terms_name_their_costs_and_bonus_tiers_through_the_form(client, world):
    client.force_login(world.owner)
    door = {**FORM, "deal": "door", "fee": "", "door_percent": "70", "ticket_price": "15"}
    for change, message in (
        ({"tier1_tickets": "0", "tier1_amount": "100"}, "reached at 1 to 1,000,000 tickets"),
        ({"cost1_kind": "sound", "cost1_amount": "-5"}, "more than nothing"),
        ({"cost1_amount": "150"}, "Give both the kind of cost and its amount"),
        ({"tier1_tickets": "200"}, "Give both the tickets sold and the bonus"),
        ({"tier1_tickets": "200", "tier1_amount": "1", "tier2_tickets": "200", "tier2_amount": "2"}, "same ticket"),
        ({"deal": "flat", "fee": "500", "door_percent": "", "tier1_tickets": "5", "tier1_amount": "1"}, "not settled"),
    ):
        response = client.post(new_url(world.application), {**door, **change}, **HTMX)
        assert response.status_code == 400 and message in response.content.decode(), change
    assert not Quote.objects.exists()
    terms = {"cost1_kind": "sound", "cost1_label": "PA", "cost1_amount": "150", "tier1_tickets": "200"}
    response = client.post(new_url(world.application), {**door, **terms, "tier1_amount": "100"}, **HTMX)
    assert response.status_code in (200, 204, 302)
    quote = Quote.objects.get()
    assert quote.door_costs == [{"kind": "sound", "label": "PA", "amount_minor": 15000}]
    assert quote.bonus_tiers == [{"tickets": 200, "amount_minor": 10000}]
    client.force_login(world.leader)
    page = client.get(reverse("bookings:detail", args=[world.application.uid])).content.decode()
    assert "Sound (PA): 150 EUR" in page and "+100 EUR at 200 tickets sold" in page
    # The counter form starts from them.
    assert Terms.of(quote).door_costs == (("sound", "PA", 15000),)


def test_the_form_on_its_own_page_goes_to_the_booking_after_sending_and_in_place_it_redraws_the_booking(client, world):
    """“Counter…” opened in a new tab: the form is the whole page, without the booking's section its answer
    would go into. After sending, that page goes to the booking (with htmx and without); opened in place on
    the booking page, the answer still redraws the booking's section."""
    quotes.quote_propose(booking=world.request, by=world.leader, terms=FLAT)
    client.force_login(world.client)
    detail = reverse("bookings:detail", args=[world.request.uid])
    own_page = f"http://testserver{new_url(world.request)}"
    page = client.get(new_url(world.request)).content.decode()
    assert "<html" in page and 'id="booking"' not in page  # the part a dialog's answer goes into is not here

    sent = client.post(new_url(world.request), FORM, HTTP_HX_CURRENT_URL=own_page, **HTMX)
    assert sent["HX-Redirect"] == detail and "HX-Retarget" not in sent
    assert "Your terms are sent" in client.get(detail).content.decode()  # the notice waits on the booking

    client.force_login(world.leader)  # the other side counters, in place on the booking page
    in_place = client.post(new_url(world.request), FORM, HTTP_HX_CURRENT_URL=f"http://testserver{detail}", **HTMX)
    assert in_place.status_code == 200 and in_place["HX-Retarget"] == "#booking"
    assert "Your terms are sent" in in_place.content.decode()

    client.force_login(world.client)
    without_js = client.post(new_url(world.request), FORM)
    assert without_js.status_code == 302 and without_js["Location"] == detail
    assert Quote.objects.filter(booking=world.request).count() == 4
