"""The band manage pages: who may see and change what, bad input, and query budgets."""

import html
import io
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from PIL import Image

from accounts.tests.factories import UserFactory
from accounts.tests.images import fake_png_upload, huge_dimensions_png, oversized_upload, png_upload
from bands.models import ApprovalStatus, Band, BandEmbed, BandInvite, BandPhoto, Membership
from bands.tests.test_embeds_links import BAD_LINKS, GOOD_LINKS

from .factories import (
    BandEmbedFactory,
    BandFactory,
    BandInviteFactory,
    BandPhotoFactory,
    GenreFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    band = BandFactory(name="The Night Shift", slug="night-shift", status=ApprovalStatus.APPROVED)
    other_band = BandFactory(name="Other Band", slug="other-band")
    leader = MembershipFactory(band=band, role=Membership.Role.LEADER, user__display_name="Lea Leader").user
    admin = MembershipFactory(band=band, role=Membership.Role.ADMIN, user__display_name="Ada Admin").user
    member = MembershipFactory(
        band=band, role=Membership.Role.MEMBER, instrument="Drums", user__display_name="Max Member"
    )
    outsider = MembershipFactory(band=other_band, role=Membership.Role.LEADER).user
    stranger = UserFactory()
    photo = BandPhotoFactory(band=band, caption="Old caption")
    embed = BandEmbedFactory(band=band)
    invite = BandInviteFactory(band=band, created_by=leader)
    return SimpleNamespace(
        band=band,
        other_band=other_band,
        leader=leader,
        admin=admin,
        member=member.user,
        membership=member,
        outsider=outsider,
        stranger=stranger,
        photo=photo,
        embed=embed,
        invite=invite,
    )


def snapshot(band: Band) -> dict:
    """Everything a manage page can change, to prove a refused request changed nothing."""
    band.refresh_from_db()
    return {
        "band": (band.name, band.slug, band.bio, band.fee_min, band.fee_max, band.website, band.instagram),
        "genres": sorted(band.genres.values_list("pk", flat=True)),
        "photos": sorted(BandPhoto.objects.filter(band=band).values_list("pk", "caption")),
        "embeds": sorted(BandEmbed.objects.filter(band=band).values_list("pk", flat=True)),
        "members": sorted(
            Membership.objects.filter(band=band).values_list("user_id", "role", "instrument", "required")
        ),
        "invites": sorted(BandInvite.objects.filter(band=band).values_list("pk", "revoked_at", "uses")),
    }


def profile_data(**overrides) -> dict:
    data = {
        "name": "The Night Shift",
        "slug": "night-shift",
        "tagline": "",
        "bio": "We play loud.",
        "city": "Berlin",
        "region": "",
        "country": "DE",
        "time_zone": "Europe/Berlin",
        "fee_min": "300",
        "fee_max": "900",
        "currency": "EUR",
        "set_length_minutes": "",
        "rider": "",
    }
    data.update(overrides)
    return data


# (URL name, needs the object's pk, who may GET it) – every page under /bands/<slug>/manage/.
PAGES = [
    ("bands:manage", None, "managers"),
    ("bands:links", None, "managers"),
    ("bands:photos", None, "managers"),
    ("bands:embeds", None, "managers"),
    ("bands:members", None, "members"),
    ("gigs:member_edit", "membership", "managers"),
    ("bands:invites", None, "managers"),
]

# (URL name, object, POST data, who may do it) – every change a manage page offers.
ACTIONS = [
    ("bands:manage", None, lambda w: profile_data(name="Renamed"), "managers"),
    ("bands:links", None, lambda w: {"website": "https://changed.example"}, "managers"),
    ("bands:photos", None, lambda w: {"image": png_upload(), "caption": "New"}, "managers"),
    ("bands:photo_edit", "photo", lambda w: {f"photo-{w.photo.pk}-caption": "Changed"}, "managers"),
    ("bands:photo_delete", "photo", lambda w: {}, "managers"),
    ("bands:embeds", None, lambda w: {"url": "https://youtu.be/aaaaaaaaaaa"}, "managers"),
    ("bands:embed_delete", "embed", lambda w: {}, "managers"),
    ("gigs:member_edit", "membership", lambda w: {"role": "admin", "instrument": "Bass"}, "managers"),
    ("bands:member_remove", "membership", lambda w: {}, "managers"),
    ("bands:invites", None, lambda w: {"role": "member", "max_uses": "1", "valid_days": "7"}, "managers"),
    ("bands:invite_revoke", "invite", lambda w: {}, "managers"),
    ("bands:leave", None, lambda w: {}, "members"),
]
POST_ONLY = ["bands:photo_edit", "bands:photo_delete", "bands:embed_delete", "bands:member_remove", "bands:leave"]
POST_ONLY += ["bands:invite_revoke"]


def url_for(world, name: str, obj: str | None) -> str:
    args = [world.band.slug]
    if obj:
        args.append(getattr(world, obj).pk)
    return reverse(name, args=args)


def allowed(who: str, audience: str) -> bool:
    return who in ("leader", "admin") or (audience == "members" and who == "member")


@pytest.mark.parametrize("who", ["leader", "admin", "member", "outsider", "stranger", "anonymous"])
@pytest.mark.parametrize(("name", "obj", "audience"), PAGES)
def test_page_permissions(client, world, who, name, obj, audience):
    if who != "anonymous":
        client.force_login(getattr(world, who))
    url = url_for(world, name, obj)
    response = client.get(url)
    if who == "anonymous":
        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={url}"
    elif allowed(who, audience):
        assert response.status_code == 200
        assert "The Night Shift" in response.content.decode()
    else:
        assert response.status_code == 403
        assert "You are not allowed to do that" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "name", "obj", "data"),
    [
        (who, name, obj, data)
        for name, obj, data, audience in ACTIONS
        for who in ["member", "outsider", "stranger", "anonymous"]
        if not allowed(who, audience)
    ],
)
def test_refused_changes_change_nothing(client, world, who, name, obj, data):
    if who != "anonymous":
        client.force_login(getattr(world, who))
    before = snapshot(world.band)
    response = client.post(url_for(world, name, obj), data(world))
    assert response.status_code == (302 if who == "anonymous" else 403)
    if who == "anonymous":
        assert response.url.startswith(reverse("account_login"))
    assert snapshot(world.band) == before


