import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.tests.factories import MembershipFactory
from venues.tests.factories import VenueStaffFactory

pytestmark = pytest.mark.django_db


def test_home_explains_the_product_and_links_every_area(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Find the dates everyone can play" in html
    for url in ["/bands/", "/venues/", "/slots/", "/accounts/signup/", "/accounts/login/"]:
        assert f'href="{url}"' in html, url
    # A visitor looking for a band finds the way at once; a visitor has no dashboard in the nav.
    assert '<a class="btn btn--ghost btn--lg" href="/bands/">Find a band for your event</a>' in html
    assert 'href="/dashboard/"' not in html
    assert ">Dashboard<" not in html


def test_the_nav_offers_the_dashboard_once_logged_in(client):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert 'href="/dashboard/"' in html and ">Dashboard<" in html


def test_every_link_on_the_home_page_resolves(client):
    import re

    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    html = client.get("/").content.decode()
    for href in set(re.findall(r'href="(/[^"]*)"', html)):
        if href.startswith("/static/"):
            continue
        status = client.get(href).status_code
        assert status in (200, 302), (href, status)


def test_dashboard_needs_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=/dashboard/"


@pytest.mark.parametrize("n", [1, 6])
def test_dashboard_lists_my_bands_and_venues_with_a_fixed_query_count(client, django_assert_max_num_queries, n):
    user = UserFactory(display_name="Mara")
    for i in range(n):
        MembershipFactory(user=user, band__name=f"Owls {i}", role="leader")
        VenueStaffFactory(user=user, venue__name=f"Keller {i}")
    MembershipFactory(user=user, band__name="Pending Band", band__status="pending")
    MembershipFactory(band__name="Someone Else's Band")
    client.force_login(user)
    # Ten, whatever the number of bands and venues: the tenth asks whether today is a tour day (decision 0110).
    with django_assert_max_num_queries(10):
        html = client.get(reverse("dashboard")).content.decode()
    assert "Hello, Mara" in html
    assert f"Owls {n - 1}" in html
    assert f"Keller {n - 1}" in html
    assert "Awaiting approval" in html
    assert "Someone Else" not in html


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_health_reports_database_and_cache(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_staff_can_use_the_user_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    other = UserFactory(email="someone@example.com")
    client.force_login(staff)
    assert client.get(reverse("admin:accounts_user_changelist") + "?q=someone").status_code == 200
    assert client.get(reverse("admin:accounts_user_change", args=[other.pk])).status_code == 200
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"email": "added@example.com", "password1": "staff-made-passphrase", "password2": "staff-made-passphrase"},
    )
    assert response.status_code == 302


def test_admin_refuses_non_staff(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url
