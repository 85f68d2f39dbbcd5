import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.images import fake_png_upload, gif_upload, oversized_upload, png_upload
from bands.models import ApprovalStatus
from bands.tests.factories import GenreFactory
from bands.tests.test_embeds_links import BAD_LINKS, GOOD_LINKS
from venues.models import Stage, Venue, VenueInvite, VenuePhoto, VenueStaff

from .factories import VenueFactory, VenueInviteFactory, VenuePhotoFactory, VenueStaffFactory

pytestmark = pytest.mark.django_db


# ---- The people around one venue ----------------------------------------------------------


@pytest.fixture
def venue():
    venue = VenueFactory(name="Kellerbar", slug="kellerbar", stages=["Main room", "Side room"])
    VenueStaffFactory(venue=venue, user=UserFactory(display_name="Olga Owner"), role=VenueStaff.Role.OWNER)
    VenueStaffFactory(venue=venue, user=UserFactory(display_name="Ben Booker"), role=VenueStaff.Role.BOOKER)
    VenuePhotoFactory(venue=venue, caption="The bar")
    VenueInviteFactory(venue=venue, role=VenueStaff.Role.BOOKER, max_uses=3)
    return venue


def owner_of(venue: Venue):
    return venue.staff_roles.filter(role=VenueStaff.Role.OWNER).select_related("user").first().user


def booker_of(venue: Venue):
    return venue.staff_roles.filter(role=VenueStaff.Role.BOOKER).select_related("user").first().user


def person(venue: Venue, who: str):
    if who == "owner":
        return owner_of(venue)
    if who == "booker":
        return booker_of(venue)
    if who == "other_owner":
        return VenueStaffFactory(role=VenueStaff.Role.OWNER).user
    if who == "stranger":
        return UserFactory()
    return None


def snapshot(venue: Venue) -> tuple:
    """Everything a manage URL could change, to prove a refused request changed nothing."""
    return (
        tuple(Venue.objects.filter(pk=venue.pk).values_list("name", "description", "capacity", "website", "status")),
        tuple(Stage.objects.filter(venue=venue).order_by("pk").values_list("pk", "name", "capacity", "notes")),
        tuple(VenuePhoto.objects.filter(venue=venue).order_by("pk").values_list("pk", "caption")),
        tuple(VenueStaff.objects.filter(venue=venue).order_by("pk").values_list("pk", "user", "role")),
        tuple(VenueInvite.objects.filter(venue=venue).order_by("pk").values_list("pk", "revoked_at", "uses")),
    )


def login(client, user) -> None:
    if user is not None:
        client.force_login(user)


# ---- The permission matrix ----------------------------------------------------------------

PEOPLE = ["owner", "booker", "other_owner", "stranger", "anonymous"]
EDITOR_PAGES = ["venues:manage", "venues:stages", "venues:photos", "venues:staff"]
EXPECTED_EDITOR = {"owner": 200, "booker": 200, "other_owner": 403, "stranger": 403, "anonymous": 302}
EXPECTED_OWNER_ONLY = {"owner": 200, "booker": 403, "other_owner": 403, "stranger": 403, "anonymous": 302}


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("name", [*EDITOR_PAGES, "venues:invites"])
def test_every_manage_page_answers_each_person_correctly(client, venue, name, who):
    login(client, person(venue, who))
    response = client.get(reverse(name, args=[venue.slug]))
    expected = (EXPECTED_OWNER_ONLY if name == "venues:invites" else EXPECTED_EDITOR)[who]
    assert response.status_code == expected
    if expected == 302:
        assert response.url.startswith(reverse("account_login"))
    if expected == 403:
        reason = "owners can manage its staff and invites" if who == "booker" else "staff can manage it."
        assert reason in response.content.decode()


