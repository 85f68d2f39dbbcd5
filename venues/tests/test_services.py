from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from accounts.tests.factories import UserFactory
from accounts.tests.images import png_upload
from bands.models import ApprovalStatus
from bands.tests.factories import GenreFactory
from core.files.images import PHOTO_RULES, image_clean
from venues import services
from venues.models import Stage, Venue, VenuePhoto, VenueStaff
from venues.selectors import SLUG_TAKEN, venue_slug_suggest

from .factories import VenueFactory, VenuePhotoFactory, VenueStaffFactory

pytestmark = pytest.mark.django_db


def create(by=None, **overrides) -> Venue:
    fields = {
        "name": "Kellerbar",
        "slug": "kellerbar",
        "city": "Leipzig",
        "country": "DE",
        "time_zone": "Europe/Berlin",
        "capacity": 180,
        "stage_name": "Cellar",
    }
    fields.update(overrides)
    return services.venue_create(by=by or UserFactory(), **fields)


def photo() -> ContentFile:
    return image_clean(upload=png_upload(), rules=PHOTO_RULES)


# ---- Creating a venue ----------------------------------------------------------------------


def test_create_makes_a_pending_venue_with_its_first_stage_and_its_creator_as_owner():
    user = UserFactory()
    rock, jazz = GenreFactory(name="Rock"), GenreFactory(name="Jazz")
    venue = create(by=user, genres=[rock, jazz])
    assert venue.status == ApprovalStatus.PENDING
    assert list(venue.stages.values_list("name", flat=True)) == ["Cellar"]
    assert list(venue.staff_roles.values_list("user", "role")) == [(user.pk, VenueStaff.Role.OWNER)]
    assert set(venue.genres.all()) == {rock, jazz}
    assert str(venue.country) == "DE"


def test_create_names_the_first_stage_main_stage_when_no_name_is_given():
    venue = create(stage_name="  ")
    assert list(venue.stages.values_list("name", flat=True)) == ["Main stage"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"slug": "Not a slug!"}, "slug"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"description": "x" * 10_000}, "description"),
        ({"stage_name": "s" * 81}, "stage_name"),
        ({"slug": "new"}, "slug"),
    ],
)
def test_create_refuses_bad_values_and_saves_nothing(overrides, field):
    with pytest.raises(ValidationError) as exc:
        create(**overrides)
    assert field in exc.value.message_dict
    assert not Venue.objects.exists()
    assert not Stage.objects.exists()
    assert not VenueStaff.objects.exists()


def test_create_refuses_a_taken_slug_with_a_message():
    VenueFactory(slug="kellerbar")
    with pytest.raises(ValidationError) as exc:
        create(slug="kellerbar")
    assert exc.value.message_dict["slug"] == [SLUG_TAKEN]
    assert Venue.objects.count() == 1


def test_create_cannot_be_given_a_status():
    with pytest.raises(TypeError):
        create(status=ApprovalStatus.APPROVED)
    assert not Venue.objects.exists()


def test_slug_suggestion_skips_taken_and_reserved_addresses():
    assert venue_slug_suggest(name="Café Kellerbar!") == "cafe-kellerbar"
    VenueFactory(slug="cafe-kellerbar")
    VenueFactory(slug="cafe-kellerbar-2")
    assert venue_slug_suggest(name="Café Kellerbar") == "cafe-kellerbar-3"
    assert venue_slug_suggest(name="New") == "new-2"
    assert venue_slug_suggest(name="!!!") == "venue"


def test_update_changes_the_profile_but_not_the_status():
    venue = VenueFactory(status=ApprovalStatus.SUSPENDED, status_reason="Spam")
    genre = GenreFactory()
    services.venue_update(venue=venue, name="Kellerbar Leipzig", website="https://kellerbar.example", genres=[genre])
    venue.refresh_from_db()
    assert (venue.name, venue.website, venue.status) == ("Kellerbar Leipzig", "https://kellerbar.example", "suspended")
    assert list(venue.genres.all()) == [genre]


