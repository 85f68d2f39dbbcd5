"""/me/tokens/<pk>/revoke/: only the token's own user revokes it; anyone else's is not there for them."""

import pytest
from django.urls import reverse

from accounts.api_tokens import api_token_create
from accounts.models import ApiToken

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def _token(user) -> ApiToken:
    token, _raw = api_token_create(user=user, name="script", scopes=[ApiToken.Scope.values[0]], expires_at=None)
    return token


def test_the_owner_revokes_their_token_and_the_list_still_shows_it(client, django_assert_max_num_queries):
    owner = UserFactory()
    token = _token(owner)
    client.force_login(owner)
    with django_assert_max_num_queries(6):
        answer = client.post(reverse("tokens:revoke", args=[token.pk]))
    assert answer.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.name in client.get(reverse("tokens:list")).content.decode()


def test_someone_elses_token_is_a_404_and_stays_live(client):
    token = _token(UserFactory())
    client.force_login(UserFactory())
    assert client.post(reverse("tokens:revoke", args=[token.pk])).status_code == 404
    assert client.post(reverse("tokens:revoke", args=[token.pk + 1000])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_anonymous_visitor_is_sent_to_log_in(client):
    token = _token(UserFactory())
    answer = client.post(reverse("tokens:revoke", args=[token.pk]))
    assert answer.status_code == 302 and "login" in answer["Location"]
    token.refresh_from_db()
    assert token.revoked_at is None
