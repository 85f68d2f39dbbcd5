"""The bell, the notifications page, opening and marking read: what the recipient sees and nobody else."""

import datetime as dt
import json
import re
import uuid

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications import (
    notification_mark_read,
    notifications_for,
    notifications_mark_all_read,
    notifications_unread_count,
)
from accounts.services import notifications_create
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def note(user, *, text="Kellerbar offers The Lanterns a slot.", link="/bookings/", ago=None, **fields) -> Notification:
    row = Notification.objects.create(
        recipient=user,
        kind=fields.pop("kind", "booking_created"),
        text=text,
        link=link,
        dedupe_key=f"test:{uuid.uuid4().hex}",
        **fields,
    )
    if ago is not None:
        Notification.objects.filter(pk=row.pk).update(created_at=timezone.now() - ago)
        row.refresh_from_db()
    return row


@pytest.fixture
def ann(client):
    user = UserFactory(time_zone="America/New_York")
    client.force_login(user)
    return user


# ---- Services ------------------------------------------------------------------------------


def test_unread_count_is_the_users_unread_in_app_rows():
    ann, bob = UserFactory(), UserFactory()
    note(ann)
    note(ann)
    note(ann, read_at=timezone.now())
    note(ann, in_app=False)  # the outbox of an email only
    note(bob)
    assert notifications_unread_count(user=ann) == 2
    assert notifications_unread_count(user=bob) == 1


def test_the_unread_count_is_one_query_on_the_unread_rows(django_assert_num_queries):
    ann = UserFactory()
    with django_assert_num_queries(1) as captured:
        notifications_unread_count(user=ann)
    sql = captured.captured_queries[0]["sql"]
    assert '"read_at" IS NULL' in sql and '"in_app"' in sql and '"recipient_id"' in sql


