import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus, Membership
from bands.tests.factories import (
    BandEmbedFactory,
    BandFactory,
    BandPhotoFactory,
    GenreFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


def page(client, band):
    return client.get(reverse("bands:detail", args=[band.slug]))


@pytest.fixture
def band():
    band = BandFactory(
        name="The Night Owls",
        slug="night-owls",
        tagline="Four-piece indie rock from Kreuzberg",
        bio="We started in a basement.\n\nNow we play festivals.\nAnd weddings.",
        city="Berlin",
        region="Berlin",
        country="DE",
        fee_min=800,
        fee_max=1500,
        currency="EUR",
        set_length_minutes=75,
        rider="Own backline.\nNeed 4 DI boxes.",
        website="https://nightowls.example.com",
        instagram="https://instagram.com/nightowls",
        genres=[GenreFactory(name="Indie", slug="indie")],
    )
    MembershipFactory(
        band=band,
        user=UserFactory(display_name="Mara Lindqvist", email="mara@secret.example"),
        role=Membership.Role.LEADER,
        instrument="Vocals, guitar",
    )
    MembershipFactory(
        band=band,
        user=UserFactory(display_name="", email="quietdrummer@hidden.example"),
        instrument="Drums",
    )
    return band


def test_public_press_kit_shows_everything_a_booker_needs(client, band):
    BandPhotoFactory(band=band, caption="Live at SO36")
    BandEmbedFactory(band=band, provider="spotify", embed_url="https://open.spotify.com/embed/album/abc", title="")
    response = page(client, band)
    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "The Night Owls",
        "Four-piece indie rock from Kreuzberg",
        "Indie",
        "Germany",
        "800–1,500 EUR",
        "75 minutes",
    ]:
        assert text in html, text
    assert "<dd>Berlin, Germany</dd>" in html
    assert "<p>We started in a basement.</p>" in html
    assert "<p>Now we play festivals.<br>And weddings.</p>" in html
    assert "Need 4 DI boxes." in html
    assert 'alt="Live at SO36"' in html
    assert "Vocals, guitar" in html and "Drums" in html
    assert "Mara Lindqvist" in html


def test_members_are_listed_leaders_first(client, band):
    MembershipFactory(band=band, user=UserFactory(display_name="Ada Admin"), role=Membership.Role.ADMIN)
    html = page(client, band).content.decode()
    assert html.index("Mara Lindqvist") < html.index("Ada Admin") < html.index("Band member")


def test_members_are_shown_by_display_name_never_by_email(client, band):
    html = page(client, band).content.decode()
    assert "mara@secret.example" not in html
    assert "quietdrummer" not in html
    assert "@hidden.example" not in html and "@secret.example" not in html
    assert "Band member" in html


def test_bio_is_plain_text_and_html_in_it_is_escaped(client):
    band = BandFactory(bio='<script>alert("owls")</script>\n\n<b>bold</b> claims', rider="<img src=x onerror=alert(1)>")
    html = page(client, band).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;owls&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; claims" in html
    assert "<img src=x" not in html


def test_embeds_are_sandboxed_lazy_iframes_with_titles(client, band):
    BandEmbedFactory(band=band, provider="spotify", embed_url="https://open.spotify.com/embed/album/abc", title="")
    BandEmbedFactory(band=band, title="Live at the Lido")
    html = page(client, band).content.decode()
    frames = re.findall(r"<iframe[^>]*>", html)
    assert len(frames) == 2
    for frame in frames:
        assert 'sandbox="allow-scripts allow-same-origin allow-popups allow-presentation"' in frame
        assert 'loading="lazy"' in frame
    spotify, youtube = frames
    assert 'src="https://open.spotify.com/embed/album/abc"' in spotify
    assert 'title="Spotify player: The Night Owls"' in spotify and 'height="152"' in spotify
    assert 'title="Live at the Lido"' in youtube and 'class="embed__video"' in youtube and "height=" not in youtube