@pytest.mark.parametrize("who", ["leader", "admin"])
@pytest.mark.parametrize(("name", "obj", "data", "audience"), [a for a in ACTIONS if a[0] != "bands:leave"])
def test_managers_can_make_every_change(client, world, who, name, obj, data, audience):
    client.force_login(getattr(world, who))
    before = snapshot(world.band)
    response = client.post(url_for(world, name, obj), data(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert snapshot(world.band) != before


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_only_actions_refuse_get(client, world, name):
    obj = {a[0]: a[1] for a in ACTIONS}[name]
    client.force_login(world.leader)
    before = snapshot(world.band)
    assert client.get(url_for(world, name, obj)).status_code == 405
    assert snapshot(world.band) == before


def test_objects_of_another_band_are_not_found(client, world):
    other_photo = BandPhotoFactory(band=world.other_band)
    other_embed = BandEmbedFactory(band=world.other_band)
    other_invite = BandInviteFactory(band=world.other_band)
    other_member = Membership.objects.get(band=world.other_band)
    client.force_login(world.leader)
    slug = world.band.slug
    for url in [
        reverse("bands:photo_delete", args=[slug, other_photo.pk]),
        reverse("bands:embed_delete", args=[slug, other_embed.pk]),
        reverse("bands:invite_revoke", args=[slug, other_invite.pk]),
        reverse("bands:member_remove", args=[slug, other_member.pk]),
    ]:
        assert client.post(url).status_code == 404, url
    assert BandPhoto.objects.filter(pk=other_photo.pk).exists()
    assert BandEmbed.objects.filter(pk=other_embed.pk).exists()
    assert BandInvite.objects.get(pk=other_invite.pk).revoked_at is None
    assert Membership.objects.filter(pk=other_member.pk).exists()


def test_unknown_band_is_404(client, world):
    client.force_login(world.leader)
    assert client.get(reverse("bands:manage", args=["no-such-band"])).status_code == 404


# ---- Create -------------------------------------------------------------------------------


def test_create_page_needs_login(client):
    response = client.get(reverse("bands:create"))
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=/bands/new/"


def test_create_a_band_makes_the_creator_leader_and_waits_for_approval(client, django_assert_max_num_queries):
    user = UserFactory(time_zone="Europe/Lisbon")
    rock, pop = GenreFactory(name="Rock"), GenreFactory(name="Pop")
    client.force_login(user)
    with django_assert_max_num_queries(3):
        page = client.get(reverse("bands:create"))
    assert '<option value="Europe/Lisbon" selected>' in page.content.decode()
    response = client.post(
        reverse("bands:create"),
        profile_data(name="Die Ärzte Tribute", slug="", genres=[rock.pk, pop.pk], time_zone="Europe/Lisbon"),
    )
    band = Band.objects.get()
    assert band.slug == "die-arzte-tribute"
    assert response.status_code == 302
    assert response.url == reverse("bands:manage", args=[band.slug])
    assert band.status == ApprovalStatus.PENDING
    assert set(band.genres.all()) == {rock, pop}
    assert Membership.objects.get(band=band).user == user
    assert Membership.objects.get(band=band).role == Membership.Role.LEADER
    html = client.get(response.url).content.decode()
    assert "Awaiting approval" in html
    assert "is on StageSlot" in html


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [("/offers/abc123/", "/offers/abc123/"), ("https://evil.example/", None), ("//evil.example/", None)],
)
def test_create_returns_to_a_local_next_address_only(client, next_url, lands_on):
    client.force_login(UserFactory())
    response = client.post(f"{reverse('bands:create')}?next={next_url}", profile_data(name="Back Again", slug=""))
    assert response.status_code == 302
    assert response.url == (lands_on or reverse("bands:manage", args=["back-again"]))


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"slug": "taken"}, "Another band already uses this address"),
        ({"name": "", "slug": "fresh"}, "Give your band a name."),
        ({"name": "   ", "slug": ""}, "Give your band a name."),
        ({"fee_min": "900", "fee_max": "300"}, "The highest fee (300) is lower than the lowest fee (900)"),
        ({"bio": "x" * 10_000}, "Your biography is 10000 characters long; it can be at most 5000"),
        ({"slug": "new"}, "This address is reserved"),
        ({"slug": "Not A Slug!"}, "Use only lower-case letters, numbers and hyphens"),
        ({"time_zone": "Mars/Olympus"}, "not a time zone we know"),
        ({"set_length_minutes": "2"}, "greater than or equal to 5"),
        ({"fee_min": "-5"}, "greater than or equal to 0"),
    ],
)
def test_create_bad_input_gets_a_field_message_and_saves_nothing(client, overrides, field_message):
    BandFactory(slug="taken")
    client.force_login(UserFactory())
    response = client.post(
        reverse("bands:create"), profile_data(**{"name": "Fresh Band", "slug": "fresh", **overrides})
    )
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert Band.objects.count() == 1
    assert not Membership.objects.exists()


