"""A client requests a band for a private event: the form, the live free check, bad input, who may send."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.services import rule_create
from bands.models import ApprovalStatus, Membership
from bands.tests.factories import BandFactory, MembershipFactory
from bookings.models import Booking
from bookings.services import answering, asking
from bookings.tests.factories import band_with_leader
from stageslot.tests.words import words

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def band():
    band, leader = band_with_leader(name="The Night Shift", slug="night-shift", time_zone="Europe/Berlin")
    band.leader = leader
    band.drummer = MembershipFactory(band=band, user__time_zone="Europe/Berlin").user
    return band


@pytest.fixture
def anna():
    return UserFactory(display_name="Anna Client", time_zone="Europe/Berlin")


def request_url(slug: str = "night-shift") -> str:
    return reverse("bookings:request", args=[slug])


def check_url(slug: str = "night-shift") -> str:
    return reverse("bookings:request_check", args=[slug])


def day_ahead(days: int = 20) -> dt.date:
    return timezone.localdate(timezone=BERLIN) + dt.timedelta(days=days)


def form_data(**changes) -> dict:
    data = {
        "date": day_ahead().isoformat(),
        "start": "18:00",
        "end": "23:00",
        "time_zone": "Europe/Berlin",
        "event_type": "Wedding",
        "location": "Gut Kleinow, Brandenburg",
        "guests": "80",
        "budget": "1500",
        "message": "First dance at nine.",
    }
    data.update(changes)
    return data


def last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def next_last_sunday(month: int) -> dt.date:
    today = timezone.localdate(timezone=BERLIN)
    day = last_sunday(today.year, month)
    return day if day > today + dt.timedelta(days=2) else last_sunday(today.year + 1, month)


# ---- The form ---------------------------------------------------------------------------------


def test_anonymous_visitor_sees_the_form_with_a_login_prompt(client, band):
    response = client.get(request_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ask The Night Shift to play" in html
    assert "Log in to send your request" in html
    assert "Send request" not in html
    # The zone defaults to the band's for a visitor without one.
    assert '<option value="Europe/Berlin" selected>' in html


def test_anonymous_post_goes_to_login_and_creates_nothing(client, band):
    response = client.post(request_url(), form_data())
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not Booking.objects.exists()


def test_form_has_labels_and_event_types_and_defaults_to_the_users_zone(client, band):
    client.force_login(UserFactory(time_zone="America/Chicago"))
    html = client.get(request_url()).content.decode()
    for label in ("Date:", "Starts:", "Ends:", "Time zone:", "Event:", "Location:", "Guests:", "Budget:", "Message:"):
        assert label in html
    for kind in ("Wedding", "Birthday", "Corporate", "Private party", "Other"):
        assert f'<option value="{kind}">' in html
    assert '<option value="America/Chicago" selected>' in html
    assert "on the next day" in html
    assert 'hx-get="/bands/night-shift/request/check/"' in html


@pytest.mark.parametrize("status", [ApprovalStatus.PENDING, ApprovalStatus.SUSPENDED])
def test_a_band_that_is_not_approved_takes_no_requests(client, anna, status):
    BandFactory(slug="hidden", status=status)
    client.force_login(anna)
    assert client.get(request_url("hidden")).status_code == 404
    assert client.post(request_url("hidden"), form_data()).status_code == 404
    assert client.get(check_url("hidden"), {"date": day_ahead().isoformat()}, **HTMX).status_code == 404
    assert client.get(request_url("nope")).status_code == 404
    assert not Booking.objects.exists()


# ---- Sending ------------------------------------------------------------------------------------


def test_a_request_is_created_and_the_client_follows_it(client, band, anna):
    client.force_login(anna)
    response = client.post(request_url(), form_data())
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("bookings:detail", args=[booking.uid])
    assert booking.kind == Booking.Kind.REQUEST and booking.client == anna and booking.band == band
    start = dt.datetime.combine(day_ahead(), dt.time(18), tzinfo=BERLIN)
    assert booking.starts_at == start
    assert booking.ends_at == start + dt.timedelta(hours=5)
    assert (booking.event_type, booking.location, booking.guests, booking.fee) == (
        "Wedding",
        "Gut Kleinow, Brandenburg",
        80,
        1500,
    )
    html = client.get(response.url).content.decode()
    assert "Your request is with The Night Shift" in html
    assert reverse("bookings:withdraw", args=[booking.uid]) in html
    assert str(booking.uid) in client.get(reverse("bookings:inbox")).content.decode()


def test_an_end_before_the_start_is_the_next_day(client, band, anna):
    client.force_login(anna)
    assert client.post(request_url(), form_data(start="22:00", end="02:00")).status_code == 302
    booking = Booking.objects.get()
    assert booking.ends_at - booking.starts_at == dt.timedelta(hours=4)
    assert timezone.localtime(booking.ends_at, BERLIN).date() == day_ahead() + dt.timedelta(days=1)


def test_the_request_is_in_the_zone_the_client_chose(client, band, anna):
    client.force_login(anna)
    client.post(request_url(), form_data(time_zone="America/New_York"))
    booking = Booking.objects.get()
    assert booking.time_zone == "America/New_York"
    assert booking.starts_at == dt.datetime.combine(day_ahead(), dt.time(18), tzinfo=ZoneInfo("America/New_York"))


# ---- Bad input: a message next to the field, nothing created -----------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date": (timezone.localdate() - dt.timedelta(days=3)).isoformat()}, "This start is in the past"),
        ({"budget": "-5"}, "A budget cannot be negative."),
        ({"guests": "0"}, "Enter at least one guest"),
        ({"date": ""}, "This field is required."),
        ({"date": "2026-02-30"}, "Enter a valid date."),
        ({"start": "25:00"}, "Enter a valid time."),
        ({"time_zone": "Mars/Olympus"}, "not a time zone we know"),
        ({"event_type": "Funeral rave"}, "Select a valid choice."),
        ({"location": ""}, "This field is required."),
        ({"budget": "99999999999"}, "less than or equal to"),
        ({"message": "x" * 2001}, "at most 2000 characters"),
        ({"date": (timezone.localdate() + dt.timedelta(days=4 * 365)).isoformat()}, "at most three years ahead"),
        ({"date": "9999-12-31", "start": "23:00", "end": "01:00"}, "StageSlot plans at most three years ahead"),
        ({"date": "0001-01-01", "start": "00:30", "end": "01:00"}, "That is too long ago to plan for"),
    ],
)
def test_bad_input_is_refused_next_to_the_field(client, band, anna, changes, message):
    client.force_login(anna)
    response = client.post(request_url(), form_data(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Booking.objects.exists()


def test_longer_than_24_hours_is_refused(client, band, anna):
    """20:00 to 20:00 the next day across the autumn clock change is 25 hours."""
    saturday = next_last_sunday(10) - dt.timedelta(days=1)
    client.force_login(anna)
    response = client.post(request_url(), form_data(date=saturday.isoformat(), start="20:00", end="20:00"))
    assert response.status_code == 400
    assert "at most 24 hours" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_time_the_clocks_skip_is_refused(client, band, anna):
    sunday = next_last_sunday(3)
    client.force_login(anna)
    response = client.post(request_url(), form_data(date=sunday.isoformat(), start="02:30", end="05:00"))
    assert response.status_code == 400
    assert "does not exist" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_member_cannot_request_their_own_band(client, band):
    client.force_login(band.drummer)
    html = client.get(request_url()).content.decode()
    assert "You play in The Night Shift" in html and "Send request" not in html
    response = client.post(request_url(), form_data())
    assert response.status_code == 403
    assert "You play in The Night Shift" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_band_with_a_gig_then_cannot_be_requested(client, band, anna):
    first = asking.booking_request(
        band=band,
        client=UserFactory(),
        starts_at=dt.datetime.combine(day_ahead(), dt.time(19), tzinfo=BERLIN),
        ends_at=dt.datetime.combine(day_ahead(), dt.time(22), tzinfo=BERLIN),
        time_zone="Europe/Berlin",
    )
    answering.booking_accept(booking=first, by=band.leader)
    client.force_login(anna)
    response = client.post(request_url(), form_data())
    assert response.status_code == 409
    assert "already booked" in response.content.decode()
    assert Booking.objects.count() == 1


def test_the_form_keeps_what_was_typed_after_an_error(client, band, anna):
    client.force_login(anna)
    html = client.post(request_url(), form_data(budget="-1", message="Please play Abba")).content.decode()
    assert "Please play Abba" in html and "Gut Kleinow" in html


# ---- The live free check ----------------------------------------------------------------------


def check(client, **params) -> str:
    data = {"date": day_ahead().isoformat(), "start": "18:00", "end": "23:00", "time_zone": "Europe/Berlin"}
    data.update(params)
    response = client.get(check_url(), data, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    return html


def test_check_says_free(client, band):
    html = check(client)
    assert "✓</span> The Night Shift is free then" in html
    assert "18:00–23:00" in html and "(Europe/Berlin)" in html


def test_check_says_busy_without_saying_who_or_why(client, band):
    rule_create(
        user=band.drummer,
        title="Dentist appointment",
        start_date=day_ahead(),
        start_time=dt.time(20),
        end_date=day_ahead(),
        end_time=dt.time(21),
    )
    html = check(client)
    assert "The Night Shift is busy then – you can still ask" in html
    assert "Dentist" not in html and band.drummer.name not in html
    assert "is free then" in check(client, start="21:00", end="23:00")


def test_check_says_when_the_band_has_a_gig(client, band):
    gig = asking.booking_request(
        band=band,
        client=UserFactory(),
        starts_at=dt.datetime.combine(day_ahead(), dt.time(19), tzinfo=BERLIN),
        ends_at=dt.datetime.combine(day_ahead(), dt.time(22), tzinfo=BERLIN),
        time_zone="Europe/Berlin",
        location="Secret garden",
    )
    answering.booking_accept(booking=gig, by=band.leader)
    html = check(client)
    assert "already has a gig then" in html
    assert "Secret garden" not in html


def test_a_link_carrying_a_far_date_shows_the_form_with_the_reason(client, band, anna):
    client.force_login(anna)
    query = {"date": "9999-12-31", "start": "23:00", "end": "01:00", "time_zone": "Europe/Berlin"}
    response = client.get(request_url(), query)
    assert response.status_code == 200
    assert "StageSlot plans at most three years ahead: pick a date up to" in response.content.decode()
    assert "StageSlot plans at most three years ahead" in check(client, **query)


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"date": ""}, "Pick a date, a start and an end"),
        ({"start": "nope"}, "Enter a valid time."),
        ({"date": (timezone.localdate() - dt.timedelta(days=2)).isoformat()}, "That time has passed"),
    ],
)
def test_check_with_incomplete_or_bad_times(client, band, params, text):
    assert text in check(client, **params)


def test_check_without_script_renders_the_whole_page(client, band):
    response = client.get(check_url(), {"date": day_ahead().isoformat(), "start": "18:00", "end": "23:00"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and "is free then" in html
    assert f'value="{day_ahead().isoformat()}"' in html


# ---- Query budget -------------------------------------------------------------------------------


def _band_of(size: int, slug: str):
    band, _ = band_with_leader(slug=slug)
    for _ in range(size - 1):
        member = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
        rule_create(
            user=member,
            title="Job",
            start_date=day_ahead(),
            start_time=dt.time(9),
            end_date=day_ahead(),
            end_time=dt.time(17),
        )
    return band


@pytest.mark.parametrize(("name", "headers"), [("request", {}), ("request_check", HTMX)])
def test_query_count_does_not_grow_with_the_band(client, anna, django_assert_max_num_queries, name, headers):
    client.force_login(anna)
    counts = []
    params = {"date": day_ahead().isoformat(), "start": "18:00", "end": "23:00", "time_zone": "Europe/Berlin"}
    for size in (1, 12):
        band = _band_of(size, f"band-of-{size}")
        url = reverse(f"bookings:{name}", args=[band.slug])
        client.get(url, params, **headers)
        with django_assert_max_num_queries(6) as ctx:
            assert client.get(url, params, **headers).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# ---- In the browser -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.locales
def test_browser_the_form_says_live_whether_the_band_is_free(live_server, browser, browser_locale, axe_check):
    t = words(browser_locale)
    band, _ = band_with_leader(name="The Night Shift", slug="night-shift", time_zone="Europe/Berlin")
    drummer = MembershipFactory(band=band, user__time_zone="Europe/Berlin").user
    rule_create(
        user=drummer,
        title="Night shift",
        start_date=day_ahead(),
        start_time=dt.time(22),
        end_date=day_ahead(),
        end_time=dt.time(23),
    )
    context = browser.new_context(locale=browser_locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}{request_url()}")
    axe_check(page)
    page.locator("#id_date").fill(day_ahead().isoformat())
    page.locator("#id_start").fill("18:00")
    page.locator("#id_end").fill("21:00")
    page.locator("#id_end").dispatch_event("change")
    page.get_by_text(t("%(band)s is free then", band="The Night Shift")).wait_for()
    axe_check(page, what="the request form saying the band is free")
    page.locator("#id_end").fill("02:00")
    page.locator("#id_end").dispatch_event("change")
    page.get_by_text(t("%(band)s is busy then – you can still ask", band="The Night Shift")).wait_for()
    assert t.pattern("%(start)s–%(end)s next day (%(zone)s)").search(page.locator("#request-check").inner_text())
    axe_check(page, what="the request form saying the band is busy")
    context.close()


# ---- A visitor logs in or signs up and comes back to what they typed ------------------------------


def follow_back(client, response) -> str:
    """Where the login or signup page sends the visitor once they are in: its `next`."""
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(response.url).query)["next"][0]


def assert_prefilled(html: str, data: dict) -> None:
    assert f'value="{data["date"]}"' in html
    assert 'value="18:00"' in html and 'value="23:00"' in html
    assert 'value="Gut Kleinow, Brandenburg"' in html
    assert 'value="80"' in html and 'value="1500"' in html
    assert "First dance at nine.</textarea>" in html
    assert '<option value="Wedding" selected>' in html


def test_a_visitor_logs_in_and_comes_back_to_the_form_as_typed(client, band):
    from allauth.account.models import EmailAddress

    data = form_data()
    response = client.post(request_url(), {**data, "then": "login"})
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert not Booking.objects.exists()
    anna = UserFactory(email="anna@example.com", display_name="Anna Client")
    EmailAddress.objects.get_or_create(user=anna, email=anna.email, defaults={"verified": True, "primary": True})
    anna.set_password("a-long-pass-phrase")
    anna.save()
    login = client.post(
        reverse("account_login"),
        {"login": "anna@example.com", "password": "a-long-pass-phrase", "next": follow_back(client, response)},
    )
    assert login.status_code == 302 and login.url.startswith(request_url() + "?")
    assert_prefilled(client.get(login.url).content.decode(), data)
    # One click sends it.
    sent = client.post(request_url(), data)
    assert sent.status_code == 302
    assert Booking.objects.get().location == "Gut Kleinow, Brandenburg"


def test_a_visitor_signs_up_and_comes_back_to_the_form_as_typed(
    client, band, mailoutbox, django_capture_on_commit_callbacks
):
    import re

    data = form_data()
    response = client.post(request_url(), {**data, "then": "signup"})
    assert response.status_code == 302 and response.url.startswith(reverse("account_signup"))
    with django_capture_on_commit_callbacks(execute=True):
        signup = client.post(
            reverse("account_signup"),
            {
                "email": "new@example.com",
                "password1": "a-long-pass-phrase",
                "password2": "a-long-pass-phrase",
                "display_name": "New Client",
                "time_zone": "Europe/Berlin",
                "next": follow_back(client, response),
            },
        )
    assert signup.status_code == 302
    confirm = re.search(r"https?://[^/\s]+(/\S+)", mailoutbox[-1].body)[1]
    confirmed = client.post(confirm)
    assert confirmed.status_code == 302 and confirmed.url.startswith(request_url() + "?")
    assert_prefilled(client.get(confirmed.url).content.decode(), data)


def test_the_visitors_form_offers_log_in_and_sign_up_as_buttons_that_keep_the_form(client, band):
    html = client.get(request_url()).content.decode()
    assert '<button type="submit" name="then" value="login"' in html
    assert '<button type="submit" name="then" value="signup"' in html