def test_links_open_in_a_new_tab_without_passing_rank_or_opener(client, band):
    html = page(client, band).content.decode()
    links = re.findall(r'<a class="link-list__item[^"]*"\s+href="([^"]+)"\s+rel="([^"]+)"\s+target="([^"]+)"', html)
    assert links == [
        ("https://nightowls.example.com", "noopener nofollow", "_blank"),
        ("https://instagram.com/nightowls", "noopener nofollow", "_blank"),
    ]


def test_unknown_band_is_404(client):
    assert client.get(reverse("bands:detail", args=["nobody"])).status_code == 404


@pytest.mark.parametrize("status", [ApprovalStatus.PENDING, ApprovalStatus.SUSPENDED])
def test_unlisted_band_is_404_for_anonymous_and_strangers(client, status):
    band = BandFactory(status=status, status_reason="Spam")
    MembershipFactory(band=band)
    assert page(client, band).status_code == 404
    client.force_login(UserFactory())
    assert page(client, band).status_code == 404
    client.force_login(MembershipFactory(band=BandFactory()).user)
    assert page(client, band).status_code == 404


def test_pending_band_is_visible_to_its_members_with_a_banner(client):
    band = BandFactory(status=ApprovalStatus.PENDING)
    client.force_login(MembershipFactory(band=band).user)
    response = page(client, band)
    assert response.status_code == 200
    assert "Awaiting approval" in response.content.decode()
    assert "not listed publicly yet" in response.content.decode()


def test_suspended_band_shows_its_members_the_reason(client):
    band = BandFactory(status=ApprovalStatus.SUSPENDED, status_reason="Photos we do not own; replace them, please.")
    client.force_login(MembershipFactory(band=band).user)
    html = page(client, band).content.decode()
    assert "Suspended" in html
    assert "Photos we do not own; replace them, please." in html


@pytest.mark.parametrize("status", [ApprovalStatus.PENDING, ApprovalStatus.SUSPENDED])
def test_staff_can_see_unlisted_bands(client, status):
    band = BandFactory(status=status)
    client.force_login(UserFactory(is_staff=True))
    response = page(client, band)
    assert response.status_code == 200
    assert reverse("admin:bands_band_change", args=[band.pk]) in response.content.decode()


@pytest.mark.parametrize(
    ("role", "sees_manage"),
    [(Membership.Role.LEADER, True), (Membership.Role.ADMIN, True), (Membership.Role.MEMBER, False)],
)
def test_manage_link_only_for_leaders_and_admins(client, band, role, sees_manage):
    client.force_login(MembershipFactory(band=band, role=role).user)
    html = page(client, band).content.decode()
    assert ("Manage band" in html) is sees_manage
    assert (f'href="/bands/{band.slug}/manage/"' in html) is sees_manage


def test_anonymous_sees_no_manage_or_admin_link(client, band):
    html = page(client, band).content.decode()
    assert "Manage band" not in html and "/admin/" not in html


def grow(band, members: int, photos: int, embeds: int) -> None:
    MembershipFactory.create_batch(members, band=band)
    BandPhotoFactory.create_batch(photos, band=band)
    BandEmbedFactory.create_batch(embeds, band=band)


def kit_queries() -> int:
    """The press kit's statements as executed: five (the band, genres, photos, embeds, members with users),
    sent as one on PostgreSQL (core.db.prepared.fetch_rows_together)."""
    from django.db import connection

    return 1 if connection.vendor == "postgresql" else 5


def test_the_kit_is_one_round_trip_on_postgresql_and_the_same_rows(band):
    from django.db import connection

    from bands.selectors import press_kit_rows

    grow(band, 3, 2, 1)
    found = press_kit_rows(slug=band.slug)
    assert [len(found.genres.rows), len(found.photos.rows), len(found.embeds.rows)] == [
        band.genres.count(), 2, 1,
    ]  # fmt: skip
    assert len(found.members.rows) == band.memberships.count()
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        again = press_kit_rows(slug=band.slug)
    assert len(queries) == kit_queries() and again.digest == found.digest


