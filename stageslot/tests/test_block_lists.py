"""Every list and search that shows one party to another passes the one filter (accounts.blocks.hidden_from,
decisions 0081, 0096), found by walking every page of the site and every read of the API.

A person, a band and a venue with a public show: the walk asks every route of the site that takes no argument
and every GET operation of /api/v1 without a path parameter, as the person, and keeps those that name the band
or the venue. After the person blocks the band and the venue blocks the person, none of them names either –
but the list of one's own blocks, which is there to name them."""

import pytest
from django.urls import NoReverseMatch, get_resolver, reverse

from accounts.models import Block, PartyKind
from accounts.tests.factories import UserFactory
from bookings.api.urls import api
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import band_with_leader, venue_with_owner
from fans.tests.world import booked_show, city
from stageslot.tests.test_abuse import all_url_names

pytestmark = pytest.mark.django_db

BAND, VENUE = "Quorvax Ensemble", "Vellmoor Hall"
# The pages that name whom one blocked, by design.
NAMES_THE_BLOCKED = {"/me/blocks/"}


def site_pages() -> list[str]:
    """Every route of the site without an argument (its own or its includes'), but the staff's admin and the
    API (walked with a token)."""
    pages = []
    for name, _pattern in all_url_names():
        try:
            path = reverse(name)
        except NoReverseMatch:  # it takes an argument
            continue
        if not path.startswith(("/admin/", "/api/")):
            pages.append(path)
    return pages


def api_reads() -> list[str]:
    get_resolver().url_patterns  # noqa: B018 – the routers are mounted when the URLconf loads
    schema = api.get_openapi_schema()
    return sorted(path for path, methods in schema["paths"].items() if "get" in methods and "{" not in path)


def naming(get, paths: list[str]) -> set[str]:
    found = set()
    for path in paths:
        response = get(path)
        if response.status_code == 200 and not response.streaming:
            body = response.content.decode(errors="replace")
            if BAND in body or VENUE in body:
                found.add(path)

    return found


@pytest.mark.slow  # every page of the site and every read of the API, twice
def test_no_list_or_search_shows_a_blocked_band_or_venue(client):
    berlin = city("Berlin")
    band, _leader = band_with_leader(name=BAND, slug="quorvax", place=berlin)
    venue, _owner = venue_with_owner(name=VENUE, slug="vellmoor", place=berlin)
    booked_show(band, venue=venue, days=5)
    person = UserFactory(display_name="Pia Person")
    client.force_login(person)
    api_client = ApiClient(token_for(person, ["read", "follows"]))
    pages, reads = site_pages(), api_reads()
    assert len(pages) > 60 and len(reads) > 15
    shown_pages, shown_reads = naming(client.get, pages), naming(api_client.get, reads)
    # The walk sees them where a visitor looks: the searches and the lists of shows, on the site and the API.
    assert {reverse("bands:search"), reverse("venues:search")} <= shown_pages, shown_pages
    assert {"/api/v1/bands", "/api/v1/venues"} <= shown_reads, shown_reads
    Block.objects.create(
        blocker_kind=PartyKind.USER, blocker_id=person.pk, blocked_kind=PartyKind.BAND, blocked_id=band.pk
    )
    Block.objects.create(
        blocker_kind=PartyKind.VENUE, blocker_id=venue.pk, blocked_kind=PartyKind.USER, blocked_id=person.pk
    )
    still = naming(client.get, sorted(shown_pages | NAMES_THE_BLOCKED)) - NAMES_THE_BLOCKED
    still |= naming(api_client.get, sorted(shown_reads))
    assert not still, f"Lists that still show a blocked band or venue: {sorted(still)}"
    assert naming(client.get, sorted(NAMES_THE_BLOCKED)) == NAMES_THE_BLOCKED