def test_update_refuses_a_javascript_link():
    venue = VenueFactory(website="")
    with pytest.raises(ValidationError) as exc:
        services.venue_update(venue=venue, website="javascript:alert(1)")
    assert "website" in exc.value.message_dict
    venue.refresh_from_db()
    assert venue.website == ""


# ---- Stages --------------------------------------------------------------------------------


def test_add_rename_and_delete_stages():
    venue = VenueFactory(stages=["Main room"])
    side = services.stage_add(venue=venue, name=" Side room ", capacity=80, notes="Small PA")
    assert (side.name, side.capacity) == ("Side room", 80)
    services.stage_update(stage=side, name="Garden", capacity=None, notes="")
    assert sorted(venue.stages.values_list("name", flat=True)) == ["Garden", "Main room"]
    services.stage_delete(stage=side)
    assert list(venue.stages.values_list("name", flat=True)) == ["Main room"]


def test_stage_names_are_unique_per_venue_in_any_case():
    venue = VenueFactory(stages=["Main room", "Side room"])
    VenueFactory(stages=["Garden"])
    with pytest.raises(ValidationError) as exc:
        services.stage_add(venue=venue, name="main ROOM")
    assert "already has a stage" in exc.value.message_dict["name"][0]
    side = venue.stages.get(name="Side room")
    with pytest.raises(ValidationError):
        services.stage_update(stage=side, name="Main room")
    # Another venue's stage name is free to use.
    services.stage_add(venue=venue, name="Garden")
    assert venue.stages.count() == 3


def test_the_last_stage_cannot_be_deleted():
    venue = VenueFactory(stages=["Only room"])
    with pytest.raises(ValidationError) as exc:
        services.stage_delete(stage=venue.stages.get())
    assert exc.value.code == "last_stage"
    assert venue.stages.count() == 1


# ---- Photos --------------------------------------------------------------------------------


def test_photos_are_added_in_order_up_to_the_limit(settings):
    venue = VenueFactory()
    first = services.venue_photo_add(venue=venue, image=photo(), caption="  The bar ")
    assert first.caption == "The bar"
    assert first.image.name.endswith(".webp")
    VenuePhotoFactory.create_batch(services.PHOTO_LIMIT - 1, venue=venue)
    with pytest.raises(ValidationError) as exc:
        services.venue_photo_add(venue=venue, image=photo())
    assert exc.value.code == "photo_limit"
    assert venue.photos.count() == services.PHOTO_LIMIT


def test_deleting_a_photo_removes_its_file_after_commit(django_capture_on_commit_callbacks):
    venue = VenueFactory()
    added = services.venue_photo_add(venue=venue, image=photo())
    storage, name = added.image.storage, added.image.name
    with django_capture_on_commit_callbacks() as callbacks:
        services.venue_photo_delete(photo=added)
        assert storage.exists(name), "the file must outlive a deletion that may still roll back"
    for callback in callbacks:
        callback()
    assert not storage.exists(name)
    assert not VenuePhoto.objects.exists()


# ---- Staff ---------------------------------------------------------------------------------


def test_the_last_owner_cannot_be_demoted_or_removed():
    owner = VenueStaffFactory(role=VenueStaff.Role.OWNER)
    booker = VenueStaffFactory(venue=owner.venue, role=VenueStaff.Role.BOOKER)
    with pytest.raises(ValidationError) as exc:
        services.venue_staff_set_role(staff=owner, role=VenueStaff.Role.BOOKER)
    assert exc.value.code == "last_owner"
    with pytest.raises(ValidationError) as exc:
        services.venue_staff_remove(staff=owner)
    assert exc.value.code == "last_owner"
    owner.refresh_from_db()
    assert owner.role == VenueStaff.Role.OWNER
    # The booker can still leave.
    services.venue_staff_remove(staff=booker)
    assert list(owner.venue.staff_roles.all()) == [owner]


