"""Connected calendars through the API, against a real Radicale: connect (tested first), read the state,
choose what is read and where gigs go, refresh, disconnect; bad input (a clear problem, nothing saved),
and access (another member, anonymous, a read-only token)."""

import json

import pytest

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bookings.tests.api_helpers import ApiClient, token_for
from calendars.models import ConnectedCalendar
from calendars.testing import free_port, radicale_installed

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not radicale_installed(), reason="Radicale (requirements-dev) is not installed"),
]

URL = "/api/v1/me/calendars"


def body_of(account, **changes) -> dict:
    return {
        "server_url": account.url,
        "username": account.username,
        "app_password": account.password,
        "name": "My Radicale",
        **changes,
    }


def caldav_row(user, account, **fields) -> ConnectedCalendar:
    """A connected account saved without asking the server (for the tests that do not need it)."""
    fields = {"server_url": account.url, "username": account.username, **fields}
    calendar = ConnectedCalendar(
        user=user,
        provider=ConnectedCalendar.Provider.CALDAV,
        calendar_names={account.work: "Work", account.gigs: "Gigs"},
        **fields,
    )
    calendar.secret = account.password
    calendar.save()
    return calendar


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    found = response.json()
    assert found["detail"]
    return found


# ---- connecting -----------------------------------------------------------------------------------


def test_connect_tests_the_account_saves_it_and_its_first_read_fills_the_busy_time(
    caldav_allowed, django_capture_on_commit_callbacks
):
    user = UserFactory()
    api = ApiClient(token_for(user))
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = api.post(URL, body_of(caldav_allowed))
    assert response.status_code == 201, response.content
    assert len(queued) == 1  # the first read, after commit
    made = response.json()
    assert (made["provider"], made["name"], made["server_url"], made["username"]) == (
        "caldav", "My Radicale", caldav_allowed.url, "ana",
    )  # fmt: skip
    assert made["status"] == "pending" and made["write_calendar_url"] == ""
    shown = {(c["name"], c["read"], c["gigs"]) for c in made["calendars"]}
    assert shown == {("Work", True, False), ("Gigs", True, False)}
    assert caldav_allowed.password not in response.content.decode()
    calendar = ConnectedCalendar.objects.get(user=user)
    assert calendar.secret == caldav_allowed.password and made["id"] == calendar.pk

    read = api.get(f"{URL}/{calendar.pk}").json()
    assert (read["status"], read["event_count"], read["last_error"]) == ("ok", 1, "")
    assert read["last_synced_at"] and read["last_attempt_at"]
    busy = BusyInterval.objects.filter(user=user, source=BusyInterval.Source.CONNECTED, source_id=calendar.pk)
    assert busy.count() == 1


def test_a_wrong_app_password_is_a_400_on_the_field_and_nothing_is_saved(caldav_allowed):
    user = UserFactory()
    found = problem(ApiClient(token_for(user)).post(URL, body_of(caldav_allowed, app_password="wrong")), 400)
    assert "please connect again" in found["errors"]["app_password"][0]
    assert found["detail"] == found["errors"]["app_password"][0]
    assert not ConnectedCalendar.objects.filter(user=user).exists()


def test_a_private_address_is_refused_as_on_the_page(settings, caldav_account):
    settings.CALDAV_ALLOW_HOSTS = ()
    user = UserFactory()
    found = problem(ApiClient(token_for(user)).post(URL, body_of(caldav_account)), 400)
    assert "private network" in found["errors"]["server_url"][0]
    assert not ConnectedCalendar.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("server_url", "words"),
    [
        ("ftp://calendar.example.com/", "address"),
        ("not an address", "address"),
        ("http://127.0.0.1:1/dav/", "private network"),  # a port nothing answers on, and a private one
    ],
)
def test_an_address_we_do_not_call_is_a_400(caldav_allowed, server_url, words):
    user = UserFactory()
    found = problem(ApiClient(token_for(user)).post(URL, body_of(caldav_allowed, server_url=server_url)), 400)
    assert words in found["errors"]["server_url"][0].lower()
    assert not ConnectedCalendar.objects.filter(user=user).exists()


def test_a_server_that_does_not_answer_is_a_400_in_words(settings, caldav_allowed):
    port = free_port()  # nothing listens there
    settings.CALDAV_ALLOW_HOSTS = (f"127.0.0.1:{port}",)
    user = UserFactory()
    response = ApiClient(token_for(user)).post(URL, body_of(caldav_allowed, server_url=f"http://127.0.0.1:{port}/"))
    found = problem(response, 400)
    assert "127.0.0.1" in found["errors"]["server_url"][0]
    assert not ConnectedCalendar.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"server_url": None}, "server_url"),
        ({"username": None}, "username"),
        ({"app_password": None}, "app_password"),
        ({"username": "   "}, "username"),
        ({"app_password": ""}, "app_password"),
        ({"server_url": "https://" + "a" * 2000}, "server_url"),
        ({"name": "n" * 81}, "name"),
        ({"username": 7}, "username"),
    ],
)
def test_missing_or_malformed_fields_are_a_422_by_field_and_nothing_is_saved(caldav_allowed, changes, field):
    user = UserFactory()
    body = {key: value for key, value in body_of(caldav_allowed, **changes).items() if value is not None}
    found = problem(ApiClient(token_for(user)).post(URL, body), 422)
    assert field in found["errors"]
    assert not ConnectedCalendar.objects.filter(user=user).exists()


