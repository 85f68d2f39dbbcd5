"""Pages kept drawn for first visits (the sign-in page, a band's page): the same page as one drawn anew,
with each visitor's own CSRF token that signs them in; everything that makes a page of its own (a
message, a `next`, another language or zone, other settings, a change to the band) is drawn anew."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _page(client: Client, **extra) -> tuple[str, list[str]]:
    response = client.get(reverse("account_login"), **extra)
    assert response.status_code == 200
    page = response.content.decode()
    return TOKEN.sub("TOKEN", page), TOKEN.findall(page)


def test_first_visitors_get_the_same_page_each_with_a_token_of_their_own():
    first, first_tokens = _page(Client())
    second, second_tokens = _page(Client())
    assert first == second and "Sign In" in first
    assert len(first_tokens) == len(second_tokens) == 2  # the password form and the passkey form
    assert set(first_tokens).isdisjoint(second_tokens)


def test_the_token_of_a_kept_page_signs_in_with_csrf_checks_on():
    user = UserFactory()
    Client().get(reverse("account_login"))  # draws and keeps the page
    visitor = Client(enforce_csrf_checks=True)
    _page_text, tokens = _page(visitor)
    response = visitor.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD, "csrfmiddlewaretoken": tokens[0]}
    )
    assert response.status_code == 302 and response.url == reverse("dashboard")
    refused = Client(enforce_csrf_checks=True).post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD, "csrfmiddlewaretoken": tokens[0]}
    )
    assert refused.status_code == 403  # the token goes with its own visitor's cookie


def test_a_signed_out_person_sees_the_message_not_a_kept_page(client):
    Client().get(reverse("account_login"))
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("account_logout"))
    page = client.get(reverse("account_login")).content.decode()
    assert "You have signed out." in page


def test_a_next_address_is_carried_by_the_drawn_page():
    Client().get(reverse("account_login"))
    page = Client().get(reverse("account_login") + "?next=/me/profile/").content.decode()
    assert 'value="/me/profile/"' in page


def test_each_language_and_zone_gets_its_own_page():
    english, _ = _page(Client(), HTTP_ACCEPT_LANGUAGE="en")
    german, _ = _page(Client(), HTTP_ACCEPT_LANGUAGE="de")
    assert "Sign In" in english and "Anmelden" in german
    assert _page(Client(), HTTP_ACCEPT_LANGUAGE="en")[0] == english
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    visitor.cookies["stageslot_zone"] = "America/New_York"
    in_new_york, _ = _page(visitor)
    assert "America/New_York" in in_new_york and "America/New_York" not in english


def test_changed_settings_draw_the_page_anew(settings):
    before, _ = _page(Client())
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = not settings.ACCOUNT_LOGIN_BY_CODE_ENABLED
    after, _ = _page(Client())
    assert ("Email me a code" in before) != ("Email me a code" in after)


# ---- The band page, kept for first visits by its press kit ------------------------------------------


def test_a_bands_first_visitors_share_a_page_until_the_band_changes():
    from bands.tests.factories import BandFactory

    band = BandFactory(bio="We play on Fridays.")
    url = reverse("bands:detail", args=[band.slug])
    first = Client().get(url)
    second = Client().get(url)
    assert first.status_code == second.status_code == 200
    norm = [TOKEN.sub("TOKEN", r.content.decode()) for r in (first, second)]
    assert norm[0] == norm[1] and "We play on Fridays." in norm[0]
    assert TOKEN.findall(first.content.decode()) != TOKEN.findall(second.content.decode())
    band.bio = "Now on Saturdays too."
    band.save()
    changed = Client().get(url).content.decode()
    assert "Now on Saturdays too." in changed and "We play on Fridays." not in changed


def test_a_band_in_review_stays_hidden_from_first_visitors():
    from bands.models import ApprovalStatus
    from bands.tests.factories import BandFactory

    band = BandFactory()
    url = reverse("bands:detail", args=[band.slug])
    assert Client().get(url).status_code == 200
    band.status = ApprovalStatus.SUSPENDED
    band.save()
    assert Client().get(url).status_code == 404


def test_a_member_gets_their_own_page_not_the_visitors_copy(client):
    from bands.tests.factories import BandFactory, MembershipFactory

    band = BandFactory()
    url = reverse("bands:detail", args=[band.slug])
    Client().get(url)
    member = MembershipFactory(band=band).user
    client.force_login(member)
    page = client.get(url).content.decode()
    assert "Log in" not in page and "Request this band for a private event" not in page
