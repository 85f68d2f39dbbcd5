"""The writes of the bands app: creating a band, its press kit and its members."""

import pytest
from django.core.exceptions import ValidationError

from accounts.tests.factories import UserFactory
from accounts.tests.images import png_upload
from bands import services
from bands.models import ApprovalStatus, Band, BandEmbed, BandPhoto, Membership
from bands.services import BandLimitError, BandPermissionError, MembershipError
from core.files.images import PHOTO_RULES, image_clean

from .factories import BandEmbedFactory, BandFactory, BandPhotoFactory, GenreFactory, MembershipFactory

pytestmark = pytest.mark.django_db

LEADER, ADMIN, MEMBER = Membership.Role.LEADER, Membership.Role.ADMIN, Membership.Role.MEMBER


def member(band, role=MEMBER, **kwargs) -> Membership:
    return MembershipFactory(band=band, role=role, **kwargs)


def roles(band) -> dict:
    return dict(Membership.objects.filter(band=band).values_list("user__email", "role"))


# ---- band_create / band_update -------------------------------------------------------------


def test_band_create_makes_the_creator_its_only_leader_and_waits_for_approval():
    user = UserFactory()
    rock = GenreFactory(name="Rock")
    band = services.band_create(
        by=user, name="Night Shift", slug="night-shift", genres=[rock], fee_min=100, fee_max=200
    )
    assert band.status == ApprovalStatus.PENDING
    assert not band.is_public
    assert list(band.genres.all()) == [rock]
    assert list(Membership.objects.filter(band=band).values_list("user", "role")) == [(user.pk, LEADER)]


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"name": "", "slug": "x"}, "name"),
        ({"name": "X", "slug": "taken"}, "slug"),
        ({"name": "X", "slug": "x", "fee_min": 500, "fee_max": 100}, "__all__"),
        ({"name": "X", "slug": "x", "bio": "b" * 10_000}, "bio"),
        ({"name": "X", "slug": "x", "time_zone": "Nowhere/Atlantis"}, "time_zone"),
        ({"name": "X", "slug": "x", "website": "javascript:alert(1)"}, "website"),
    ],
)
def test_band_create_refuses_invalid_fields_and_saves_nothing(fields, error_field):
    BandFactory(slug="taken")
    with pytest.raises(ValidationError) as caught:
        services.band_create(by=UserFactory(), **fields)
    assert error_field in caught.value.message_dict
    assert Band.objects.count() == 1
    assert not Membership.objects.exists()


def test_band_create_refuses_fields_a_band_cannot_set():
    with pytest.raises(TypeError):
        services.band_create(by=UserFactory(), name="X", slug="x", status=ApprovalStatus.APPROVED)
    assert not Band.objects.exists()


def test_band_update_by_a_manager_and_refused_for_others():
    band = BandFactory(name="Old")
    admin = member(band, ADMIN).user
    services.band_update(band=band, by=admin, name="New", instagram="https://instagram.com/new")
    band.refresh_from_db()
    assert (band.name, band.instagram) == ("New", "https://instagram.com/new")
    for outsider in [member(band, MEMBER).user, UserFactory()]:
        with pytest.raises(BandPermissionError):
            services.band_update(band=band, by=outsider, name="Hacked")
    band.refresh_from_db()
    assert band.name == "New"


def test_band_update_cannot_take_another_bands_slug():
    BandFactory(slug="taken")
    band = BandFactory(slug="mine")
    leader = member(band, LEADER).user
    with pytest.raises(ValidationError) as caught:
        services.band_update(band=band, by=leader, slug="taken")
    assert "slug" in caught.value.message_dict
    assert Band.objects.get(pk=band.pk).slug == "mine"


def test_band_update_cannot_change_the_approval_status():
    band = BandFactory(status=ApprovalStatus.PENDING)
    with pytest.raises(TypeError):
        services.band_update(band=band, by=member(band, LEADER).user, status=ApprovalStatus.APPROVED)
    assert Band.objects.get(pk=band.pk).status == ApprovalStatus.PENDING


# ---- Photos and players ----------------------------------------------------------------------


def test_photo_limit_is_enforced_by_the_service():
    band = BandFactory()
    leader = member(band, LEADER).user
    BandPhotoFactory.create_batch(services.PHOTO_LIMIT - 1, band=band)
    photo = services.band_photo_add(
        band=band, by=leader, image=image_clean(upload=png_upload(), rules=PHOTO_RULES), caption="12th"
    )
    assert photo.position == max(BandPhoto.objects.filter(band=band).values_list("position", flat=True))
    with pytest.raises(BandLimitError) as caught:
        services.band_photo_add(
            band=band, by=leader, image=image_clean(upload=png_upload(), rules=PHOTO_RULES), caption="13th"
        )
    assert str(caught.value) == "A band can show 12 photos. Delete one before you add another."
    assert BandPhoto.objects.filter(band=band).count() == 12


def test_photo_delete_removes_the_file_after_commit(django_capture_on_commit_callbacks):
    band = BandFactory()
    photo = BandPhotoFactory(band=band)
    storage, name = photo.image.storage, photo.image.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.band_photo_delete(photo=photo, by=member(band, ADMIN).user)
    assert storage.exists(name)  # still there until the deletion commits
    for callback in callbacks:
        callback()
    assert not storage.exists(name)


def test_photo_changes_are_refused_for_plain_members():
    band = BandFactory()
    photo = BandPhotoFactory(band=band, caption="Keep")
    plain = member(band, MEMBER).user
    with pytest.raises(BandPermissionError):
        services.band_photo_update(photo=photo, by=plain, caption="Changed")
    with pytest.raises(BandPermissionError):
        services.band_photo_delete(photo=photo, by=plain)
    assert BandPhoto.objects.get(pk=photo.pk).caption == "Keep"


