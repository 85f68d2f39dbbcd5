import io

import pytest
from django.urls import reverse
from PIL import Image

from .factories import UserFactory
from .images import fake_png_upload, huge_dimensions_png, oversized_upload, png_upload

pytestmark = pytest.mark.django_db
URL = reverse("accounts:profile")


@pytest.fixture
def user(client):
    user = UserFactory(display_name="Sam", time_zone="Europe/Berlin")
    client.force_login(user)
    return user


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_profile_shows_current_values(client, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        html = client.get(URL).content.decode()
    assert 'value="Sam"' in html
    assert '<option value="Europe/Berlin" selected>' in html


def test_update_name_zone_and_avatar(client, user):
    response = client.post(
        URL, {"display_name": "  Sam Rivera ", "time_zone": "Asia/Tokyo", "avatar": png_upload((900, 600))}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.time_zone) == ("Sam Rivera", "Asia/Tokyo")
    with user.avatar.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
    assert stored.format == "WEBP"
    assert stored.size == (512, 512)
    assert "Your profile is saved." in client.get(URL).content.decode()


def test_replacing_and_removing_the_avatar_deletes_old_files(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"display_name": "Sam", "time_zone": "UTC", "avatar": png_upload()})
    user.refresh_from_db()
    first = user.avatar.name
    storage = user.avatar.storage
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"display_name": "Sam", "time_zone": "UTC", "avatar": png_upload(color="green")})
    user.refresh_from_db()
    assert user.avatar.name != first
    assert not storage.exists(first)
    second = user.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"display_name": "Sam", "time_zone": "UTC", "remove_avatar": "on"})
    user.refresh_from_db()
    assert not user.avatar
    assert not storage.exists(second)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"time_zone": "Nowhere/Atlantis"}, "not a time zone we know"),
        ({"display_name": "x" * 81}, "at most 80 characters"),
        ({"avatar": fake_png_upload}, "not a JPEG, PNG or WebP image"),
        ({"avatar": huge_dimensions_png}, "far too many pixels"),
        ({"avatar": oversized_upload}, "images can be at most 5 MB"),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(client, user, data, message):
    data = {k: v() if callable(v) else v for k, v in data.items()}
    response = client.post(URL, {"display_name": "Changed", "time_zone": "UTC", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    user.refresh_from_db()
    assert (user.display_name, user.time_zone, bool(user.avatar)) == ("Sam", "Europe/Berlin", False)


def test_pages_are_shown_in_the_users_zone(client, user):
    html = client.get(reverse("dashboard")).content.decode()
    assert "Times on this page are shown in <strong>Europe/Berlin</strong>" in html