def test_a_body_that_is_not_json_is_a_400(caldav_allowed):
    user = UserFactory()
    api = ApiClient(token_for(user))
    response = api.client.post(URL, "{server_url:", content_type="application/json", headers=api.headers)
    problem(response, 400)
    assert not ConnectedCalendar.objects.filter(user=user).exists()


def test_the_same_account_twice_and_past_the_limit_are_refused(caldav_allowed):
    user = UserFactory()
    api = ApiClient(token_for(user))
    assert api.post(URL, body_of(caldav_allowed)).status_code == 201
    found = problem(api.post(URL, body_of(caldav_allowed)), 400)
    assert "already connected" in found["errors"]["server_url"][0]
    for n in range(4):
        caldav_row(user, caldav_allowed, name=f"Other {n}", username=f"other{n}")
    found = problem(api.post(URL, body_of(caldav_allowed, username="new")), 400)
    assert "at most 5" in found["detail"]
    assert ConnectedCalendar.objects.filter(user=user).count() == 5


# ---- reading --------------------------------------------------------------------------------------


def test_the_list_holds_only_the_callers_calendars_never_a_secret(caldav_account, django_assert_max_num_queries):
    user, other = UserFactory(), UserFactory()
    mine = caldav_row(user, caldav_account, name="Mine")
    caldav_row(other, caldav_account, name="Theirs")
    api = ApiClient(token_for(user))
    with django_assert_max_num_queries(6):
        one = api.get(URL)
    assert [c["name"] for c in one.json()] == ["Mine"]
    for n in range(3):
        caldav_row(user, caldav_account, name=f"More {n}", username=f"more{n}")
    with django_assert_max_num_queries(6):
        four = api.get(URL)
    assert [c["id"] for c in four.json()][:1] == [mine.pk] and len(four.json()) == 4
    text = four.content.decode()
    assert caldav_account.password not in text and "secret" not in text


def test_the_state_says_failing_and_needs_reconnect(caldav_account):
    user = UserFactory()
    failing = caldav_row(user, caldav_account, last_error="The server answered 503.", failures=2)
    refused = caldav_row(user, caldav_account, username="x", needs_reconnect=True, last_error="Connect again.")
    api = ApiClient(token_for(user))
    assert api.get(f"{URL}/{failing.pk}").json()["status"] == "failing"
    assert api.get(f"{URL}/{refused.pk}").json()["status"] == "needs_reconnect"


# ---- choosing -------------------------------------------------------------------------------------


def test_patch_chooses_the_calendars_read_and_the_one_gigs_go_to(caldav_account, django_capture_on_commit_callbacks):
    user = UserFactory()
    calendar = caldav_row(user, caldav_account)
    api = ApiClient(token_for(user))
    with django_capture_on_commit_callbacks() as queued:
        response = api.patch(
            f"{URL}/{calendar.pk}", {"read": [caldav_account.work], "write_calendar_url": caldav_account.gigs}
        )
    assert response.status_code == 200, response.content
    assert len(queued) == 1  # a read (and the gigs' write) follows
    shown = {c["name"]: (c["read"], c["gigs"]) for c in response.json()["calendars"]}
    assert shown == {"Work": (True, False), "Gigs": (False, True)}
    calendar.refresh_from_db()
    assert (calendar.calendars, calendar.write_calendar_url) == ([caldav_account.work], caldav_account.gigs)
    # What is not sent stays; "" stops writing gigs.
    response = api.patch(f"{URL}/{calendar.pk}", {"write_calendar_url": ""})
    calendar.refresh_from_db()
    assert (calendar.calendars, calendar.write_calendar_url) == ([caldav_account.work], "")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"read": ["http://127.0.0.1/elsewhere/"]}, 400, "read"),
        ({"read": []}, 400, "read"),
        ({"write_calendar_url": "http://127.0.0.1/elsewhere/"}, 400, "write_calendar_url"),
        ({"read": None}, 422, "read"),
        ({"write_calendar_url": None}, 422, "write_calendar_url"),
        ({"read": "all"}, 422, "read"),
        ({"read": [1, 2]}, 422, "read.0"),
    ],
)
def test_patch_refuses_what_the_account_does_not_have_and_changes_nothing(caldav_account, body, status, field):
    user = UserFactory()
    calendar = caldav_row(user, caldav_account, calendars=[caldav_account.work], write_calendar_url=caldav_account.gigs)
    found = problem(ApiClient(token_for(user)).patch(f"{URL}/{calendar.pk}", body), status)
    assert field in found["errors"]
    calendar.refresh_from_db()
    assert (calendar.calendars, calendar.write_calendar_url) == ([caldav_account.work], caldav_account.gigs)