def test_create_with_a_taken_suggested_slug_says_so_on_the_slug_field(client):
    BandFactory(slug="the-kinks")
    client.force_login(UserFactory())
    response = client.post(reverse("bands:create"), profile_data(name="The Kinks", slug=""))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["slug"] == ["Another band already uses this address. Try a variation, e.g. with your city."]


# ---- Profile and links ------------------------------------------------------------------


def test_profile_edit_saves_and_shows_values(client, world, django_assert_max_num_queries):
    client.force_login(world.admin)
    genre = GenreFactory(name="Jazz")
    response = client.post(
        reverse("bands:manage", args=["night-shift"]),
        profile_data(name="Night Shift", slug="the-night-shift", bio="One.\n\nTwo.", genres=[genre.pk]),
    )
    assert response.status_code == 302
    assert response.url == reverse("bands:manage", args=["the-night-shift"])
    world.band.refresh_from_db()
    assert (world.band.name, world.band.slug, world.band.bio_paragraphs) == (
        "Night Shift",
        "the-night-shift",
        ["One.", "Two."],
    )
    assert list(world.band.genres.all()) == [genre]
    with django_assert_max_num_queries(6):
        html = client.get(response.url).content.decode()
    assert "The profile is saved." in html
    assert 'value="Night Shift"' in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "other-band"}, "Another band already uses this address"),
        ({"name": ""}, "Give your band a name."),
        ({"fee_min": "1000", "fee_max": "10"}, "is lower than the lowest fee"),
        ({"bio": "y" * 10_000}, "it can be at most 5000"),
    ],
)
def test_profile_bad_input_keeps_the_band_unchanged(client, world, overrides, message):
    client.force_login(world.leader)
    before = snapshot(world.band)
    response = client.post(reverse("bands:manage", args=["night-shift"]), profile_data(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # The page chrome keeps the saved name, not the rejected one.
    assert "<h1>The Night Shift</h1>" in html
    assert snapshot(world.band) == before


def test_links_are_saved_with_https_assumed(client, world):
    client.force_login(world.leader)
    response = client.post(
        reverse("bands:links", args=["night-shift"]),
        {"website": "nightshift.example", "instagram": "https://www.instagram.com/nightshift"},
    )
    assert response.status_code == 302
    world.band.refresh_from_db()
    assert world.band.website == "https://nightshift.example"
    assert world.band.instagram == "https://www.instagram.com/nightshift"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"website": "javascript:alert(1)"}, "Enter a full web address starting with https://"),
        ({"instagram": "https://evil.example/instagram.com"}, "This does not look like an Instagram link"),
        ({"soundcloud": "https://soundcloud.com.evil.example/x"}, "it should be on soundcloud.com"),
        ({"facebook": "ftp://facebook.com/band"}, "Enter a full web address starting with https://"),
    ],
)
def test_bad_links_get_the_link_message(client, world, data, message):
    client.force_login(world.leader)
    before = snapshot(world.band)
    response = client.post(reverse("bands:links", args=["night-shift"]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(world.band) == before


# ---- Photos ------------------------------------------------------------------------------


def test_photo_upload_is_reencoded_and_captioned(client, world):
    client.force_login(world.leader)
    response = client.post(
        reverse("bands:photos", args=["night-shift"]), {"image": png_upload((3000, 2000)), "caption": "Live in Leipzig"}
    )
    assert response.status_code == 302
    photo = BandPhoto.objects.filter(band=world.band).latest("pk")
    assert photo.caption == "Live in Leipzig"
    with photo.image.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
        assert (stored.format, stored.size) == ("WEBP", (1600, 1067))
    html = client.get(reverse("bands:photos", args=["night-shift"])).content.decode()
    assert 'alt="Live in Leipzig"' in html
    assert "2 of 12 used" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"image": lambda: oversized_upload(30), "caption": "Big"}, "This file is 30 MB; images can be at most 10 MB."),
        ({"image": fake_png_upload, "caption": "Text"}, "This file is not a JPEG, PNG or WebP image."),
        (
            {"image": lambda: huge_dimensions_png(7000, 7000), "caption": "Wide"},
            "This image is 7000 × 7000 pixels; the limit is 25 megapixels",
        ),
        ({"caption": "No file"}, "Choose a photo to upload."),
        ({"image": png_upload, "caption": ""}, "Describe the photo in a few words"),
    ],
)
def test_bad_photo_uploads_get_a_message_and_save_nothing(client, world, data, message):
    client.force_login(world.leader)
    before = snapshot(world.band)
    data = {k: v() if callable(v) else v for k, v in data.items()}
    response = client.post(reverse("bands:photos", args=["night-shift"]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(world.band) == before


def test_photo_limit_is_explained(client, world):
    BandPhotoFactory.create_batch(11, band=world.band)
    client.force_login(world.leader)
    page = client.get(reverse("bands:photos", args=["night-shift"])).content.decode()
    assert "has 12 photos, the most a band can show" in page
    response = client.post(reverse("bands:photos", args=["night-shift"]), {"image": png_upload(), "caption": "13th"})
    assert response.status_code == 400
    assert "A band can show 12 photos. Delete one before you add another." in response.content.decode()
    assert BandPhoto.objects.filter(band=world.band).count() == 12


def test_photo_caption_edit_and_delete(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.leader)
    url = reverse("bands:photo_edit", args=["night-shift", world.photo.pk])
    response = client.post(url, {f"photo-{world.photo.pk}-caption": ""})
    assert response.status_code == 400
    assert "Describe the photo in a few words" in response.content.decode()
    assert client.post(url, {f"photo-{world.photo.pk}-caption": "Backstage"}).status_code == 302
    world.photo.refresh_from_db()
    assert world.photo.caption == "Backstage"
    storage, name = world.photo.image.storage, world.photo.image.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bands:photo_delete", args=["night-shift", world.photo.pk]))
    assert not BandPhoto.objects.filter(pk=world.photo.pk).exists()
    assert not storage.exists(name)


# ---- Music and video ---------------------------------------------------------------------


def test_embed_is_added_and_rendered_sandboxed(client, world):
    client.force_login(world.leader)
    response = client.post(
        reverse("bands:embeds", args=["night-shift"]),
        {"url": "https://open.spotify.com/intl-de/album/4aawyAB9vmqN3uQ7FjRGTy?si=abc", "title": "Debut"},
    )
    assert response.status_code == 302
    html = client.get(reverse("bands:embeds", args=["night-shift"])).content.decode()
    assert 'src="https://open.spotify.com/embed/album/4aawyAB9vmqN3uQ7FjRGTy"' in html
    assert 'sandbox="allow-scripts allow-same-origin allow-popups allow-presentation"' in html
    assert 'title="Debut – Spotify player"' in html
    assert 'height="152"' in html
    assert 'loading="lazy"' in html
    # The YouTube video of the fixture is sized by CSS at 16:9.
    assert 'class="band-player band-player--video"' in html


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://vimeo.com/123", "We can embed music and video from Spotify, SoundCloud, Bandcamp and YouTube."),
        ("javascript:alert(1)", "Paste a full link starting with https://"),
        ("https://nightshift.bandcamp.com/album/debut", "Bandcamp needs its embed code"),
        ("", "Paste a share link first."),
    ],
)
def test_bad_embeds_get_a_message_and_save_nothing(client, world, url, message):
    client.force_login(world.leader)
    before = snapshot(world.band)
    response = client.post(reverse("bands:embeds", args=["night-shift"]), {"url": url})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(world.band) == before