def test_an_owner_can_hand_over_and_then_leave():
    owner = VenueStaffFactory(role=VenueStaff.Role.OWNER)
    booker = VenueStaffFactory(venue=owner.venue, role=VenueStaff.Role.BOOKER)
    services.venue_staff_set_role(staff=booker, role=VenueStaff.Role.OWNER)
    services.venue_staff_set_role(staff=owner, role=VenueStaff.Role.BOOKER)
    services.venue_staff_remove(staff=owner)
    assert list(VenueStaff.objects.values_list("user", "role")) == [(booker.user_id, VenueStaff.Role.OWNER)]


def test_a_stale_staff_row_does_not_fool_the_last_owner_rule():
    owner = VenueStaffFactory(role=VenueStaff.Role.OWNER)
    other = VenueStaffFactory(venue=owner.venue, role=VenueStaff.Role.OWNER)
    stale_copy = VenueStaff.objects.get(pk=other.pk)
    services.venue_staff_remove(staff=owner)
    # `stale_copy` was loaded while there were two owners; the service reads again under the lock.
    with pytest.raises(ValidationError):
        services.venue_staff_set_role(staff=stale_copy, role=VenueStaff.Role.BOOKER)


def test_an_unknown_role_is_refused():
    booker = VenueStaffFactory(role=VenueStaff.Role.BOOKER)
    with pytest.raises(ValidationError):
        services.venue_staff_set_role(staff=booker, role="admin")


# ---- Invites (creating, emailing, revoking) ------------------------------------------------


def test_invite_is_created_with_expiry_and_uses():
    owner = VenueStaffFactory()
    invite = services.venue_invite_create(
        venue=owner.venue, by=owner.user, role="booker", max_uses=5, valid_for=timedelta(days=3)
    )
    assert (invite.role, invite.max_uses, invite.uses, invite.created_by) == ("booker", 5, 0, owner.user)
    assert timedelta(days=2, hours=23) < invite.expires_at - invite.created_at <= timedelta(days=3)


@pytest.mark.parametrize(
    "kwargs",
    [{"max_uses": 0}, {"max_uses": 101}, {"valid_for": timedelta(days=31)}, {"valid_for": timedelta(0)}, {"role": "x"}],
)
def test_invite_limits_are_enforced(kwargs):
    owner = VenueStaffFactory()
    with pytest.raises(ValidationError):
        services.venue_invite_create(venue=owner.venue, by=owner.user, **{"role": "booker", **kwargs})
    assert not owner.venue.invites.exists()


def test_invite_email_is_sent_after_commit_with_the_absolute_link(mailoutbox, django_capture_on_commit_callbacks):
    owner = VenueStaffFactory(user__display_name="Mia Owner", venue__name="Kellerbar", venue__time_zone="Asia/Tokyo")
    with django_capture_on_commit_callbacks(execute=True):
        invite = services.venue_invite_create(
            venue=owner.venue,
            by=owner.user,
            role="owner",
            email=" Friend@Example.com ",
            site_url="https://stageslot.example/",
        )
    assert invite.email == "friend@example.com"
    [mail] = mailoutbox
    assert mail.to == ["friend@example.com"]
    assert mail.subject == "Mia Owner invited you to join Kellerbar on StageSlot"
    assert "https://stageslot.example/join/" in mail.body
    assert "as owner" in mail.body
    assert "(Asia/Tokyo)" in mail.body
    html = mail.alternatives[0][0]
    assert 'href="https://stageslot.example/join/' in html


def test_no_email_without_an_address(mailoutbox, django_capture_on_commit_callbacks):
    owner = VenueStaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.venue_invite_create(venue=owner.venue, by=owner.user, role="booker")
    assert mailoutbox == []


def test_revoking_keeps_the_first_time():
    owner = VenueStaffFactory()
    invite = services.venue_invite_create(venue=owner.venue, by=owner.user, role="booker")
    first = services.venue_invite_revoke(invite=invite).revoked_at
    assert first is not None
    assert services.venue_invite_revoke(invite=invite).revoked_at == first