def post_actions(venue: Venue) -> list[tuple[str, str, dict, bool]]:
    """(label, url, data, owners only) for every POST a manage page offers."""
    stage = venue.stages.order_by("pk").last()
    photo = venue.photos.get()
    booker = venue.staff_roles.get(role=VenueStaff.Role.BOOKER)
    invite = venue.invites.get()
    slug = venue.slug
    return [
        ("edit profile", reverse("venues:manage", args=[slug]), profile_data(name="Hacked"), False),
        ("add stage", reverse("venues:stages", args=[slug]), {"new-name": "Garden"}, False),
        (
            "rename stage",
            reverse("venues:stage_update", args=[slug, stage.pk]),
            {f"stage-{stage.pk}-name": "Renamed"},
            False,
        ),
        ("delete stage", reverse("venues:stage_delete", args=[slug, stage.pk]), {}, False),
        ("upload photo", reverse("venues:photos", args=[slug]), {"image": png_upload(), "caption": "x"}, False),
        ("delete photo", reverse("venues:photo_delete", args=[slug, photo.pk]), {}, False),
        (
            "change role",
            reverse("venues:staff_role", args=[slug, booker.pk]),
            {f"staff-{booker.pk}-role": "owner"},
            True,
        ),
        ("remove staff", reverse("venues:staff_remove", args=[slug, booker.pk]), {}, True),
        ("create invite", reverse("venues:invites", args=[slug]), invite_data(), True),
        ("revoke invite", reverse("venues:invite_revoke", args=[slug, invite.pk]), {}, True),
    ]


@pytest.mark.parametrize("who", ["booker", "other_owner", "stranger", "anonymous"])
def test_refused_posts_change_nothing(client, venue, who):
    user = person(venue, who)
    login(client, user)
    before = snapshot(venue)
    for label, url, data, owners_only in post_actions(venue):
        if who == "booker" and not owners_only:
            continue
        response = client.post(url, data)
        if who == "anonymous":
            assert response.status_code == 302, label
            assert response.url.startswith(reverse("account_login")), label
        else:
            assert response.status_code == 403, label
        assert snapshot(venue) == before, label


@pytest.mark.parametrize("who", ["owner", "booker"])
def test_editors_can_do_what_their_role_allows(client, venue, who):
    login(client, person(venue, who))
    for label, url, data, owners_only in post_actions(venue):
        before = snapshot(venue)
        response = client.post(url, data)
        if owners_only and who == "booker":
            assert response.status_code == 403, label
            assert snapshot(venue) == before, label
        else:
            assert response.status_code == 302, label
            assert snapshot(venue) != before, label


@pytest.mark.parametrize("who", ["other_owner", "stranger"])
def test_leaving_is_only_for_staff(client, venue, who):
    login(client, person(venue, who))
    before = snapshot(venue)
    assert client.post(reverse("venues:leave", args=[venue.slug])).status_code == 403
    assert snapshot(venue) == before


