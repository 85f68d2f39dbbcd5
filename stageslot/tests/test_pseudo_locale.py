"""Every word of the site's own pages and the account pages is marked for translation: drawn in a
pseudo-locale that wraps each marked string (stageslot/tests/pseudo.py), no letters are left outside
the brackets but the page's data. Each role's pages: a visitor's, a musician's and a venue's owner."""

import pytest
from django.conf import settings

from accounts.models import User
from stageslot.tests import demo_once
from stageslot.tests.once import rows_for_the_module
from stageslot.tests.pseudo import PageData, database_words, pseudo_locale, unwrapped_text

# The demo world is seeded once for the module (`demo`): its tests run one after another in one process.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.xdist_group("pseudo_locale_demo"),
    pytest.mark.slow(reason="renders every page of its area in the pseudo-locale"),
]

VISITOR = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/no/such/page/",
    "/privacy/",
    "/imprint/",
    "/shows/",
]
SIGNED_IN = [
    "/dashboard/",
    "/me/profile/",
    "/notifications/",
    "/notifications/settings/",
    "/me/tokens/",
    "/me/data/",
    "/me/data/close/",
    "/accounts/email/",
    "/accounts/password/change/",
]
PEOPLE = ["mara@demo.stageslot.test", "kellerbar-owner@demo.stageslot.test", "client@demo.stageslot.test"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, pytestconfig):
    """The demo world, seeded once for the module (or copied from the run's first seed of it) and rolled back after
    it; its photos tiny (no words there). It gives the page data: the database's texts, and the operator's facts
    (imprint, privacy notice), data the operator sets as the database's texts are."""
    with rows_for_the_module(django_db_blocker):
        demo_once.seed(pytestconfig, pictures=False)
        yield PageData(database_words() | {value for value in settings.STAGESLOT_OPERATOR.values() if value})


def _unwrapped(client, url: str, data: PageData) -> list[str]:
    response = client.get(url)
    assert response.status_code in (200, 404), (url, response.status_code)
    return [f"{url}: {found}" for found in unwrapped_text(response.content.decode(), data=data)]


@pytest.mark.parametrize("url", VISITOR)
def test_a_visitor_reads_only_marked_words(client, demo, url):
    with pseudo_locale():
        found = _unwrapped(client, url, demo)
        assert found == [], "\n".join(found)


@pytest.mark.parametrize("email", PEOPLE)
@pytest.mark.parametrize("url", SIGNED_IN)
def test_a_signed_in_person_reads_only_marked_words(client, demo, email, url):
    client.force_login(User.objects.get(email=email))
    with pseudo_locale():
        found = _unwrapped(client, url, demo)
        assert found == [], "\n".join(found)