@pytest.mark.postgres
def test_the_unread_count_uses_the_partial_index():
    ann = UserFactory()
    Notification.objects.bulk_create(
        Notification(recipient=ann, kind="message", text="Read", dedupe_key=f"read:{i}", read_at=timezone.now())
        for i in range(300)
    )
    note(ann)
    unread = Notification.objects.filter(recipient=ann, read_at__isnull=True, in_app=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_notification")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = unread.explain()
    assert "accounts_notif_unread_in_app" in plan


def test_notifications_for_is_newest_first_and_in_app_only():
    ann = UserFactory()
    old = note(ann, ago=dt.timedelta(days=2))
    new = note(ann, ago=dt.timedelta(minutes=1))
    read = note(ann, ago=dt.timedelta(hours=1), read_at=timezone.now())
    note(ann, in_app=False)
    note(UserFactory())
    assert list(notifications_for(user=ann)) == [new, read, old]
    assert list(notifications_for(user=ann, unread_only=True)) == [new, old]


def test_mark_read_keeps_the_first_read_time_and_refuses_other_peoples():
    ann, bob = UserFactory(), UserFactory()
    mine = note(ann)
    first = notification_mark_read(user=ann, notification_id=mine.pk).read_at
    assert first is not None
    assert notification_mark_read(user=ann, notification_id=mine.pk).read_at == first
    with pytest.raises(Notification.DoesNotExist):
        notification_mark_read(user=bob, notification_id=mine.pk)
    hidden = note(ann, in_app=False)
    with pytest.raises(Notification.DoesNotExist):
        notification_mark_read(user=ann, notification_id=hidden.pk)
    assert Notification.objects.get(pk=hidden.pk).read_at is None


def test_mark_all_read_counts_only_the_users_unread():
    ann, bob = UserFactory(), UserFactory()
    note(ann)
    note(ann)
    note(ann, read_at=timezone.now())
    theirs = note(bob)
    assert notifications_mark_all_read(user=ann) == 2
    assert notifications_unread_count(user=ann) == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert notifications_mark_all_read(user=ann) == 0


# ---- Anonymous visitors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method", "args"),
    [
        ("notifications:list", "get", ()),
        ("notifications:settings", "get", ()),
        ("notifications:settings", "post", ()),
        ("notifications:open", "post", (1,)),
        ("notifications:read", "post", (1,)),
        ("notifications:read_all", "post", ()),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, name, method, args):
    url = reverse(name, args=args)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_bell_stops_polling_for_an_anonymous_visitor(client):
    response = client.get(reverse("notifications:bell"), **HTMX)
    assert response.status_code == 286  # htmx: stop polling
    assert response.content == b""
    assert "Location" not in response


# ---- The bell --------------------------------------------------------------------------------


def test_pages_render_the_bell_without_counting(client, ann):
    note(ann)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert not [q for q in captured.captured_queries if "accounts_notification" in q["sql"]]
    html = response.content.decode()
    assert f'hx-get="{reverse("notifications:bell")}"' in html
    assert 'hx-trigger="load, every 15s, notifications:changed from:body"' in html
    assert f'href="{reverse("notifications:list")}"' in html
    assert 'aria-live="polite"' in html
    assert reverse("notifications:settings") in html  # the user menu's link


def test_the_bell_counts_the_unread_in_one_query(client, ann, django_assert_num_queries):
    for _ in range(3):
        note(ann)
    note(ann, read_at=timezone.now())
    note(ann, in_app=False)
    note(UserFactory())
    # The session, the user, and the count.
    with django_assert_num_queries(3):
        response = client.get(reverse("notifications:bell"), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-unread-count="3"' in html
    assert 'aria-label="Notifications, 3 unread"' in html
    assert "bell-live" not in html  # the first answer on a page is not announced
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_bell_without_unread_says_so(client, ann):
    html = client.get(reverse("notifications:bell"), **HTMX).content.decode()
    assert 'data-unread-count="0"' in html
    assert 'aria-label="Notifications, none unread"' in html


def test_the_bell_shows_99_plus_above_99(client, ann):
    Notification.objects.bulk_create(
        Notification(recipient=ann, kind="message", text=f"Message {i}", dedupe_key=f"many:{i}") for i in range(100)
    )
    html = client.get(reverse("notifications:bell"), **HTMX).content.decode()
    assert 'data-unread-count="100"' in html
    assert ">99+</span>" in html
    assert 'aria-label="Notifications, 100 unread"' in html


def test_the_bell_answers_no_content_while_the_count_stays(client, ann):
    note(ann)
    url = reverse("notifications:bell")
    assert client.get(url, {"seen": "1"}, **HTMX).status_code == 204
    note(ann)
    response = client.get(url, {"seen": "1"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-unread-count="2"' in html
    assert 'id="bell-live" hx-swap-oob="innerHTML">Notifications: 2 unread<' in html


def _seen(html: str) -> str:
    """What the bell's hidden `seen` input sends back on the next poll."""
    return re.search(r'name="seen" value="([^"]*)"', html).group(1)


def _own_queries(captured) -> list[str]:
    """The queries a request made beyond the floor every signed-in request pays (its session and
    its user), so a change to that floor does not move the count pinned here."""
    return [q["sql"] for q in captured if "django_session" not in q["sql"] and '"accounts_user"' not in q["sql"]]


def test_an_unchanged_bell_answers_from_its_stamp_without_a_query(client, ann):
    notifications_create(recipients=[ann], kind="message", text="Hello", key=f"test:{uuid.uuid4().hex}")
    url = reverse("notifications:bell")
    first = client.get(url, **HTMX)
    seen = _seen(first.content.decode())
    assert seen.startswith("1:") and len(seen) > 3
    with CaptureQueriesContext(connection) as polled:
        response = client.get(url, {"seen": seen}, **HTMX)
    assert response.status_code == 204 and response.content == b""
    assert _own_queries(polled.captured_queries) == []
    assert len(polled.captured_queries) <= 2  # the session and the user, what any signed-in request reads


def test_the_bell_stamp_moves_with_every_service_that_changes_the_count(client, ann):
    url = reverse("notifications:bell")
    seen = _seen(client.get(url, **HTMX).content.decode())
    assert client.get(url, {"seen": seen}, **HTMX).status_code == 204
    (created,) = notifications_create(recipients=[ann], kind="message", text="Hi", key=f"test:{uuid.uuid4().hex}")
    response = client.get(url, {"seen": seen}, **HTMX)
    assert response.status_code == 200 and 'data-unread-count="1"' in response.content.decode()
    assert 'hx-swap-oob="innerHTML">Notifications: 1 unread<' in response.content.decode()
    seen = _seen(response.content.decode())
    assert client.get(url, {"seen": seen}, **HTMX).status_code == 204
    notification_mark_read(user=ann, notification_id=created.pk)
    response = client.get(url, {"seen": seen}, **HTMX)
    assert response.status_code == 200 and 'aria-label="Notifications, none unread"' in response.content.decode()
    seen = _seen(response.content.decode())
    notifications_create(recipients=[ann], kind="message", text="Again", key=f"test:{uuid.uuid4().hex}")
    notifications_create(recipients=[ann], kind="message", text="More", key=f"test:{uuid.uuid4().hex}")
    response = client.get(url, {"seen": seen}, **HTMX)
    assert 'data-unread-count="2"' in response.content.decode()
    seen = _seen(response.content.decode())
    notifications_mark_all_read(user=ann)
    response = client.get(url, {"seen": seen}, **HTMX)
    assert response.status_code == 200 and 'aria-label="Notifications, none unread"' in response.content.decode()


def test_another_persons_notification_leaves_the_bell_stamp_alone(client, ann):
    url = reverse("notifications:bell")
    seen = _seen(client.get(url, **HTMX).content.decode())
    notifications_create(recipients=[UserFactory()], kind="message", text="Hi", key=f"test:{uuid.uuid4().hex}")
    assert client.get(url, {"seen": seen}, **HTMX).status_code == 204


def test_a_cold_stamp_cache_counts_again(client, ann):
    url = reverse("notifications:bell")
    seen = _seen(client.get(url, **HTMX).content.decode())
    caches["stamps"].clear()
    note(ann)  # written behind the services' back: only a cold cache shows it, and it does
    response = client.get(url, {"seen": seen}, **HTMX)
    assert response.status_code == 200 and 'data-unread-count="1"' in response.content.decode()


def test_a_bell_stamp_sent_by_another_person_is_not_theirs(client, ann):
    url = reverse("notifications:bell")
    seen = _seen(client.get(url, **HTMX).content.decode())
    client.force_login(UserFactory())
    response = client.get(url, {"seen": seen}, **HTMX)
    assert response.status_code == 200 and 'data-unread-count="0"' in response.content.decode()


# ---- The notifications page -------------------------------------------------------------------


def test_the_list_shows_the_users_notifications_newest_first(client, ann):
    note(ann, text="Older news", ago=dt.timedelta(days=3), read_at=timezone.now())
    note(ann, text="Fresh news", ago=dt.timedelta(minutes=5))
    note(ann, text="Email only", in_app=False)
    note(UserFactory(), text="Somebody else's news")
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Fresh news") < html.index("Older news")
    assert "Email only" not in html
    assert "Somebody else" not in html
    # Unread is said in words, not by colour alone; times are in the viewer's zone, named.
    assert html.count('class="notif__new"') == 1
    assert "America/New_York" in html
    assert "5\xa0minutes ago" in html


def test_the_list_shows_times_in_the_viewers_zone(client, ann):
    row = note(ann)
    Notification.objects.filter(pk=row.pk).update(created_at=dt.datetime(2026, 7, 1, 18, 30, tzinfo=dt.UTC))
    html = client.get(reverse("notifications:list")).content.decode()
    assert "Wed 1 Jul 2026, 14:30 (America/New_York)" in html


def test_unread_only_leaves_out_the_read_ones(client, ann):
    note(ann, text="Unread news")
    note(ann, text="Read news", read_at=timezone.now())
    html = client.get(reverse("notifications:list"), {"unread": "1"}).content.decode()
    assert "Unread news" in html
    assert "Read news" not in html
    partial = client.get(reverse("notifications:list"), {"unread": "1"}, **HTMX).content.decode()
    assert "Unread news" in partial
    assert "<html" not in partial


def test_the_empty_list_says_what_will_appear(client, ann):
    html = client.get(reverse("notifications:list")).content.decode()
    assert "No notifications yet" in html
    assert "applies to your slot" in html
    note(ann, read_at=timezone.now())
    html = client.get(reverse("notifications:list"), {"unread": "1"}).content.decode()
    assert "Nothing unread" in html


def test_the_list_pages_by_30(client, ann):
    for i in range(35):
        note(ann, text=f"News number {i:02d}", ago=dt.timedelta(minutes=i))
    first = client.get(reverse("notifications:list")).content.decode()
    assert "News number 00" in first and "News number 29" in first
    assert "News number 30" not in first
    second = client.get(reverse("notifications:list"), {"page": "2"}).content.decode()
    assert "News number 30" in second and "News number 34" in second
    assert client.get(reverse("notifications:list"), {"page": "junk"}).status_code == 200


@pytest.mark.parametrize("count", [5, 40])
def test_the_list_costs_the_same_queries_with_many_notifications(client, ann, count, django_assert_max_num_queries):
    for i in range(count):
        note(ann, ago=dt.timedelta(minutes=i), read_at=timezone.now() if i % 2 else None)
    # The session, the user, the page's count and rows, the unread count.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200


# ---- Open, mark read, mark all read -------------------------------------------------------------


def test_opening_marks_read_and_goes_to_the_link(client, ann):
    row = note(ann, link="/bookings/1a2b/")
    response = client.post(reverse("notifications:open", args=[row.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/bookings/1a2b/"
    row.refresh_from_db()
    assert row.read_at is not None


@pytest.mark.parametrize("link", ["", "https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_opening_never_leaves_the_site(client, ann, link):
    row = note(ann, link=link)
    response = client.post(reverse("notifications:open", args=[row.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")


def test_opening_is_a_post(client, ann):
    row = note(ann)
    assert client.get(reverse("notifications:open", args=[row.pk])).status_code == 405
    row.refresh_from_db()
    assert row.read_at is None


@pytest.mark.parametrize("name", ["notifications:open", "notifications:read"])
def test_another_users_notification_is_not_found(client, ann, name):
    theirs = note(UserFactory())
    response = client.post(reverse(name, args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post(reverse(name, args=[987654])).status_code == 404


def test_mark_read_with_htmx_swaps_the_row_and_refreshes_the_bell(client, ann):
    row = note(ann, text="Booked at Kellerbar")
    response = client.post(reverse("notifications:read", args=[row.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notification-{row.pk}"' in html
    assert "Booked at Kellerbar" in html
    assert "Mark read" not in html
    assert "<html" not in html
    assert "notifications:changed" in json.loads(response["HX-Trigger"])
    row.refresh_from_db()
    assert row.read_at is not None


def test_mark_read_without_javascript_goes_back_to_the_list(client, ann):
    row = note(ann)
    url = reverse("notifications:read", args=[row.pk])
    response = client.post(url, {"next": "/notifications/?unread=1&page=2"})
    assert response["Location"] == "/notifications/?unread=1&page=2"
    response = client.post(url, {"next": "https://evil.example/notifications/"})
    assert response["Location"] == reverse("notifications:list")


def test_mark_all_read_reads_only_the_users_own(client, ann):
    note(ann)
    note(ann)
    theirs = note(UserFactory())
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert response.status_code == 200
    assert "Marked 2 notifications read." in response.content.decode()
    assert notifications_unread_count(user=ann) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_is_a_post(client, ann):
    note(ann)
    assert client.get(reverse("notifications:read_all")).status_code == 405
    assert notifications_unread_count(user=ann) == 1