def test_embed_limit_is_explained(client, world):
    BandEmbedFactory.create_batch(5, band=world.band)
    client.force_login(world.leader)
    response = client.post(reverse("bands:embeds", args=["night-shift"]), {"url": "https://youtu.be/bbbbbbbbbbb"})
    assert response.status_code == 400
    assert "A band can show 6 players." in response.content.decode()
    assert BandEmbed.objects.filter(band=world.band).count() == 6


# ---- Members -----------------------------------------------------------------------------


def test_members_page_shows_names_never_emails_to_plain_members(client, world):
    client.force_login(world.member)
    html = client.get(reverse("bands:members", args=["night-shift"])).content.decode()
    for name in ["Lea Leader", "Ada Admin", "Max Member"]:
        assert name in html
    # The viewer's own address is in their account menu; nobody else's is on the page.
    for person in [world.leader, world.admin]:
        assert person.email not in html
    assert "Edit" not in html
    assert "Leave The Night Shift" in html


def test_members_page_lets_managers_edit(client, world):
    client.force_login(world.admin)
    html = client.get(reverse("bands:members", args=["night-shift"])).content.decode()
    assert reverse("gigs:member_edit", args=["night-shift", world.membership.pk]) in html
    assert world.member.email in html


def test_admin_cannot_hand_out_leadership(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("gigs:member_edit", args=["night-shift", world.membership.pk])).content.decode()
    assert 'value="leader"' not in page
    before = snapshot(world.band)
    response = client.post(
        reverse("gigs:member_edit", args=["night-shift", world.membership.pk]), {"role": "leader", "instrument": ""}
    )
    assert response.status_code == 400
    assert snapshot(world.band) == before