def test_anonymous_leave_goes_to_login(client, venue):
    response = client.post(reverse("venues:leave", args=[venue.slug]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "name",
    [
        "venues:stage_update",
        "venues:stage_delete",
        "venues:photo_delete",
        "venues:staff_role",
        "venues:staff_remove",
        "venues:invite_revoke",
        "venues:leave",
    ],
)
def test_post_only_actions_refuse_get(client, venue, name):
    client.force_login(owner_of(venue))
    args = {
        "venues:stage_update": [venue.stages.first().pk],
        "venues:stage_delete": [venue.stages.first().pk],
        "venues:photo_delete": [venue.photos.get().pk],
        "venues:staff_role": [venue.staff_roles.first().pk],
        "venues:staff_remove": [venue.staff_roles.first().pk],
        "venues:invite_revoke": [venue.invites.get().pk],
        "venues:leave": [],
    }[name]
    before = snapshot(venue)
    assert client.get(reverse(name, args=[venue.slug, *args])).status_code == 405
    assert snapshot(venue) == before


def test_staff_pages_refuse_get_writes(client, venue):
    client.force_login(owner_of(venue))
    assert client.post(reverse("venues:staff", args=[venue.slug])).status_code == 405


def test_a_venue_that_does_not_exist_is_404(client):
    client.force_login(UserFactory())
    assert client.get(reverse("venues:manage", args=["nowhere"])).status_code == 404


def test_objects_of_another_venue_cannot_be_reached_through_mine(client, venue):
    other = VenueFactory(stages=["A", "B"])
    other_photo = VenuePhotoFactory(venue=other)
    other_staff = VenueStaffFactory(venue=other, role=VenueStaff.Role.BOOKER)
    other_invite = VenueInviteFactory(venue=other)
    client.force_login(owner_of(venue))
    before = snapshot(other)
    slug = venue.slug
    assert client.post(reverse("venues:stage_delete", args=[slug, other.stages.first().pk])).status_code == 404
    assert client.post(reverse("venues:photo_delete", args=[slug, other_photo.pk])).status_code == 404
    assert client.post(reverse("venues:staff_remove", args=[slug, other_staff.pk])).status_code == 404
    assert client.post(reverse("venues:invite_revoke", args=[slug, other_invite.pk])).status_code == 404
    assert snapshot(other) == before


# ---- Creating a venue -------------------------------------------------------------------------


def create_data(**overrides) -> dict:
    data = {
        "name": "Kellerbar",
        "slug": "kellerbar",
        "description": "A cellar.\n\nWith a bar.",
        "address": "Karl-Liebknecht-Straße 10",
        "postcode": "04107",
        "city": "Leipzig",
        "region": "Saxony",
        "country": "DE",
        "time_zone": "Europe/Berlin",
        "capacity": "180",
        "stage_name": "Cellar",
    }
    data.update(overrides)
    return data


def test_create_page_needs_login(client):
    response = client.get(reverse("venues:create"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_create_page_suggests_a_main_stage(client, django_assert_max_num_queries):
    client.force_login(UserFactory())
    GenreFactory.create_batch(3)
    with django_assert_max_num_queries(3):
        html = client.get(reverse("venues:create")).content.decode()
    assert 'value="Main stage"' in html
    assert 'hx-get="/venues/new/suggest-address/"' in html


def test_creating_a_venue_makes_me_its_owner_and_shows_the_pending_banner(client):
    user = UserFactory()
    rock = GenreFactory(name="Rock")
    client.force_login(user)
    response = client.post(reverse("venues:create"), create_data(genres=[rock.pk]), follow=True)
    venue = Venue.objects.get(slug="kellerbar")
    assert response.redirect_chain == [(reverse("venues:manage", args=["kellerbar"]), 302)]
    assert venue.status == ApprovalStatus.PENDING
    assert venue.staff_roles.get().user == user
    assert list(venue.stages.values_list("name", flat=True)) == ["Cellar"]
    assert list(venue.genres.all()) == [rock]
    html = response.content.decode()
    assert "Awaiting approval." in html
    assert "Kellerbar is set up." in html


def test_an_empty_slug_is_made_from_the_name_and_kept_free(client):
    VenueFactory(slug="kellerbar")
    client.force_login(UserFactory())
    client.post(reverse("venues:create"), create_data(slug=""))
    assert Venue.objects.filter(slug="kellerbar-2").exists()


def test_the_slug_suggestion_keeps_what_was_typed(client):
    VenueFactory(slug="kellerbar")
    client.force_login(UserFactory())
    response = client.get(reverse("venues:slug_suggestion"), {"name": "Kellerbar", "slug": "my-own"})
    html = response.content.decode()
    assert 'id="venue-slug-field"' in html
    assert 'placeholder="kellerbar-2"' in html
    assert 'value="my-own"' in html
    assert "<html" not in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "taken"}, "Another venue already uses this address"),
        ({"slug": "new"}, "This address is reserved"),
        ({"name": "   "}, "Give your venue a name."),
        ({"capacity": "-5"}, "it must be at least 1"),
        ({"capacity": "99999999"}, "That is more than any venue holds"),
        ({"description": "x" * 10_000}, "at most 5000 characters"),
        ({"time_zone": "Nowhere/Atlantis"}, "not a time zone we know"),
        ({"stage_name": ""}, "Name your first stage"),
        ({"place": "Qqqzzx"}, "We know no city called"),
    ],
)
def test_bad_input_on_create_gets_a_message_and_saves_nothing(client, overrides, message):
    VenueFactory(slug="taken")
    client.force_login(UserFactory())
    response = client.post(reverse("venues:create"), create_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Venue.objects.count() == 1


# ---- Editing the profile -------------------------------------------------------------------------


def profile_data(**overrides) -> dict:
    data = {
        "name": "Kellerbar",
        "description": "A cellar.",
        "address": "Karl-Liebknecht-Straße 10",
        "postcode": "04107",
        "city": "Leipzig",
        "region": "",
        "country": "DE",
        "time_zone": "Europe/Berlin",
        "capacity": "180",
        "website": "https://kellerbar.example",
        "instagram": "https://instagram.com/kellerbar",
    }
    data.update(overrides)
    return data


def test_saving_the_profile(client, venue):
    client.force_login(booker_of(venue))
    response = client.post(reverse("venues:manage", args=[venue.slug]), profile_data(name="Kellerbar Leipzig"))
    assert response.status_code == 302
    venue.refresh_from_db()
    assert (venue.name, venue.capacity, venue.instagram) == (
        "Kellerbar Leipzig",
        180,
        "https://instagram.com/kellerbar",
    )
    assert venue.status == ApprovalStatus.APPROVED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"website": "javascript:alert(1)"}, "Enter a full web address starting with https://"),
        ({"instagram": "https://evil.example/kellerbar"}, "should be on instagram.com"),
        ({"name": ""}, "Give your venue a name."),
        ({"capacity": "-1"}, "it must be at least 1"),
        ({"capacity": "1000000000000"}, "That is more than any venue holds"),
        ({"description": "x" * 10_000}, "at most 5000 characters"),
        ({"time_zone": "Mars/Base"}, "not a time zone we know"),
    ],
)
def test_bad_input_on_the_profile_gets_a_message_and_saves_nothing(client, venue, overrides, message):
    client.force_login(owner_of(venue))
    before = snapshot(venue)
    response = client.post(reverse("venues:manage", args=[venue.slug]), profile_data(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # The page head keeps the saved name, not the rejected one.
    assert "<h1>Kellerbar</h1>" in html
    assert snapshot(venue) == before


@pytest.mark.parametrize(
    ("status", "reason", "banner"),
    [
        (ApprovalStatus.PENDING, "", "Awaiting approval."),
        (ApprovalStatus.SUSPENDED, "Fake listing reported twice", "Reason: Fake listing reported twice"),
    ],
)
def test_manage_pages_show_why_a_venue_is_not_public(client, venue, status, reason, banner):
    Venue.objects.filter(pk=venue.pk).update(status=status, status_reason=reason)
    client.force_login(booker_of(venue))
    for name in EDITOR_PAGES:
        assert banner in client.get(reverse(name, args=[venue.slug])).content.decode()


# ---- Stages -----------------------------------------------------------------------------------------


def test_stage_rules_are_explained(client):
    venue = VenueFactory(stages=["Only room"])
    owner = VenueStaffFactory(venue=venue).user
    client.force_login(owner)
    stage = venue.stages.get()
    html = client.get(reverse("venues:stages", args=[venue.slug])).content.decode()
    assert "This is your only stage, so it cannot be deleted." in html
    response = client.post(reverse("venues:stage_delete", args=[venue.slug, stage.pk]), follow=True)
    assert "its last stage cannot be deleted" in response.content.decode()
    assert venue.stages.count() == 1


def test_duplicate_and_empty_stage_names_get_a_message(client, venue):
    client.force_login(owner_of(venue))
    before = snapshot(venue)
    response = client.post(reverse("venues:stages", args=[venue.slug]), {"new-name": "main room"})
    assert response.status_code == 400
    assert "already has a stage with this name" in response.content.decode()
    side = venue.stages.get(name="Side room")
    response = client.post(reverse("venues:stage_update", args=[venue.slug, side.pk]), {f"stage-{side.pk}-name": " "})
    assert response.status_code == 400
    assert "Give the stage a name." in response.content.decode()
    assert snapshot(venue) == before


# ---- Photos ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: oversized_upload(30), "images can be at most 10 MB"),
        (fake_png_upload, "not a JPEG, PNG or WebP image"),
        (gif_upload, "not a JPEG, PNG or WebP image"),
    ],
)
def test_bad_photos_get_a_message_and_save_nothing(client, venue, upload, message):
    client.force_login(booker_of(venue))
    before = snapshot(venue)
    response = client.post(reverse("venues:photos", args=[venue.slug]), {"image": upload(), "caption": "x"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(venue) == before


def test_photos_are_re_encoded_and_captioned(client, venue):
    client.force_login(owner_of(venue))
    response = client.post(
        reverse("venues:photos", args=[venue.slug]), {"image": png_upload((3000, 2000)), "caption": "Full house"}
    )
    assert response.status_code == 302
    photo = venue.photos.get(caption="Full house")
    assert photo.image.name.endswith(".webp")
    assert (photo.image.width, photo.image.height) == (1600, 1067)
    html = client.get(reverse("venues:photos", args=[venue.slug])).content.decode()
    assert 'alt="Full house"' in html


def test_the_thirteenth_photo_is_refused(client, venue):
    VenuePhotoFactory.create_batch(11, venue=venue)
    client.force_login(owner_of(venue))
    html = client.get(reverse("venues:photos", args=[venue.slug])).content.decode()
    assert "the most a venue can show" in html
    response = client.post(reverse("venues:photos", args=[venue.slug]), {"image": png_upload()})
    assert response.status_code == 400
    assert "at most 12 photos" in response.content.decode()
    assert venue.photos.count() == 12


def test_deleting_a_photo_deletes_its_file(client, venue, django_capture_on_commit_callbacks):
    photo = venue.photos.get()
    storage, name = photo.image.storage, photo.image.name
    client.force_login(booker_of(venue))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("venues:photo_delete", args=[venue.slug, photo.pk]))
    assert not storage.exists(name)
    assert not venue.photos.exists()


# ---- Staff -------------------------------------------------------------------------------------------


def test_staff_page_lists_names_and_roles_never_emails(client, venue):
    client.force_login(booker_of(venue))
    html = client.get(reverse("venues:staff", args=[venue.slug])).content.decode()
    assert "Olga Owner" in html and "Ben Booker" in html
    assert owner_of(venue).email not in html
    # A booker sees the list but no controls for others.
    assert "Change role" not in html
    assert "Leave this venue" in html


def test_the_only_owner_cannot_leave_be_demoted_or_removed(client, venue):
    owner = owner_of(venue)
    mine = venue.staff_roles.get(user=owner)
    client.force_login(owner)
    before = snapshot(venue)
    html = client.get(reverse("venues:staff", args=[venue.slug])).content.decode()
    assert "You are the only owner" in html
    response = client.post(reverse("venues:leave", args=[venue.slug]), follow=True)
    assert "is the only owner" in response.content.decode()
    client.post(reverse("venues:staff_role", args=[venue.slug, mine.pk]), {f"staff-{mine.pk}-role": "booker"})
    client.post(reverse("venues:staff_remove", args=[venue.slug, mine.pk]))
    assert snapshot(venue) == before


def test_owner_promotes_then_leaves(client, venue):
    owner = owner_of(venue)
    booker_row = venue.staff_roles.get(role=VenueStaff.Role.BOOKER)
    client.force_login(owner)
    promote = reverse("venues:staff_role", args=[venue.slug, booker_row.pk])
    client.post(promote, {f"staff-{booker_row.pk}-role": "owner"})
    response = client.post(reverse("venues:leave", args=[venue.slug]))
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert list(venue.staff_roles.values_list("user", "role")) == [(booker_row.user_id, "owner")]
    assert client.get(reverse("venues:manage", args=[venue.slug])).status_code == 403


def test_a_booker_can_leave(client, venue):
    booker = booker_of(venue)
    client.force_login(booker)
    response = client.post(reverse("venues:leave", args=[venue.slug]))
    assert response.url == reverse("dashboard")
    assert not venue.staff_roles.filter(user=booker).exists()


def test_a_bad_role_changes_nothing(client, venue):
    booker_row = venue.staff_roles.get(role=VenueStaff.Role.BOOKER)
    client.force_login(owner_of(venue))
    before = snapshot(venue)
    response = client.post(
        reverse("venues:staff_role", args=[venue.slug, booker_row.pk]),
        {f"staff-{booker_row.pk}-role": "superuser"},
        follow=True,
    )
    assert "Choose owner or booker." in response.content.decode()
    assert snapshot(venue) == before


# ---- Invites -----------------------------------------------------------------------------------------


def invite_data(**overrides) -> dict:
    return {"role": "booker", "max_uses": "1", "valid_days": "14", "email": "", **overrides}


def test_invites_list_shows_the_full_link_uses_left_and_expiry_in_my_zone(client, venue):
    owner = owner_of(venue)
    owner.time_zone = "America/New_York"
    owner.save(update_fields=["time_zone"])
    invite = venue.invites.get()
    VenueInvite.objects.filter(pk=invite.pk).update(uses=1, expires_at=datetime(2031, 7, 1, 16, 30, tzinfo=UTC))
    client.force_login(owner)
    html = client.get(reverse("venues:invites", args=[venue.slug])).content.decode()
    assert "2 of 3" in html
    assert "1 Jul 2031, 12:30" in html
    assert "(America/New_York)" in html
    assert 'value="http://testserver/join/' in html


def test_creating_and_emailing_an_invite(client, venue, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(owner_of(venue))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("venues:invites", args=[venue.slug]),
            invite_data(role="owner", max_uses="5", valid_days="2", email="new@example.com"),
            follow=True,
        )
    assert "Invite created and emailed to new@example.com." in response.content.decode()
    invite = venue.invites.latest("created_at")
    assert (invite.role, invite.max_uses, invite.email) == ("owner", 5, "new@example.com")
    assert timedelta(days=1, hours=23) < invite.expires_at - timezone.now() <= timedelta(days=2)
    [mail] = mailoutbox
    assert "http://testserver/join/" in mail.body
    assert "Kellerbar" in mail.subject


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"max_uses": "0"}, "must work at least once"),
        ({"max_uses": "101"}, "at most 100 times"),
        ({"valid_days": "0"}, "at least 1 day"),
        ({"valid_days": "31"}, "at most 30 days"),
        ({"role": "admin"}, "Select a valid choice"),
        ({"email": "not-an-email"}, "Enter a valid email address"),
    ],
)
def test_bad_invite_input_gets_a_message_and_creates_nothing(client, venue, overrides, message, mailoutbox):
    client.force_login(owner_of(venue))
    before = snapshot(venue)
    response = client.post(reverse("venues:invites", args=[venue.slug]), invite_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(venue) == before
    assert mailoutbox == []


def test_revoking_an_invite_hides_its_link(client, venue):
    invite = venue.invites.get()
    client.force_login(owner_of(venue))
    response = client.post(reverse("venues:invite_revoke", args=[venue.slug, invite.pk]), follow=True)
    html = response.content.decode()
    assert "Withdrawn" in html
    assert "/join/" not in html
    invite.refresh_from_db()
    assert invite.revoked_at is not None


# ---- Query counts: fixed, whatever the number of rows --------------------------------------------------

BUDGETS = {
    "venues:manage": 5,
    "venues:stages": 4,
    "venues:photos": 4,
    "venues:staff": 4,
    "venues:invites": 4,
}


def add_rows(venue: Venue, n: int) -> None:
    for i in range(n):
        Stage.objects.create(venue=venue, name=f"Extra stage {i}")
        VenuePhotoFactory(venue=venue)
        VenueStaffFactory(venue=venue, role=VenueStaff.Role.BOOKER)
        VenueInviteFactory(venue=venue, created_by=UserFactory())
        venue.genres.add(GenreFactory())


@pytest.mark.parametrize("name", list(BUDGETS))
def test_manage_pages_run_a_fixed_number_of_queries(client, venue, name, django_assert_max_num_queries):
    client.force_login(owner_of(venue))
    url = reverse(name, args=[venue.slug])
    with django_assert_max_num_queries(BUDGETS[name]):
        assert client.get(url).status_code == 200
    add_rows(venue, 8)
    with django_assert_max_num_queries(BUDGETS[name]):
        assert client.get(url).status_code == 200


# ---- Links -------------------------------------------------------------------------------------------

LINK_ERROR = re.compile(r'id="id_(\w+)_error"[^>]*>(.*?)</ul>', re.S)


@pytest.mark.parametrize(("typed", "message"), [BAD_LINKS[i] for i in (0, 3, 4, 7, 9, 12, 14, 16)])
def test_a_bad_venue_link_is_refused_next_to_its_field_and_nothing_is_saved(client, venue, typed, message):
    client.force_login(owner_of(venue))
    before = snapshot(venue)
    response = client.post(reverse("venues:manage", args=[venue.slug]), profile_data(website=typed, facebook=typed))
    assert response.status_code == 400
    errors = {name: html.unescape(text) for name, text in LINK_ERROR.findall(response.content.decode())}
    assert message in errors["website"]
    assert "facebook" in errors
    assert snapshot(venue) == before


@pytest.mark.parametrize(("typed", "stored"), GOOD_LINKS[:3])
def test_venue_links_as_people_paste_them_are_saved_as_full_addresses(client, venue, typed, stored):
    client.force_login(owner_of(venue))
    response = client.post(
        reverse("venues:manage", args=[venue.slug]), profile_data(website=typed, instagram="instagram.com/kellerbar")
    )
    assert response.status_code == 302
    venue.refresh_from_db()
    assert (venue.website, venue.instagram) == (stored, "https://instagram.com/kellerbar")
