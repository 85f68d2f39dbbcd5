"""The API answers every fault as application/problem+json: a 500 for a bug, a 503 with Retry-After
while the database is away (also when it fails before any view runs), never the HTML error page."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

from bookings.tests.api_helpers import token_for

pytestmark = pytest.mark.django_db


def _database_away(execute, sql, params, many, context):
    raise OperationalError("could not connect to server: Connection refused")


def test_a_bug_in_an_operation_is_a_500_problem_without_internals(monkeypatch):
    def broken(**filters):
        raise RuntimeError("secret internals: /srv/stageslot/settings.py")

    monkeypatch.setattr("bookings.api.search.band_search", broken)
    response = Client(raise_request_exception=False).get("/api/v1/bands")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 500 and body["title"] == "Internal server error"
    assert "internals" not in body["detail"]


def test_the_database_going_away_during_an_operation_is_a_503_problem_with_retry_after():
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(_database_away):
        response = client.get("/api/v1/bands")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    assert response.json()["title"] == "Service unavailable"


def test_the_database_going_away_before_any_view_runs_is_still_a_503_problem(django_user_model):
    user = django_user_model.objects.create_user(email="api@example.com", password="x" * 12)
    raw = token_for(user)
    client = Client(raise_request_exception=False)
    client.force_login(user)  # the session and user middleware read the database before the API does
    with connection.execute_wrapper(_database_away):
        response = client.get("/api/v1/me/notifications", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 503, response.content[:200]
    assert response["Content-Type"] == "application/problem+json"


def test_pages_keep_their_html_500_page():
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(_database_away):
        response = client.get("/bands/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_unknown_api_addresses_and_methods_are_problems_too():
    client = Client()
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    wrong = client.delete("/api/v1/bands")
    assert wrong.status_code == 405 and wrong["Content-Type"] == "application/problem+json"