def test_admin_cannot_demote_or_remove_a_leader(client, world):
    leader_membership = Membership.objects.get(band=world.band, user=world.leader)
    client.force_login(world.admin)
    before = snapshot(world.band)
    url = reverse("gigs:member_edit", args=["night-shift", leader_membership.pk])
    page = client.get(url).content.decode()
    assert "Only a leader can change a leader’s role." in page
    # The disabled role field keeps "leader" whatever is posted; the instrument may change.
    client.post(url, {"role": "member", "instrument": "Vocals", "required": "on"})
    leader_membership.refresh_from_db()
    assert (leader_membership.role, leader_membership.instrument) == ("leader", "Vocals")
    before = snapshot(world.band)
    response = client.post(reverse("bands:member_remove", args=["night-shift", leader_membership.pk]))
    assert response.status_code == 403
    assert "Only a leader can remove a leader." in response.content.decode()
    assert snapshot(world.band) == before


def test_last_leader_is_told_to_hand_over(client, world):
    client.force_login(world.leader)
    leader_membership = Membership.objects.get(band=world.band, user=world.leader)
    before = snapshot(world.band)
    response = client.post(
        reverse("gigs:member_edit", args=["night-shift", leader_membership.pk]), {"role": "member", "instrument": ""}
    )
    assert response.status_code == 400
    assert (
        "Lea Leader is the only leader of The Night Shift. Make someone else leader first." in response.content.decode()
    )
    response = client.post(reverse("bands:leave", args=["night-shift"]), follow=True)
    assert "You are the only leader of The Night Shift. Make another member leader before you leave." in (
        response.content.decode()
    )
    response = client.post(reverse("bands:member_remove", args=["night-shift", leader_membership.pk]), follow=True)
    assert "is the only leader of The Night Shift" in response.content.decode()
    assert snapshot(world.band) == before