@pytest.mark.parametrize(("members", "photos", "embeds"), [(0, 0, 0), (12, 8, 5)])
def test_press_kit_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, band, members, photos, embeds):
    grow(band, members, photos, embeds)
    # band, genres, photos, embeds, members with users: one round trip on PostgreSQL
    with django_assert_max_num_queries(kit_queries()):
        assert page(client, band).status_code == 200
    client.force_login(band.memberships.first().user)
    with django_assert_max_num_queries(2 + kit_queries()):
        assert page(client, band).status_code == 200


# ---- What every visitor sees alike is drawn once per kit ------------------------------------------------


def test_a_change_to_anything_the_page_shows_shows_at_once(client, band):
    """The page's shared parts are kept by a digest of all they show: a change is a new digest, so the
    next request draws it; nothing stale is ever served."""
    assert "Mara Lindqvist" in page(client, band).content.decode()
    leader = band.memberships.get(role=Membership.Role.LEADER)
    leader.user.display_name = "Mara L."
    leader.user.save()
    photo = BandPhotoFactory(band=band, caption="Live at the Kellerbar")
    body = page(client, band).content.decode()
    assert "Mara L." in body and "Mara Lindqvist" not in body
    assert "Live at the Kellerbar" in body
    photo.caption = "Live at the Lantern"
    photo.save()
    band.tagline = "Now a five-piece"
    band.save()
    type(band).objects.filter(pk=band.pk).update(rating_count=3, rating_average=4.7)  # a write that skips save()
    body = page(client, band).content.decode()
    assert "Live at the Lantern" in body and "Now a five-piece" in body and "Live at the Kellerbar" not in body
    assert "4.7" in body


def test_what_depends_on_the_visitor_is_never_shared(client, band):
    leader = band.memberships.get(role=Membership.Role.LEADER).user
    stranger = UserFactory()
    client.force_login(leader)
    assert "Manage band" in page(client, band).content.decode()
    client.force_login(stranger)
    body = page(client, band).content.decode()
    assert "Manage band" not in body and "Book The Night Owls" in body
    client.logout()
    body = page(client, band).content.decode()
    assert "Manage band" not in body and "Book The Night Owls" in body
    client.force_login(leader)
    assert "Manage band" in page(client, band).content.decode()


def test_the_kit_read_in_written_out_sql_equals_the_orm_rows(band):
    from bands.selectors import band_press_kit

    kit = band_press_kit(slug=band.slug)
    assert kit.band == band and [g.name for g in kit.genres] == ["Indie"]
    for member in kit.members:
        stored = Membership.objects.select_related("user").get(pk=member.pk)
        for f in Membership._meta.concrete_fields:
            assert getattr(member, f.attname) == getattr(stored, f.attname)
        for f in type(stored.user)._meta.concrete_fields:
            assert getattr(member.user, f.attname) == getattr(stored.user, f.attname), f.name
    with pytest.raises(type(band).DoesNotExist):
        band_press_kit(slug="no-such-band")


# ---- A member's page: drawn once per kit, language and what the member may do -------------------------------


def test_a_members_page_runs_seven_queries_however_big_the_band(client, django_assert_num_queries, band):
    """session, user, band, genres, photos, embeds, members with users (the kit one round trip on PostgreSQL):
    the same for a kept page and a drawn one, for a band of two and one of fourteen."""
    leader = band.memberships.get(role=Membership.Role.LEADER).user
    client.force_login(leader)
    with django_assert_num_queries(2 + kit_queries()):
        assert page(client, band).status_code == 200
    with django_assert_num_queries(2 + kit_queries()):
        assert "Manage band" in page(client, band).content.decode()
    grow(band, 12, 8, 5)
    with django_assert_num_queries(2 + kit_queries()):
        assert page(client, band).status_code == 200