def test_embeds_are_parsed_limited_and_refused_from_unknown_hosts():
    band = BandFactory()
    leader = member(band, LEADER).user
    embed = services.band_embed_add(band=band, by=leader, url="https://youtu.be/dQw4w9WgXcQ", title=" Live ")
    assert (embed.provider, embed.embed_url, embed.title) == (
        "youtube",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        "Live",
    )
    with pytest.raises(ValidationError) as caught:
        services.band_embed_add(band=band, by=leader, url="https://evil.example/player")
    assert caught.value.code == "unknown_host"
    BandEmbedFactory.create_batch(services.EMBED_LIMIT - 1, band=band)
    with pytest.raises(BandLimitError):
        services.band_embed_add(band=band, by=leader, url="https://youtu.be/dQw4w9WgXcQ")
    assert BandEmbed.objects.filter(band=band).count() == services.EMBED_LIMIT
    with pytest.raises(BandPermissionError):
        services.band_embed_add(band=band, by=member(band).user, url="https://youtu.be/dQw4w9WgXcQ")


# ---- Members ---------------------------------------------------------------------------------


def test_leader_promotes_and_demotes():
    band = BandFactory()
    leader = member(band, LEADER).user
    other = member(band, MEMBER)
    services.membership_update(membership=other, by=leader, role=LEADER, instrument=" Bass ", required=False)
    other.refresh_from_db()
    assert (other.role, other.instrument, other.required) == (LEADER, "Bass", False)
    services.membership_update(membership=other, by=leader, role=ADMIN, instrument="Bass", required=True)
    assert Membership.objects.get(pk=other.pk).role == ADMIN


def test_admin_manages_members_and_admins_but_not_leadership():
    band = BandFactory()
    leader_ms = member(band, LEADER)
    admin = member(band, ADMIN).user
    plain = member(band, MEMBER)
    services.membership_update(membership=plain, by=admin, role=ADMIN, instrument="Keys", required=True)
    assert Membership.objects.get(pk=plain.pk).role == ADMIN
    before = roles(band)
    with pytest.raises(BandPermissionError):
        services.membership_update(membership=plain, by=admin, role=LEADER, instrument="", required=True)
    with pytest.raises(BandPermissionError):
        services.membership_update(membership=leader_ms, by=admin, role=MEMBER, instrument="", required=True)
    with pytest.raises(BandPermissionError):
        services.membership_remove(membership=leader_ms, by=admin)
    assert roles(band) == before
    # Instrument and "needed" of a leader are fine for an admin to change.
    services.membership_update(membership=leader_ms, by=admin, role=LEADER, instrument="Voice", required=False)
    assert Membership.objects.get(pk=leader_ms.pk).instrument == "Voice"


def test_plain_members_and_outsiders_change_nothing():
    band = BandFactory()
    target = member(band, MEMBER)
    for actor in [member(band, MEMBER).user, member(BandFactory(), LEADER).user, UserFactory()]:
        with pytest.raises(BandPermissionError):
            services.membership_update(membership=target, by=actor, role=ADMIN, instrument="", required=True)
        with pytest.raises(BandPermissionError):
            services.membership_remove(membership=target, by=actor)
    assert Membership.objects.get(pk=target.pk).role == MEMBER


def test_the_last_leader_cannot_be_demoted_removed_or_leave():
    band = BandFactory(name="Night Shift")
    leader_ms = member(band, LEADER, user__display_name="Lea")
    member(band, ADMIN)
    for attempt in [
        lambda: services.membership_update(
            membership=leader_ms, by=leader_ms.user, role=ADMIN, instrument="", required=True
        ),
        lambda: services.membership_remove(membership=leader_ms, by=leader_ms.user),
        lambda: services.membership_leave(band=band, by=leader_ms.user),
    ]:
        with pytest.raises(MembershipError) as caught:
            attempt()
        assert caught.value.code == "last_leader"
        assert "only leader of Night Shift" in str(caught.value)
    assert Membership.objects.get(pk=leader_ms.pk).role == LEADER


def test_with_a_second_leader_the_first_may_step_down_or_leave():
    band = BandFactory()
    first = member(band, LEADER)
    second = member(band, LEADER)
    services.membership_update(membership=first, by=first.user, role=MEMBER, instrument="", required=True)
    with pytest.raises(MembershipError):
        services.membership_leave(band=band, by=second.user)
    services.membership_update(membership=first, by=second.user, role=LEADER, instrument="", required=True)
    services.membership_leave(band=band, by=first.user)
    assert roles(band) == {second.user.email: LEADER}


def test_leader_removes_another_leader_but_never_the_last():
    band = BandFactory()
    first, second = member(band, LEADER), member(band, LEADER)
    services.membership_remove(membership=second, by=first.user)
    with pytest.raises(MembershipError):
        services.membership_remove(membership=first, by=first.user)
    assert roles(band) == {first.user.email: LEADER}


def test_members_may_leave_and_strangers_are_told_they_are_not_in():
    band = BandFactory(name="Night Shift")
    member(band, LEADER)
    plain = member(band, MEMBER)
    services.membership_leave(band=band, by=plain.user)
    assert not Membership.objects.filter(pk=plain.pk).exists()
    with pytest.raises(MembershipError) as caught:
        services.membership_leave(band=band, by=plain.user)
    assert str(caught.value) == "You are not in Night Shift."


def test_an_unknown_role_is_refused():
    band = BandFactory()
    leader = member(band, LEADER).user
    target = member(band)
    with pytest.raises(MembershipError):
        services.membership_update(membership=target, by=leader, role="owner", instrument="", required=True)
    assert Membership.objects.get(pk=target.pk).role == MEMBER
