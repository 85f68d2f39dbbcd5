"""Tokens and calls for the API tests."""

import datetime as dt

from django.test import Client
from django.utils import timezone

from accounts.api_tokens import api_token_create

ALL_SCOPES = [
    "read",
    "bookings",
    "availability",
    "packages",
    "shows",
    "reviews",
    "messages",
    "plans",
    "payments",
    "follows",
]


def token_for(user, scopes=None, *, expires_in: dt.timedelta | None = None, second_factor: bool = True) -> str:
    """A token for `user`. One with the money scope expires within 90 days, as it must, and was made right
    after a second factor unless `second_factor` is False."""
    scopes = scopes or ALL_SCOPES
    if expires_in is None and "payments" in scopes:
        expires_in = dt.timedelta(days=30)
    expires_at = timezone.now() + expires_in if expires_in else None
    _token, raw = api_token_create(
        user=user,
        name="test",
        scopes=scopes,
        expires_at=expires_at,
        second_factor_at=timezone.now() if second_factor else None,
    )
    return raw


class ApiClient:
    """A test client that sends a token with every call and JSON bodies."""

    def __init__(self, raw: str | None = None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"} if raw else {}

    def get(self, path: str, params=None, headers=None):
        return self.client.get(path, params or {}, headers={**self.headers, **(headers or {})})

    def post(self, path: str, body=None):
        return self.client.post(path, body or {}, content_type="application/json", headers=self.headers)

    def put(self, path: str, body=None):
        return self.client.put(path, body or {}, content_type="application/json", headers=self.headers)

    def patch(self, path: str, body=None):
        return self.client.patch(path, body or {}, content_type="application/json", headers=self.headers)

    def delete(self, path: str):
        return self.client.delete(path, headers=self.headers)