def test_leader_hands_over_then_leaves(client, world):
    client.force_login(world.leader)
    response = client.post(
        reverse("gigs:member_edit", args=["night-shift", world.membership.pk]),
        {"role": "leader", "instrument": "Drums", "required": "on"},
    )
    assert response.status_code == 302
    response = client.post(reverse("bands:leave", args=["night-shift"]))
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert not Membership.objects.filter(band=world.band, user=world.leader).exists()
    assert Membership.objects.get(pk=world.membership.pk).role == "leader"


def test_member_can_leave(client, world):
    client.force_login(world.member)
    response = client.post(reverse("bands:leave", args=["night-shift"]), follow=True)
    assert "You have left The Night Shift." in response.content.decode()
    assert not Membership.objects.filter(pk=world.membership.pk).exists()


def test_member_edit_updates_role_instrument_and_required(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("gigs:member_edit", args=["night-shift", world.membership.pk]), {"role": "admin", "instrument": "Bass"}
    )
    assert response.status_code == 302
    world.membership.refresh_from_db()
    assert (world.membership.role, world.membership.instrument, world.membership.required) == ("admin", "Bass", False)


def test_remove_member(client, world):
    client.force_login(world.admin)
    response = client.post(reverse("bands:member_remove", args=["night-shift", world.membership.pk]), follow=True)
    assert "Max Member is no longer in The Night Shift." in response.content.decode()
    assert not Membership.objects.filter(pk=world.membership.pk).exists()


# ---- Banners -----------------------------------------------------------------------------


def test_pending_and_suspended_bands_say_so_on_every_manage_page(client, world):
    client.force_login(world.member)
    url = reverse("bands:members", args=["night-shift"])
    Band.objects.filter(pk=world.band.pk).update(status=ApprovalStatus.PENDING)
    assert "not listed publicly until StageSlot staff have approved it" in client.get(url).content.decode()
    Band.objects.filter(pk=world.band.pk).update(status=ApprovalStatus.SUSPENDED, status_reason="Fake photos")
    html = client.get(url).content.decode()
    assert "Suspended." in html
    assert "Reason given: <q>Fake photos</q>" in html


