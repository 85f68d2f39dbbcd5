"""The money pages: a band's (its leaders and admins), one gig's with its split, a member's earnings, a
payer's payments; who may see each, what they show, and queries that do not grow with the rows."""

import html
import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.tests.pseudo_pages import words_left_unmarked
from bookings.services import asking
from bookings.tests.factories import in_days
from payments.models import MemberSplit
from payments.services.payouts import payout_record

from .money_world import agreed, money_world, pay_next

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = money_world()
    w.gig = agreed(w.request, band_side=w.leader, other_side=w.client)
    w.deposit = pay_next(w.gig, by=w.client)  # 240.00 EUR: 36.00 fee, 204.00 the band's
    w.stranger = UserFactory(display_name="Sam Stranger")
    return w


def get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def test_the_band_page_is_for_its_leaders_and_admins(client, world):
    url = reverse("payments:band_money", args=[world.band.slug])
    for who in (world.leader, world.admin):
        page = text(get(client, who, url))
        assert "204 EUR" in page  # earned and owed: the band's share of the deposit
        assert "560 EUR" in page  # upcoming: the balance still to be paid
        assert "Deposit: 240 EUR · Paid" in page
        assert "Max Member:" in page
        assert reverse("payments:band_gig", args=[world.band.slug, world.gig.uid]) in page
    for who in (world.member, world.other_leader, world.stranger, world.client, world.owner):
        assert get(client, who, url).status_code == 403
    anonymous = get(client, None, url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_manage_menu_leads_to_the_money_pages(client, world):
    leader = text(get(client, world.leader, reverse("bands:members", args=[world.band.slug])))
    assert reverse("payments:band_money", args=[world.band.slug]) in leader
    member = text(get(client, world.member, reverse("bands:members", args=[world.band.slug])))
    assert reverse("payments:band_money", args=[world.band.slug]) not in member
    assert reverse("payments:my_earnings") in member


def test_a_gig_page_shows_its_ledger_and_is_only_for_the_bands_leaders(client, world):
    url = reverse("payments:band_gig", args=[world.band.slug, world.gig.uid])
    page = text(get(client, world.admin, url))
    assert "Platform fee" in page and "Band's share" in page and "Member's share" in page
    assert "Balance of 560 EUR due" in page
    assert 'name="share_' in page
    for who in (world.member, world.other_leader, world.stranger, world.client):
        assert get(client, who, url).status_code == 403
        client.logout()
        client.force_login(who)
        assert client.post(url, {}).status_code == 403
    assert get(client, None, url).status_code == 302
    # Another band's gig under this band's address is not found; nor is this gig under another band's.
    other = agreed(world.application, band_side=world.leader, other_side=world.owner)
    other_band_url = reverse("payments:band_gig", args=[world.other_band.slug, other.uid])
    assert get(client, world.other_leader, other_band_url).status_code == 404


def test_a_leader_sets_the_split_and_a_bad_one_changes_nothing(client, world):
    url = reverse("payments:band_gig", args=[world.band.slug, world.gig.uid])
    client.force_login(world.leader)
    people = [world.leader, world.member, world.admin]
    bad = client.post(url, {f"share_{u.pk}": v for u, v in zip(people, ["50", "30", "30"], strict=True)})
    assert bad.status_code == 400
    assert "The shares add up to 110 %; they must add up to 100 %" in text(bad)
    assert not MemberSplit.objects.exists()
    good = client.post(url, {f"share_{u.pk}": v for u, v in zip(people, ["50", "30", "20"], strict=True)})
    assert good.status_code == 302
    assert dict(MemberSplit.objects.values_list("member_id", "percent")) == {
        world.leader.pk: 50,
        world.member.pk: 30,
        world.admin.pk: 20,
    }
    page = text(client.get(url))
    assert "The band set this gig's split." in page
    assert "shares already posted stay as they were posted" in page


def test_a_member_reads_their_own_earnings(client, world):
    url = reverse("payments:my_earnings")
    page = text(get(client, world.member, url))
    assert "68 EUR" in page  # a third of 204.00
    assert "The Night Shift for Anna Client: wedding" in page
    for who in (world.stranger, world.client, world.other_leader):
        assert "No gig has paid you a share yet." in text(get(client, who, url))
    assert get(client, None, url).status_code == 302


def test_a_payer_reads_what_they_paid_and_what_is_due(client, world):
    url = reverse("payments:paid")
    page = text(get(client, world.client, url))
    assert "paid 240 EUR" in page and "Balance of 560 EUR due" in page
    assert reverse("payments:booking", args=[world.gig.uid]) in page
    # The venue pays for its own gigs: the application agreed and its deposit paid by the venue.
    venue_gig = agreed(world.application, band_side=world.leader, other_side=world.owner)
    pay_next(venue_gig, by=world.owner)
    venue_page = text(get(client, world.owner, url))
    assert "The Night Shift at Kellerbar" in venue_page and "Wedding" not in venue_page
    for who in (world.other_client, world.other_owner, world.stranger, world.member):
        assert "No booking of yours has money on it yet." in text(get(client, who, url))
    assert get(client, None, url).status_code == 302


def test_the_dashboard_shows_each_role_its_totals(client, world):
    leader = text(get(client, world.leader, reverse("dashboard")))
    assert "Your bands' money" in leader and "204 EUR" in leader and "560 EUR" in leader
    client_page = text(get(client, world.client, reverse("dashboard")))
    assert "Your events: payments" in client_page and "240 EUR" in client_page and "560 EUR" in client_page
    assert "Your bands' money" not in client_page
    member = text(get(client, world.member, reverse("dashboard")))
    assert "Your earnings" in member and "68 EUR" in member and "Your bands' money" not in member
    stranger = text(get(client, world.stranger, reverse("dashboard")))
    assert "Your bands' money" not in stranger and "Your earnings" not in stranger


def _more_gigs(world, count: int) -> None:
    for i in range(count):
        request = asking.booking_request(
            band=world.band,
            client=world.client,
            starts_at=in_days(40 + i, 17),
            ends_at=in_days(40 + i, 22),
            time_zone="Europe/Berlin",
            event_type="Party",
            location="Berlin",
            guests=50,
            fee=800,
            message="",
        )
        pay_next(agreed(request, band_side=world.leader, other_side=world.client), by=world.client)


@pytest.mark.parametrize("more", [0, 6])
def test_the_pages_cost_the_same_queries_with_more_gigs(client, world, django_assert_max_num_queries, more):
    _more_gigs(world, more)
    # session and user; then the band page: band, membership, its totals (3), the gigs (count, page,
    # their payments), the members' shares, the payouts; the gig page: band, membership, the gig, its
    # members, split and posted shares, its payments and their refunds, its ledger
    pages = [
        (world.leader, reverse("payments:band_money", args=[world.band.slug]), 12),
        (world.leader, reverse("payments:band_gig", args=[world.band.slug, world.gig.uid]), 11),
        (world.member, reverse("payments:my_earnings"), 6),
        (world.client, reverse("payments:paid"), 7),
    ]
    for user, url, budget in pages:
        client.force_login(user)
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200


def test_every_word_of_the_money_pages_is_marked(client, world):
    payout_record(band=world.band, amount_minor=5000, currency="EUR", reference="SEPA-1", by=UserFactory(is_staff=True))
    venue_gig = agreed(world.application, band_side=world.leader, other_side=world.owner)
    pay_next(venue_gig, by=world.owner)
    pages = {
        world.leader: [
            reverse("payments:band_money", args=[world.band.slug]),
            reverse("payments:band_gig", args=[world.band.slug, world.gig.uid]),
            reverse("dashboard"),
        ],
        world.member: [reverse("payments:my_earnings"), reverse("dashboard")],
        world.client: [reverse("payments:paid"), reverse("dashboard")],
        world.owner: [reverse("payments:paid"), reverse("dashboard")],
        world.stranger: [reverse("payments:paid"), reverse("payments:my_earnings")],
    }
    for user, urls in pages.items():
        client.force_login(user)
        assert words_left_unmarked(client, urls) == {}, user
