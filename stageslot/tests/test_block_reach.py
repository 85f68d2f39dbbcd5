"""A block reaches every door (decisions 0081, 0096): a follow, an ask to come, a reply by email and a file are
refused between two sides one of which blocked the other, and the API's searches and profiles leave a blocked
band or venue out as the site's do. The discovering walks of every page, API operation and two-party model are
in test_block_discovery.py."""

import base64
import html

import pytest
from django.urls import reverse

from accounts.models import Block, InboundMail, PartyKind
from bookings.models import BookingFile, Message
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.test_detail_views import make_world
from bookings.tests.test_mail_replies import bounce_to, inbound, send
from bookings.tests.test_mail_replies import thread as thread
from fans.models import Ask, Follow
from fans.tests.world import city

pytestmark = pytest.mark.django_db

API = "/api/v1"
REFUSED = "can't be contacted through StageSlot"


def block(blocker, blocked) -> Block:
    kinds = {"User": PartyKind.USER, "Band": PartyKind.BAND, "Venue": PartyKind.VENUE}
    return Block.objects.create(
        blocker_kind=kinds[type(blocker).__name__].value,
        blocker_id=blocker.pk,
        blocked_kind=kinds[type(blocked).__name__].value,
        blocked_id=blocked.pk,
    )


@pytest.fixture
def w():
    world = make_world()
    world.berlin = city("Berlin")
    return world


def test_a_client_the_band_blocked_neither_follows_nor_asks_it_on_the_site_or_the_api(client, w):
    block(w.band, w.client)
    client.force_login(w.client)
    follow = client.post(reverse("fans:follow", args=["band", w.band.pk]), {"on": "1"}, HTTP_HX_REQUEST="true")
    assert follow.status_code == 409 and REFUSED in html.unescape(follow.content.decode())
    ask = client.post(reverse("fans:ask", args=[w.band.pk]), {"city": "Berlin"}, HTTP_HX_REQUEST="true")
    assert ask.status_code == 409 and REFUSED in html.unescape(ask.content.decode())
    api = ApiClient(token_for(w.client, ["read", "follows"]))
    assert api.post(f"{API}/me/follows", {"kind": "band", "slug": w.band.slug}).status_code == 409
    assert api.post(f"{API}/me/asks", {"band": w.band.slug, "city": str(w.berlin.pk)}).status_code == 409
    assert not Follow.objects.exists() and not Ask.objects.exists()
    # The other band is open to her, and so is the band once the block is lifted.
    assert api.post(f"{API}/me/follows", {"kind": "band", "slug": w.other_band.slug}).status_code == 200
    Block.objects.all().delete()
    assert api.post(f"{API}/me/asks", {"band": w.band.slug, "city": str(w.berlin.pk)}).status_code == 200


def test_a_member_s_block_of_a_fan_holds_for_the_band_and_a_venue_s_block_for_its_follows(client, w):
    block(w.member, w.client)
    block(w.venue, w.other_client)
    client.force_login(w.client)
    assert client.post(reverse("fans:follow", args=["band", w.band.pk])).status_code == 409
    client.force_login(w.other_client)
    assert client.post(reverse("fans:follow", args=["venue", w.venue.pk])).status_code == 409
    assert not Follow.objects.exists()


def test_the_api_leaves_a_blocked_band_and_venue_out_of_its_searches_and_profiles(w):
    api = ApiClient(token_for(w.client, ["read"]))

    def shown() -> dict[str, bool]:
        bands = {b["slug"] for b in api.get(f"{API}/bands", {"limit": 50}).json()["items"]}
        venues = {v["slug"] for v in api.get(f"{API}/venues", {"limit": 50}).json()["items"]}
        return {
            "band in search": w.band.slug in bands,
            "band page": api.get(f"{API}/bands/{w.band.slug}").status_code == 200,
            "band month": api.get(f"{API}/bands/{w.band.slug}/availability").status_code == 200,
            "venue in search": w.venue.slug in venues,
            "venue page": api.get(f"{API}/venues/{w.venue.slug}").status_code == 200,
        }

    assert set(shown().values()) == {True}
    block(w.client, w.band)
    block(w.venue, w.client)
    assert set(shown().values()) == {False}
    # A visitor still sees both; the blocked band's own leader sees their band.
    assert ApiClient().get(f"{API}/bands/{w.band.slug}").status_code == 200
    assert ApiClient(token_for(w.leader, ["read"])).get(f"{API}/bands/{w.band.slug}").status_code == 200


def test_the_site_s_band_and_venue_pages_are_a_404_to_whom_a_block_hides_them(client, w):
    block(w.client, w.band)
    block(w.venue, w.client)
    client.force_login(w.client)
    assert client.get(reverse("bands:detail", args=[w.band.slug])).status_code == 404
    assert client.get(reverse("venues:detail", args=[w.venue.slug])).status_code == 404
    assert client.get(reverse("bands:detail", args=[w.other_band.slug])).status_code == 200
    client.force_login(w.leader)
    assert client.get(reverse("bands:detail", args=[w.band.slug])).status_code == 200


def test_a_blocked_side_s_reply_by_email_is_refused_with_a_bounce_and_nothing_is_posted(
    thread, django_capture_on_commit_callbacks
):
    block(thread.band, thread.venue)
    before = Message.objects.count()
    payload = inbound(sender=thread.owner.email, to=thread.address, text="Six is fine.")
    assert send(payload, django_capture_on_commit_callbacks).status_code == 200  # no retry loop
    row = InboundMail.objects.get()
    assert row.state == InboundMail.State.REFUSED and REFUSED in row.problem
    assert Message.objects.count() == before
    assert REFUSED in bounce_to(thread.owner.email)


def test_a_blocked_side_s_attachment_by_email_is_refused_too(thread, django_capture_on_commit_callbacks):
    block(thread.owner, thread.band)
    payload = inbound(sender=thread.owner.email, to=thread.address, text="")
    payload["Attachments"] = [
        {
            "Name": "rider.pdf",
            "Content": base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode(),
            "ContentType": "application/pdf",
        }
    ]
    assert send(payload, django_capture_on_commit_callbacks).status_code == 200
    assert InboundMail.objects.get().state == InboundMail.State.REFUSED
    assert not BookingFile.objects.exists()


def test_a_venue_cannot_hold_a_date_for_a_band_that_blocked_it():
    from holds.models import Hold
    from holds.services import HoldError
    from holds.tests.factories import hold_world
    from holds.tests.test_services import place

    w = hold_world()
    block(w.bands[0], w.venue)
    with pytest.raises(HoldError) as refused:
        place(w, w.bands[0])
    assert REFUSED in str(refused.value) and not Hold.objects.exists()
    place(w, w.bands[1])  # another band is held as before


def test_a_review_and_a_reply_across_a_block_are_refused():
    from reviews.models import Review
    from reviews.services import ReviewError, review_reply
    from reviews.tests.factories import completed_gig, review_of

    gig = completed_gig()
    review_of(gig["booking"], gig["leader"], "venue")
    review_of(gig["booking"], gig["owner"], "band")  # both in: published
    published = Review.objects.get(booking=gig["booking"], author_side="band")
    block(gig["venue"], gig["band"])
    with pytest.raises(ReviewError, match=REFUSED):
        review_reply(review=published, by=gig["owner"], text="Thank you, come again soon.")
    other = completed_gig(band=gig["band"], venue=gig["venue"])
    with pytest.raises(ReviewError, match=REFUSED):
        review_of(other["booking"], other["leader"], "venue")
    assert not Review.objects.filter(booking=other["booking"]).exists()