def test_plain_members_see_only_their_pages_in_the_nav(client, world):
    client.force_login(world.member)
    html = client.get(reverse("bands:members", args=["night-shift"])).content.decode()
    assert reverse("bands:photos", args=["night-shift"]) not in html
    assert reverse("bands:invites", args=["night-shift"]) not in html
    assert reverse("bands:detail", args=["night-shift"]) in html


# ---- Query budgets -------------------------------------------------------------------------

# Session, user, band, the viewer's membership, then what the page lists.
BUDGETS = {
    "bands:manage": 6,  # + genre choices, the band's genres
    "bands:links": 4,
    "bands:photos": 5,
    "bands:embeds": 5,
    "bands:members": 5,
    "gigs:member_edit": 5,  # + the member with their user
    "bands:invites": 6,  # + active invites, earlier invites
}


def add_rows(world, n: int) -> None:
    for _ in range(n):
        MembershipFactory(band=world.band)
    BandPhotoFactory.create_batch(min(n, 10), band=world.band)
    BandEmbedFactory.create_batch(min(n, 4), band=world.band)
    BandInviteFactory.create_batch(n, band=world.band, created_by=UserFactory())
    BandInviteFactory.create_batch(n, band=world.band, revoked_at="2024-01-01T00:00:00Z")
    world.band.genres.add(*GenreFactory.create_batch(n))


@pytest.mark.parametrize(("name", "obj", "audience"), PAGES)
def test_query_counts_do_not_grow_with_rows(client, world, django_assert_max_num_queries, name, obj, audience):
    client.force_login(world.leader)
    url = url_for(world, name, obj)
    with django_assert_max_num_queries(BUDGETS[name]):
        assert client.get(url).status_code == 200
    add_rows(world, 8)
    with django_assert_max_num_queries(BUDGETS[name]):
        assert client.get(url).status_code == 200


# ---- Links through the page ---------------------------------------------------------------------

# The ones a person is likely to meet, each kind of refusal once, through the page.
BAD_LINK_INPUTS = [BAD_LINKS[i] for i in (0, 3, 4, 7, 9, 12, 14, 16)]
GOOD_LINK_INPUTS = GOOD_LINKS[:3]
LINK_ERROR = re.compile(r'id="id_(\w+)_error"[^>]*>(.*?)</ul>', re.S)


def field_errors(response) -> dict[str, str]:
    return {name: html.unescape(text) for name, text in LINK_ERROR.findall(response.content.decode())}


@pytest.mark.parametrize(("typed", "message"), BAD_LINK_INPUTS)
def test_a_bad_link_is_refused_next_to_its_field_and_nothing_is_saved(client, world, typed, message):
    client.force_login(world.leader)
    before = snapshot(world.band)
    response = client.post(reverse("bands:links", args=["night-shift"]), {"website": typed, "instagram": typed})
    assert response.status_code == 400
    errors = field_errors(response)
    assert message in errors["website"]
    assert "instagram" in errors
    assert snapshot(world.band) == before


@pytest.mark.parametrize(("typed", "stored"), GOOD_LINK_INPUTS)
def test_links_as_people_paste_them_are_saved_as_full_addresses(client, world, typed, stored):
    client.force_login(world.leader)
    response = client.post(reverse("bands:links", args=["night-shift"]), {"website": typed})
    assert response.status_code == 302
    world.band.refresh_from_db()
    assert world.band.website == stored


def test_a_social_link_without_its_scheme_is_saved_on_its_site(client, world):
    client.force_login(world.leader)
    data = {"instagram": "www.instagram.com/nightshift", "bandcamp": "nightshift.bandcamp.com"}
    assert client.post(reverse("bands:links", args=["night-shift"]), data).status_code == 302
    world.band.refresh_from_db()
    assert (world.band.instagram, world.band.bandcamp) == (
        "https://www.instagram.com/nightshift",
        "https://nightshift.bandcamp.com",
    )


def test_a_share_link_the_parser_chokes_on_is_refused_not_a_crash(client, world):
    client.force_login(world.leader)
    before = snapshot(world.band)
    response = client.post(reverse("bands:embeds", args=["night-shift"]), {"url": "https://x[y"})
    assert response.status_code == 400
    assert "That is not a link we can read." in response.content.decode()
    assert snapshot(world.band) == before