def test_gigs_are_not_written_into_a_google_account():
    user = UserFactory()
    calendar = ConnectedCalendar.objects.create(
        user=user,
        provider=ConnectedCalendar.Provider.GOOGLE,
        account_email="lea@example.com",
        calendar_names={"primary": "Lea"},
    )
    found = problem(ApiClient(token_for(user)).patch(f"{URL}/{calendar.pk}", {"write_calendar_url": "primary"}), 400)
    assert "CalDAV" in found["errors"]["write_calendar_url"][0]
    calendar.refresh_from_db()
    assert calendar.write_calendar_url == ""
    shown = ApiClient(token_for(user)).get(f"{URL}/{calendar.pk}").json()
    assert (shown["provider"], shown["account_email"], shown["server_url"]) == ("google", "lea@example.com", "")


# ---- refresh and disconnect -----------------------------------------------------------------------


def test_refresh_is_queued_and_reads_the_calendar(caldav_allowed, django_capture_on_commit_callbacks):
    user = UserFactory()
    calendar = caldav_row(user, caldav_allowed)
    api = ApiClient(token_for(user))
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = api.post(f"{URL}/{calendar.pk}/refresh")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending"  # the state before the read
    assert len(queued) == 1
    calendar.refresh_from_db()
    assert (calendar.event_count, calendar.last_error) == (1, "") and calendar.last_synced_at


def test_disconnect_forgets_the_account_and_its_busy_time(caldav_allowed):
    user = UserFactory()
    calendar = caldav_row(user, caldav_allowed)
    BusyInterval.objects.create(
        user=user,
        starts_at=calendar.created_at,
        ends_at=calendar.created_at.replace(year=calendar.created_at.year + 1),
        source=BusyInterval.Source.CONNECTED,
        source_id=calendar.pk,
    )
    response = ApiClient(token_for(user)).delete(f"{URL}/{calendar.pk}")
    assert response.status_code == 204 and response.content == b""
    assert not ConnectedCalendar.objects.filter(pk=calendar.pk).exists()
    assert not BusyInterval.objects.filter(source=BusyInterval.Source.CONNECTED, source_id=calendar.pk).exists()


# ---- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "tail", "body"),
    [
        ("get", "", None),
        ("patch", "", {"read": []}),
        ("post", "/refresh", None),
        ("delete", "", None),
    ],
)
def test_another_members_calendar_is_a_404_and_stays_as_it_was(
    caldav_account, method, tail, body, django_capture_on_commit_callbacks
):
    owner = UserFactory()
    calendar = caldav_row(owner, caldav_account, write_calendar_url=caldav_account.gigs)
    api = ApiClient(token_for(UserFactory()))
    path = f"{URL}/{calendar.pk}{tail}"
    with django_capture_on_commit_callbacks() as queued:
        response = call(api, method, path, body)
    problem(response, 404)
    assert queued == []
    calendar.refresh_from_db()
    assert calendar.write_calendar_url == caldav_account.gigs
    # An id nobody has answers the same.
    assert call(api, method, f"{URL}/{calendar.pk + 1000}{tail}", body).status_code == 404


def call(api: ApiClient, method: str, path: str, body):
    return api.get(path) if method == "get" else getattr(api, method)(path, *([body] if body is not None else []))


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", URL, None),
        ("post", URL, {"server_url": "https://dav.example.com/", "username": "a", "app_password": "b"}),
        ("get", f"{URL}/1", None),
        ("patch", f"{URL}/1", {"read": []}),
        ("post", f"{URL}/1/refresh", None),
        ("delete", f"{URL}/1", None),
    ],
)
def test_anonymous_calls_are_a_401(method, path, body):
    response = call(ApiClient(), method, path, body)
    problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not ConnectedCalendar.objects.exists()


def test_a_read_only_token_reads_but_does_not_change(caldav_account):
    user = UserFactory()
    calendar = caldav_row(user, caldav_account)
    api = ApiClient(token_for(user, ["read"]))
    assert api.get(URL).status_code == 200
    problem(api.post(URL, {"server_url": "https://dav.example.com/", "username": "a", "app_password": "b"}), 403)
    problem(api.patch(f"{URL}/{calendar.pk}", {"read": [caldav_account.work]}), 403)
    problem(api.post(f"{URL}/{calendar.pk}/refresh"), 403)
    problem(api.delete(f"{URL}/{calendar.pk}"), 403)
    assert ConnectedCalendar.objects.filter(pk=calendar.pk, calendars=[]).exists()


def test_the_schema_documents_every_operation_and_its_problems():
    schema = json.loads(ApiClient().get("/api/v1/openapi.json").content)
    paths = schema["paths"]
    assert set(paths[URL]) == {"get", "post"}
    assert set(paths[URL + "/{calendar_id}"]) == {"get", "patch", "delete"}
    assert set(paths[URL + "/{calendar_id}/refresh"]) == {"post"}
    assert {"201", "400", "401", "403", "422", "429"} <= set(paths[URL]["post"]["responses"])
    assert {"202", "404"} <= set(paths[URL + "/{calendar_id}/refresh"]["post"]["responses"])
