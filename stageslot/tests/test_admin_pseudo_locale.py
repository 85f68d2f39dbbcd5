"""The staff screens' own words are marked for translation: the site's titles, the lists' columns,
filters and actions, the record pages' sections, the pages an action asks its input on, and the notices
an action leaves.

The names of models and their fields are marked in the models, so they must come through wrapped too. A
record's name (its __str__, which may hold names people gave it) is taken as the page's data here, as are
the few words Django's admin draws unmarked itself (the boolean icons' alt text, the search icon's, and
the name Django gives an automatic primary key).
"""

import uuid

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.hashers import identify_hasher
from django.template.defaultfilters import truncatewords
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from bands.models import Genre
from bands.tests.pseudo_pages import page_data
from reviews.models import Review
from reviews.tests.factories import completed_gig, review_of
from stageslot.tests.pseudo import PageData, pseudo_locale, unwrapped_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow(reason="renders every staff page in the pseudo-locale")]

DJANGOS_OWN = {"True", "False", "Unknown", "Search", "ID"}


def model_words() -> set[str]:
    """Every record's name and uid, and the password hashes' summaries, as the admin draws them (in the
    active language)."""
    words = set(DJANGOS_OWN)
    for model in apps.get_models():
        opts = model._meta
        for row in model._default_manager.all()[:50]:
            words |= {str(row), truncatewords(str(row), 18)}
            uids = [getattr(row, f.attname) for f in opts.concrete_fields]
            words |= {str(v) for v in uids if isinstance(v, uuid.UUID)} | {
                str(v)[:8] for v in uids if isinstance(v, uuid.UUID)
            }
    for password in User.objects.values_list("password", flat=True):
        words |= {str(v) for v in identify_hasher(password).safe_summary(password).values()}
    return words


def unmarked(client, requests: list[tuple[str, dict | None]]) -> dict[str, list[str]]:
    """{url: [unwrapped text…]} for each (url, POST data or None for a GET), drawn in the pseudo-locale."""
    out = {}
    with pseudo_locale():
        data = PageData(page_data() | model_words())
        for url, post in requests:
            response = client.post(url, post, follow=True) if post is not None else client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            found = unwrapped_text(response.content.decode(), data=data)
            if found:
                out[f"{url} {post or ''}"] = [str(f) for f in found]
    return out


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_every_staff_list_and_record_page_is_marked(staff_client):
    gig = completed_gig()
    review_of(gig["booking"], gig["owner"], "band", 4)
    requests: list[tuple[str, dict | None]] = [(reverse("admin:index"), None)]
    for model in admin.site._registry:
        opts = model._meta
        requests.append((reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), None))
        first = model._default_manager.first()
        if first is not None:
            requests.append((reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]), None))
    requests.append((reverse("admin:bookings_booking_resolve", args=[gig["booking"].pk]), None))
    assert unmarked(staff_client, requests) == {}


def test_the_action_pages_and_notices_are_marked(staff_client):
    gig = completed_gig()
    review_of(gig["booking"], gig["owner"], "band", 4)
    band, venue = gig["band"], gig["venue"]
    review = Review.objects.get()
    genres = [
        Genre.objects.create(name="Krautrock", slug="krautrock"),
        Genre.objects.create(name="Kraut", slug="kraut"),
    ]

    def action(changelist: str, name: str, objects: list, **extra) -> tuple[str, dict]:
        url = reverse(f"admin:{changelist}_changelist")
        return url, {"action": name, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra}

    requests = [
        action("bands_genre", "merge_genres", genres),
        action("bands_genre", "merge_genres", genres, apply="yes", target=genres[0].pk),
        action("bands_band", "suspend", [band]),
        action("bands_band", "suspend", [band], apply="yes", reason="Impersonates another band."),
        action("bands_band", "return_to_review", [band]),
        action("bands_band", "approve", [band]),
        action("bands_band", "match_city", [band]),
        action("venues_venue", "suspend", [venue]),
        action("venues_venue", "approve", [venue]),
        action("reviews_review", "hide", [review]),
        action("reviews_review", "hide", [review], apply="yes", reason="It insults a person."),
        action("reviews_review", "restore", [review]),
        action("reviews_review", "confirm_no_show", [review]),
    ]
    assert unmarked(staff_client, requests) == {}