def test_a_members_kept_page_is_never_shown_to_a_member_who_may_do_less_or_more(client, band):
    leader = band.memberships.get(role=Membership.Role.LEADER).user
    plain = band.memberships.exclude(role=Membership.Role.LEADER).first()
    staff_member = MembershipFactory(band=band, user=UserFactory(is_staff=True)).user
    admin_link = reverse("admin:bands_band_change", args=[band.pk])
    for _ in range(2):  # drawn, then kept
        client.force_login(leader)
        body = page(client, band).content.decode()
        assert "Manage band" in body and admin_link not in body
        client.force_login(plain.user)
        body = page(client, band).content.decode()
        assert "Manage band" not in body and admin_link not in body
        client.force_login(staff_member)
        body = page(client, band).content.decode()
        assert "Manage band" not in body and admin_link in body
    # Made an admin of the band: another kit (its members' rows), so the next page has the button.
    plain.role = Membership.Role.ADMIN
    plain.save()
    client.force_login(plain.user)
    assert "Manage band" in page(client, band).content.decode()


def test_a_members_page_shows_a_change_at_once(client, band):
    client.force_login(band.memberships.get(role=Membership.Role.LEADER).user)
    assert "Four-piece indie rock" in page(client, band).content.decode()
    band.tagline = "Now a five-piece"
    band.save()
    BandPhotoFactory(band=band, caption="Live at the Kellerbar")
    body = page(client, band).content.decode()
    assert "Now a five-piece" in body and "Live at the Kellerbar" in body and "Four-piece" not in body


def test_a_members_page_is_the_page_drawn_without_keeping(client, band, settings):
    """The kept page is the same markup as one drawn afresh (DEBUG draws every fragment anew)."""
    client.force_login(band.memberships.get(role=Membership.Role.LEADER).user)
    page(client, band)
    kept = page(client, band).content.decode()
    from django.core.cache import caches

    caches["fragments"].clear()
    fresh = page(client, band).content.decode()
    strip = re.compile(r'value="[^"]{20,}"|"x-csrftoken": "[^"]+"')
    assert strip.sub("", kept) == strip.sub("", fresh)


# ---- A visitor who is not signed in: the first visitors' kept page, with a session too --------------------


def _visitor_with_a_session(client):
    session = client.session  # what a sign-out or a fan's follow leaves: a session, no one signed in
    session["seen"] = True
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


def test_a_visitor_with_a_session_gets_the_kept_page_and_every_change_at_once(client, band, django_assert_num_queries):
    """bio, photo and a gig: the kept page's key is the kit's digest, so a change is drawn on the next request;
    the gigs are in fragments the page loads, read on each request (the shows, the month)."""
    from bands.services import band_update
    from bookings.tests.test_show_views import host_show

    visitor = _visitor_with_a_session(client)
    first = page(visitor, band).content.decode()
    with django_assert_num_queries(1 + kit_queries()):  # the session, the band, genres, photos, embeds, members
        kept = page(visitor, band).content.decode()
    strip = re.compile(r'value="[^"]{20,}"')
    assert strip.sub("", kept) == strip.sub("", first) and "We started in a basement." in kept
    assert "Manage band" not in kept and "Book The Night Owls" in kept
    leader = band.memberships.get(role=Membership.Role.LEADER).user
    band_update(band=band, by=leader, bio="A new bio.")
    assert "A new bio." in page(visitor, band).content.decode()
    BandPhotoFactory(band=band, caption="On the boat stage")
    assert "On the boat stage" in page(visitor, band).content.decode()
    shows_url = reverse("bookings:band_shows", args=[band.slug])
    assert "Harbour night" not in visitor.get(shows_url).content.decode()
    host_show(band, leader, title="Harbour night", days=9)
    assert "Harbour night" in visitor.get(shows_url).content.decode()


def test_a_visitor_with_a_message_waiting_or_signed_in_is_drawn_a_page_of_their_own(client, band):
    visitor = _visitor_with_a_session(client)
    page(visitor, band)  # kept
    leader = band.memberships.get(role=Membership.Role.LEADER).user
    visitor.force_login(leader)
    assert "Manage band" in page(visitor, band).content.decode()
    visitor.post(reverse("account_logout"))
    assert "You have signed out." in page(visitor, band).content.decode()
    body = page(visitor, band).content.decode()  # the message shown once; the kept page again
    assert "You have signed out." not in body and "Manage band" not in body and "A new bio" not in body
