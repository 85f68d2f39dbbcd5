"""A booking's message thread: who is in it, sending, notifications, flood guard, unread markers and
counts, the HTMX views (send, poll), outsiders, plain text with links, query budgets."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.people import people_draw
from accounts.ratelimit import LimitReached
from accounts.services import notifications_create
from accounts.tests.factories import PASSWORD, UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingPermissionError
from bookings.models import Booking, Message, ThreadRead
from bookings.selectors.threads import thread_can_read, thread_messages, thread_participants, thread_unread_counts
from bookings.services.threads import FLOOD_LIMIT, message_post, thread_mark_read
from bookings.templatetags.threads import linkify
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from bookings.tests.test_detail_views import make_world
from venues.models import VenueStaff
from venues.tests.factories import VenueStaffFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
INBOX = reverse("bookings:inbox")


@pytest.fixture
def world() -> SimpleNamespace:
    return make_world()


def url(name: str, booking: Booking) -> str:
    return reverse(f"bookings:{name}", args=[booking.uid])


def message_notes(**filters) -> list[Notification]:
    return list(Notification.objects.filter(kind="message", **filters).order_by("recipient_id"))


# ---- Who is in it -------------------------------------------------------------------------------


def test_participants_are_every_band_member_and_the_venue_staff(world):
    booker = VenueStaffFactory(venue=world.venue, role=VenueStaff.Role.BOOKER).user
    people = {u.pk for u in thread_participants(world.application)}
    assert people == {world.leader.pk, world.member.pk, world.owner.pk, booker.pk}


def test_participants_of_a_private_request_are_the_band_and_the_client(world):
    people = {u.pk for u in thread_participants(world.request)}
    assert people == {world.leader.pk, world.member.pk, world.client.pk}


def test_someone_on_both_sides_is_in_the_thread_once(world):
    MembershipFactory(band=world.band, user=world.owner, role=Membership.Role.MEMBER)
    people = [u.pk for u in thread_participants(world.application)]
    assert sorted(people) == sorted(set(people))
    assert world.owner.pk in people


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("leader", True),
        ("member", True),
        ("owner", True),
        ("other_leader", False),
        ("other_owner", False),
        ("client", False),
        ("other_client", False),
    ],
)
def test_who_reads_an_applications_thread(world, who, expected):
    assert thread_can_read(booking=world.application, user=getattr(world, who)) is expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("client", True), ("leader", True), ("member", True), ("owner", False), ("other_client", False)],
)
def test_who_reads_a_requests_thread(world, who, expected):
    assert thread_can_read(booking=world.request, user=getattr(world, who)) is expected


def test_staff_and_anonymous_do_not_read_a_thread(world):
    from django.contrib.auth.models import AnonymousUser

    staff = UserFactory(is_staff=True, is_superuser=True)
    assert not thread_can_read(booking=world.application, user=staff)
    assert not thread_can_read(booking=world.application, user=AnonymousUser())


# ---- Sending ------------------------------------------------------------------------------------


def test_post_strips_saves_and_marks_the_thread_read_for_the_author(world):
    message = message_post(booking=world.application, by=world.member, body="  \r\nSoundcheck at 18:00?\r\n ")
    message.refresh_from_db()
    assert message.body == "Soundcheck at 18:00?"
    assert message.author == world.member
    read = ThreadRead.objects.get(booking=world.application, user=world.member)
    assert read.last_read_id == message.pk


@pytest.mark.parametrize("body", ["", "   ", "\r\n\t"])
def test_an_empty_message_is_refused(world, body):
    with pytest.raises(ValidationError, match=r"Write a message first\."):
        message_post(booking=world.application, by=world.leader, body=body)
    assert not Message.objects.exists()


def test_a_message_over_the_limit_is_refused_naming_the_limit(world):
    with pytest.raises(ValidationError, match="at most 2000 characters"):
        message_post(booking=world.application, by=world.leader, body="x" * 2001)
    assert not Message.objects.exists()


def test_the_limit_counts_a_browsers_line_break_once(world):
    body = ("y" * 99 + "\r\n") * 20  # 2000 characters as the textarea counts them
    message = message_post(booking=world.application, by=world.leader, body=body.strip() + "z")
    assert len(message.body) == 2000


@pytest.mark.parametrize("who", ["other_leader", "other_owner", "other_client", "client"])
def test_outsiders_cannot_post(world, who):
    with pytest.raises(BookingPermissionError):
        message_post(booking=world.application, by=getattr(world, who), body="Hello")
    assert not Message.objects.exists()
    assert not message_notes()


def test_posting_is_open_in_every_status(world):
    Booking.objects.filter(pk=world.application.pk).update(status=Booking.Status.COMPLETED)
    world.application.refresh_from_db()
    assert message_post(booking=world.application, by=world.owner, body="Thanks for a great night!").pk
    Booking.objects.filter(pk=world.request.pk).update(status=Booking.Status.CANCELLED)
    world.request.refresh_from_db()
    assert message_post(booking=world.request, by=world.client, body="Maybe next year.").pk


def test_the_flood_guard_stops_the_21st_message_in_ten_minutes(world):
    for i in range(FLOOD_LIMIT):
        message_post(booking=world.application, by=world.leader, body=f"Message {i}")
    with pytest.raises(LimitReached, match="Wait a few minutes") as refused:
        message_post(booking=world.application, by=world.leader, body="One more")
    assert 0 < refused.value.retry_after <= 600
    assert Message.objects.count() == FLOOD_LIMIT
    # Someone else in the thread is not held back, and older messages stop counting.
    assert message_post(booking=world.application, by=world.owner, body="Slow down!").pk
    Message.objects.filter(author=world.leader).update(created_at=timezone.now() - timedelta(minutes=11))
    assert message_post(booking=world.application, by=world.leader, body="Sorry.").pk


# ---- Notifications ------------------------------------------------------------------------------


def test_every_other_participant_is_notified_never_the_author(world):
    booker = VenueStaffFactory(venue=world.venue, role=VenueStaff.Role.BOOKER).user
    message = message_post(booking=world.application, by=world.member, body="Can we bring a smoke machine?")
    notes = message_notes()
    assert {n.recipient_id for n in notes} == {world.leader.pk, world.owner.pk, booker.pk}
    note = notes[0]
    when = timezone.localtime(world.application.starts_at, note.recipient.zone)
    assert people_draw(note.text).startswith("Max Member (The Night Shift) wrote about the gig at Kellerbar on ")
    assert "Max Member" not in note.text  # by reference (docs/decisions/0131)
    assert f"{when:%H:%M}–" in note.text
    assert note.text.endswith(": “Can we bring a smoke machine?”")
    assert note.link == f"/bookings/{world.application.uid}/#thread"
    assert note.dedupe_key == f"message:{message.pk}:{note.recipient_id}"


def test_the_band_members_hear_of_the_clients_message(world):
    message_post(booking=world.request, by=world.client, body="Can you play our song?")
    notes = message_notes()
    assert {n.recipient_id for n in notes} == {world.leader.pk, world.member.pk}
    read = people_draw(notes[0].text)
    assert read.startswith("Anna Client (client) wrote about the wedding at Gut Kleinow, Brandenburg on ")


def test_the_venue_writes_as_the_venue_and_the_text_quotes_the_start_only(world):
    body = "Load-in is through the back door on Hofgasse. " * 5
    message_post(booking=world.application, by=world.owner, body=body)
    note = message_notes(recipient=world.leader)[0]
    assert f"{world.owner.name} (Kellerbar) wrote" in people_draw(note.text)
    quoted = note.text.split("“", 1)[1].rstrip("”")
    assert len(quoted) == 80 and quoted.endswith("…")
    assert quoted.startswith("Load-in is through the back door on Hofgasse. Load-in")


def test_a_literal_when_in_a_message_stays_text(world):
    message_post(booking=world.application, by=world.owner, body="Tell me {when} suits you")
    note = message_notes(recipient=world.leader)[0]
    assert "“Tell me (when) suits you”" in note.text


def test_each_person_is_told_once_per_message(world):
    MembershipFactory(band=world.band, user=world.owner, role=Membership.Role.MEMBER)
    message = message_post(booking=world.application, by=world.leader, body="Hello both of you")
    assert len(message_notes(recipient=world.owner)) == 1
    again = notifications_create(
        recipients=thread_participants(world.application),
        kind="message",
        text="again",
        key=f"message:{message.pk}",
        actor=world.leader,
    )
    assert again == []
    assert len(message_notes()) == 2  # the owner and the member


def test_a_refused_message_notifies_nobody(world):
    with pytest.raises(ValidationError):
        message_post(booking=world.application, by=world.leader, body=" ")
    assert not message_notes()


# ---- Reading: messages, read markers, unread counts -----------------------------------------------


def test_messages_come_oldest_first_with_the_authors_side(world):
    first = message_post(booking=world.application, by=world.owner, body="Hi band")
    second = message_post(booking=world.application, by=world.member, body="Hi venue")
    messages = thread_messages(booking=world.application)
    assert [m.pk for m in messages] == [first.pk, second.pk]
    assert messages[0].side.label() == "Kellerbar (venue)"
    assert messages[1].side.label() == "The Night Shift (band)"
    assert [m.pk for m in thread_messages(booking=world.application, after_id=first.pk)] == [second.pk]
    client_message = message_post(booking=world.request, by=world.client, body="Hi")
    assert thread_messages(booking=world.request)[0].side.label() == "Client"
    assert client_message.pk not in [m.pk for m in thread_messages(booking=world.application)]


def test_a_former_member_keeps_their_messages_without_a_side(world):
    message_post(booking=world.application, by=world.member, body="I am off to Berlin")
    Membership.objects.filter(band=world.band, user=world.member).delete()
    message = thread_messages(booking=world.application)[0]
    assert message.author == world.member and message.side.key == ""


def test_the_limit_keeps_the_latest_messages_and_a_poll_goes_on_from_its_id(world):
    ids = [message_post(booking=world.application, by=world.owner, body=f"m{i}").pk for i in range(5)]
    assert [m.pk for m in thread_messages(booking=world.application, limit=2)] == ids[-2:]
    assert [m.pk for m in thread_messages(booking=world.application, after_id=ids[0], limit=2)] == ids[1:3]


def test_the_read_marker_never_moves_backwards(world):
    thread_mark_read(booking=world.application, user=world.leader, up_to_id=10)
    thread_mark_read(booking=world.application, user=world.leader, up_to_id=4)
    assert ThreadRead.objects.get(booking=world.application, user=world.leader).last_read_id == 10
    thread_mark_read(booking=world.application, user=world.leader, up_to_id=12)
    assert ThreadRead.objects.get(booking=world.application, user=world.leader).last_read_id == 12
    assert ThreadRead.objects.filter(user=world.leader).count() == 1


def test_unread_counts_are_others_messages_since_the_marker_in_one_query(world, django_assert_num_queries):
    first = message_post(booking=world.application, by=world.owner, body="1")
    message_post(booking=world.application, by=world.owner, body="2")
    message_post(booking=world.application, by=world.leader, body="mine")
    message_post(booking=world.request, by=world.client, body="3")
    ids = [world.application.pk, world.request.pk]
    # The leader's own message marked the thread read up to it.
    with django_assert_num_queries(1):
        assert thread_unread_counts(user=world.member, booking_ids=ids) == {
            world.application.pk: 3,
            world.request.pk: 1,
        }
    assert thread_unread_counts(user=world.leader, booking_ids=ids) == {world.request.pk: 1}
    thread_mark_read(booking=world.application, user=world.member, up_to_id=first.pk)
    assert thread_unread_counts(user=world.member, booking_ids=ids)[world.application.pk] == 2
    with django_assert_num_queries(0):
        assert thread_unread_counts(user=world.member, booking_ids=[]) == {}


# ---- Plain text with links ----------------------------------------------------------------------


def test_linkify_escapes_everything_and_keeps_line_breaks():
    html = linkify('<script>alert("x")</script>\n<a href="https://evil.test">click</a> & more')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://evil.test">' not in html
    assert "&lt;a href=&quot;" in html
    assert "<br>" in html and "&amp; more" in html


def test_linkify_links_http_and_https_only():
    html = linkify("See https://kellerbar.test/map?x=1&y=2 or http://a.test, not javascript:alert(1) or ftp://b.test")
    assert (
        '<a href="https://kellerbar.test/map?x=1&amp;y=2" rel="nofollow noopener noreferrer" target="_blank">'
        "https://kellerbar.test/map?x=1&amp;y=2</a>" in html
    )
    assert '<a href="http://a.test" rel="nofollow noopener noreferrer" target="_blank">' in html
    assert html.count("<a ") == 2
    assert "javascript:alert(1)" in html


@pytest.mark.parametrize(
    "text",
    [
        'https://x.test/"onmouseover="alert(1)',
        "https://x.test/'onmouseover='alert(1)",
        "https://x.test/<script>alert(1)</script>",
        "https://x.test/`x`",
        'javascript:alert(1)//https://x.test/"><img src=x onerror=alert(1)>',
    ],
)
def test_linkify_never_lets_markup_out_of_a_link(text):
    html = linkify(text)
    assert "<script" not in html and "<img" not in html
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith("https://x.test/")
        assert "'" not in href and "<" not in href and "`" not in href
    assert not re.search(r"<a [^>]*on\w+=", html)


def test_linkify_leaves_sentence_punctuation_outside_and_keeps_brackets_the_link_opened():
    html = linkify("Map: https://x.test/a. Wiki (https://x.test/Foo_(bar)).")
    assert '<a href="https://x.test/a" ' in html and "</a>. Wiki (" in html
    assert '<a href="https://x.test/Foo_(bar)" ' in html and "</a>)." in html


def test_linkify_escapes_text_already_marked_safe():
    template = Template("{% load threads %}{{ text|safe|linkify }}")
    assert template.render(Context({"text": "<b>x</b>"})) == "&lt;b&gt;x&lt;/b&gt;"


# ---- The booking's page -------------------------------------------------------------------------


def test_the_page_shows_the_thread_with_sides_zone_and_the_form(client, world):
    message_post(booking=world.application, by=world.owner, body="Welcome!\nSee https://kellerbar.test/map")
    message_post(booking=world.application, by=world.leader, body="<b>Thanks</b>")
    client.force_login(world.leader)
    html = client.get(url("detail", world.application)).content.decode()
    assert 'id="thread"' in html and ">Messages</h2>" in html
    assert "Kellerbar (venue)" in html and "The Night Shift (band)" in html
    assert "Times in <strong>Europe/Berlin</strong>" in html
    assert 'Welcome!<br>See <a href="https://kellerbar.test/map"' in html
    assert "&lt;b&gt;Thanks&lt;/b&gt;" in html and "<b>Thanks</b>" not in html
    assert "thread__msg thread__msg--own" in html and "(you)" in html
    assert '<label for="thread-body">Your message</label>' in html
    assert 'maxlength="2000"' in html and "2000 characters left" in html
    assert f'hx-post="{url("message_post", world.application)}"' in html
    assert f'action="{url("message_post", world.application)}#thread"' in html
    assert 'hx-trigger="every 5s"' in html and 'hx-swap="beforeend"' in html


def test_message_times_are_in_the_viewers_zone(client, world):
    world.owner.time_zone = "America/New_York"
    world.owner.save(update_fields=["time_zone"])
    message = message_post(booking=world.application, by=world.leader, body="Hi")
    client.force_login(world.owner)
    html = client.get(url("detail", world.application)).content.decode()
    local = timezone.localtime(message.created_at, world.owner.zone)
    assert f"{local:%H:%M}</time>" in html
    assert "Times in <strong>America/New_York</strong>" in html


def test_a_new_divider_marks_the_first_unread_message_once(client, world):
    message_post(booking=world.application, by=world.owner, body="Old news")
    client.force_login(world.leader)
    client.get(url("detail", world.application))
    message_post(booking=world.application, by=world.leader, body="My own")
    message_post(booking=world.application, by=world.owner, body="Fresh one")
    message_post(booking=world.application, by=world.owner, body="Fresher one")
    html = client.get(url("detail", world.application)).content.decode()
    assert html.count('class="thread__new"') == 1
    assert html.index('class="thread__new"') < html.index("Fresh one")
    assert html.index("My own") < html.index('class="thread__new"')
    assert thread_unread_counts(user=world.leader, booking_ids=[world.application.pk]) == {}
    assert 'class="thread__new"' not in client.get(url("detail", world.application)).content.decode()


def test_an_empty_thread_invites_the_first_message(client, world):
    client.force_login(world.client)
    html = " ".join(client.get(url("detail", world.request)).content.decode().split())
    assert "No messages yet." in html and "Between every member of The Night Shift and Anna Client." in html


# ---- Sending from the page ----------------------------------------------------------------------


def test_send_with_htmx_returns_an_empty_form_and_the_new_messages(client, world):
    earlier = message_post(booking=world.application, by=world.owner, body="Before")
    meanwhile = message_post(booking=world.application, by=world.owner, body="Meanwhile")
    client.force_login(world.leader)
    response = client.post(url("message_post", world.application), {"body": "On our way", "after": earlier.pk}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    mine = Message.objects.get(body="On our way")
    assert mine.author == world.leader
    assert re.search(r"<textarea[^>]*autofocus[^>]*></textarea>", html)  # empty, ready for the next one
    assert 'hx-swap-oob="beforeend:#thread-messages"' in html
    assert "Meanwhile" in html and "On our way" in html and "Before" not in html
    assert f'value="{mine.pk}"' in html
    assert meanwhile.pk < mine.pk
    assert thread_unread_counts(user=world.leader, booking_ids=[world.application.pk]) == {}


def test_send_without_javascript_redirects_back_to_the_thread(client, world):
    client.force_login(world.member)
    response = client.post(url("message_post", world.application), {"body": "Plain post"})
    assert response.status_code == 302
    assert response.url == f"{url('detail', world.application)}#thread"
    assert Message.objects.get().body == "Plain post"


@pytest.mark.parametrize(
    ("body", "reason"),
    [("   ", "Write a message first."), ("x" * 2001, "at most 2000 characters")],
)
def test_bad_input_is_a_400_in_place_and_saves_nothing(client, world, body, reason):
    client.force_login(world.leader)
    response = client.post(url("message_post", world.application), {"body": body, "after": "0"}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert reason in html and 'role="alert"' in html and 'aria-invalid="true"' in html
    assert 'id="thread-form"' in html and "hx-swap-oob" not in html
    assert not Message.objects.exists() and not message_notes()


def test_too_long_keeps_the_text_and_says_how_much_is_over(client, world):
    client.force_login(world.leader)
    response = client.post(url("message_post", world.application), {"body": "x" * 2005}, **HTMX)
    html = response.content.decode()
    assert "x" * 2005 in html and "5 characters too many" in html


def test_bad_input_without_javascript_is_the_page_with_the_reason_at_the_thread(client, world):
    client.force_login(world.leader)
    response = client.post(url("message_post", world.application), {"body": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The Night Shift at Kellerbar" in html and "Write a message first." in html
    assert not Message.objects.exists()


def test_a_flood_is_a_429_with_the_reason_and_retry_after(client, world):
    for i in range(FLOOD_LIMIT):
        message_post(booking=world.application, by=world.leader, body=f"{i}")
    client.force_login(world.leader)
    response = client.post(url("message_post", world.application), {"body": "More!"}, **HTMX)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Wait a few minutes" in response.content.decode() and "More!" in response.content.decode()
    plain = client.post(url("message_post", world.application), {"body": "More!"})
    assert plain.status_code == 429 and "Wait a few minutes" in plain.content.decode()
    assert Message.objects.count() == FLOOD_LIMIT


def test_sending_needs_a_post(client, world):
    client.force_login(world.leader)
    assert client.get(url("message_post", world.application)).status_code == 405


# ---- Polling ------------------------------------------------------------------------------------


def test_the_poll_returns_only_messages_after_the_id_and_the_new_last_id(client, world):
    first = message_post(booking=world.application, by=world.leader, body="First")
    second = message_post(booking=world.application, by=world.owner, body="Second")
    client.force_login(world.member)
    response = client.get(url("thread", world.application), {"after": first.pk}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Second" in html and "First" not in html
    assert re.search(rf'id="thread-after"[^>]*value="{second.pk}"[^>]*hx-swap-oob="true"', html)
    assert thread_unread_counts(user=world.member, booking_ids=[world.application.pk]) == {}


def test_the_poll_answers_204_when_nothing_is_new(client, world):
    last = message_post(booking=world.application, by=world.leader, body="Only one")
    client.force_login(world.owner)
    response = client.get(url("thread", world.application), {"after": last.pk}, **HTMX)
    assert response.status_code == 204 and response.content == b""


def _stamp(html: str) -> str:
    """The thread's change stamp the page or the last answer gave the poll to send back."""
    return re.search(r'id="thread-stamp"[^>]*value="([^"]*)"', html).group(1)


def _own_queries(captured) -> list[str]:
    """The queries beyond the floor of any signed-in request (its session and its user)."""
    return [q["sql"] for q in captured if "django_session" not in q["sql"] and '"accounts_user"' not in q["sql"]]


def test_an_unchanged_thread_answers_204_from_its_stamp_without_a_query(client, world):
    last = message_post(booking=world.application, by=world.leader, body="Only one")
    client.force_login(world.owner)
    stamp = _stamp(client.get(url("detail", world.application)).content.decode())
    assert stamp
    with CaptureQueriesContext(connection) as polled:
        response = client.get(url("thread", world.application), {"after": last.pk, "stamp": stamp}, **HTMX)
    assert response.status_code == 204 and response.content == b""
    assert _own_queries(polled.captured_queries) == []
    assert len(polled.captured_queries) <= 2  # the session and the user, what any signed-in request reads


def test_a_message_posted_through_the_service_moves_the_thread_stamp(client, world):
    first = message_post(booking=world.application, by=world.leader, body="First")
    client.force_login(world.owner)
    stamp = _stamp(client.get(url("detail", world.application)).content.decode())
    message_post(booking=world.application, by=world.member, body="Second, from the drummer")
    response = client.get(url("thread", world.application), {"after": first.pk, "stamp": stamp}, **HTMX)
    assert response.status_code == 200 and "Second, from the drummer" in response.content.decode()
    new_stamp = _stamp(response.content.decode())
    assert new_stamp and new_stamp != stamp
    after = Message.objects.latest("pk").pk
    assert client.get(url("thread", world.application), {"after": after, "stamp": new_stamp}, **HTMX).status_code == 204
    # Another booking's message leaves this thread's stamp alone.
    message_post(booking=world.request, by=world.leader, body="Elsewhere")
    assert client.get(url("thread", world.application), {"after": after, "stamp": new_stamp}, **HTMX).status_code == 204


def test_sending_hands_the_form_the_stamp_after_its_own_message(client, world):
    client.force_login(world.owner)
    stamp = _stamp(client.get(url("detail", world.application)).content.decode())
    sent = client.post(url("message_post", world.application), {"body": "Mine", "after": 0}, **HTMX)
    new_stamp = _stamp(sent.content.decode())
    assert new_stamp and new_stamp != stamp
    after = Message.objects.get(body="Mine").pk
    assert client.get(url("thread", world.application), {"after": after, "stamp": new_stamp}, **HTMX).status_code == 204


def test_a_cold_stamp_cache_reads_the_thread_again(client, world):
    first = message_post(booking=world.application, by=world.leader, body="First")
    client.force_login(world.owner)
    stamp = _stamp(client.get(url("detail", world.application)).content.decode())
    caches["stamps"].clear()
    Message.objects.create(booking=world.application, author=world.leader, body="Behind the services' back")
    response = client.get(url("thread", world.application), {"after": first.pk, "stamp": stamp}, **HTMX)
    assert response.status_code == 200 and "Behind the services" in response.content.decode()


@pytest.mark.parametrize("who", ["other_leader", "other_owner", "other_client", "client"])
def test_an_outsider_guessing_a_stamp_still_gets_a_404(client, world, who):
    message_post(booking=world.application, by=world.leader, body="Secret fee talk")
    client.force_login(world.owner)
    stamp = _stamp(client.get(url("detail", world.application)).content.decode())
    client.force_login(getattr(world, who))
    for guess in ("", "x", stamp[:-1] + ("A" if stamp[-1] != "A" else "B")):
        poll = client.get(url("thread", world.application), {"after": 0, "stamp": guess}, **HTMX)
        assert poll.status_code == 404 and b"Secret fee talk" not in poll.content


def test_the_poll_refuses_a_bad_id(client, world):
    client.force_login(world.owner)
    response = client.get(url("thread", world.application), {"after": "abc"}, **HTMX)
    assert response.status_code == 400


def test_a_plain_visit_of_the_poll_goes_to_the_thread_on_the_page(client, world):
    client.force_login(world.owner)
    response = client.get(url("thread", world.application))
    assert response.status_code == 302 and response.url == f"{url('detail', world.application)}#thread"


# ---- Outsiders ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_leader", "other_owner", "other_client", "client"])
def test_outsiders_get_a_404_and_nothing_is_saved(client, world, who):
    message_post(booking=world.application, by=world.leader, body="Secret fee talk")
    client.force_login(getattr(world, who))
    poll = client.get(url("thread", world.application), {"after": 0}, **HTMX)
    assert poll.status_code == 404 and b"Secret fee talk" not in poll.content
    post = client.post(url("message_post", world.application), {"body": "Let me in"}, **HTMX)
    assert post.status_code == 404
    assert client.post(url("message_post", world.application), {"body": "Let me in"}).status_code == 404
    assert Message.objects.count() == 1


def test_the_venue_is_an_outsider_of_a_private_request(client, world):
    client.force_login(world.owner)
    assert client.get(url("thread", world.request), **HTMX).status_code == 404
    assert client.post(url("message_post", world.request), {"body": "Hi"}, **HTMX).status_code == 404


def test_the_anonymous_visitor_is_sent_to_log_in(client, world):
    for response in (
        client.get(url("thread", world.application), {"after": 0}, **HTMX),
        client.post(url("message_post", world.application), {"body": "Hi"}),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert not Message.objects.exists()


# ---- The inbox's badge --------------------------------------------------------------------------


def test_the_inbox_shows_unread_messages_per_booking(client, world):
    message_post(booking=world.application, by=world.owner, body="1")
    message_post(booking=world.application, by=world.owner, body="2")
    message_post(booking=world.request, by=world.client, body="3")
    client.force_login(world.member)  # waits for both: the leader answers
    html = client.get(INBOX, {"tab": "waiting"}).content.decode()
    assert f'href="{url("detail", world.application)}#thread">2 new messages</a>' in html
    assert f'href="{url("detail", world.request)}#thread">1 new message</a>' in html
    client.get(url("detail", world.application))
    html = client.get(INBOX, {"tab": "waiting"}).content.decode()
    assert f"{url('detail', world.application)}#thread" not in html
    assert f'href="{url("detail", world.request)}#thread">1 new message</a>' in html


def test_the_inbox_badge_is_one_query_whatever_the_rows(client, django_assert_max_num_queries):
    counts = []
    for n in (1, 20):
        venue, owner = venue_with_owner()
        band, leader = band_with_leader()
        for i in range(n):
            slot = SlotFactory(venue=venue, starts_at=in_days(5 + i), ends_at=in_days(5 + i) + timedelta(hours=2))
            booking = BookingFactory(band=band, slot=slot, requested_by=leader)
            message_post(booking=booking, by=owner, body=f"About slot {i}")
        client.force_login(leader)
        client.get(INBOX, {"tab": "waiting"})
        # Session, user, memberships, venue roles, agency links, counts, rows, unread counts.
        with django_assert_max_num_queries(8) as ctx:
            html = client.get(INBOX, {"tab": "waiting"}).content.decode()
        assert html.count("1 new message<") == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# ---- Query budgets ------------------------------------------------------------------------------


def _messages(world: SimpleNamespace, n: int) -> None:
    people = [world.owner, world.leader, world.member]
    Message.objects.bulk_create(
        Message(booking=world.application, author=people[i % 3], body=f"Message {i} https://x.test/{i}")
        for i in range(n)
    )


def test_the_page_costs_the_same_with_5_and_50_messages(client, django_assert_max_num_queries):
    counts = []
    for n in (5, 50):
        world = make_world(suffix=str(n))
        _messages(world, n)
        client.force_login(world.owner)
        client.get(url("detail", world.application))
        _messages(world, 1)  # one unread: the page marks it read again
        with django_assert_max_num_queries(13) as ctx:
            html = client.get(url("detail", world.application)).content.decode()
        assert html.count('class="thread__msg') == n + 1
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_the_poll_costs_the_same_with_5_and_50_new_messages(client, django_assert_max_num_queries):
    counts = []
    for n in (5, 50):
        world = make_world(suffix=str(n))
        client.force_login(world.member)
        client.get(url("thread", world.application), {"after": 0}, **HTMX)
        _messages(world, n)
        with django_assert_max_num_queries(8) as ctx:
            response = client.get(url("thread", world.application), {"after": 0}, **HTMX)
        assert response.content.decode().count('class="thread__msg') == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_sending_costs_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    _messages(world, 30)
    client.force_login(world.leader)
    # 20, one for the sides' blocks (checks.booking_contact_check), and up to 3 for taking a place of the
    # message limit first (its window's row inserted and counted up atomically where no Redis keeps the
    # counts, accounts/ratelimit.py).
    with django_assert_max_num_queries(24):
        response = client.post(url("message_post", world.application), {"body": "Hi all", "after": "0"}, **HTMX)
    assert response.status_code == 200


# ---- In the browser -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_send_appends_clears_and_the_other_side_sees_it_by_polling(live_server, browser, axe_check):
    from bands.tests.test_browser import log_in

    world = make_world()
    for person in (world.leader, world.owner):
        person.set_password(PASSWORD)
        person.save()
    detail = f"{live_server.url}{url('detail', world.application)}"

    venue_page = browser.new_context().new_page()
    log_in(venue_page, live_server.url, world.owner.email)
    venue_page.goto(detail)
    band_page = browser.new_context().new_page()
    log_in(band_page, live_server.url, world.leader.email)
    band_page.goto(detail)
    axe_check(band_page)

    box = band_page.get_by_label("Your message")
    box.fill("Hello <venue>, map: https://kellerbar.test/map")
    assert band_page.locator("#thread-left").inner_text() == "1954 characters left"
    band_page.get_by_role("button", name="Send").click()
    band_page.locator("#thread-messages .thread__msg--own").wait_for()
    assert band_page.get_by_label("Your message").input_value() == ""
    assert band_page.url == detail  # no reload, no redirect
    link = band_page.locator("#thread-messages a[href='https://kellerbar.test/map']")
    assert link.get_attribute("rel") == "nofollow noopener noreferrer"
    axe_check(band_page, what="the thread after sending")

    # The venue's open page gets it within a poll, once.
    venue_page.locator("#thread-messages .thread__msg", has_text="Hello <venue>").wait_for(timeout=12_000)
    venue_page.get_by_label("Your message").fill("See you at six.")
    venue_page.get_by_role("button", name="Send").click()
    band_page.locator("#thread-messages .thread__msg", has_text="See you at six.").wait_for(timeout=12_000)
    venue_page.wait_for_timeout(6_000)
    assert venue_page.locator("#thread-messages .thread__msg").count() == 2
    assert band_page.locator("#thread-messages .thread__msg").count() == 2

    # Too long (typed past the browser's limit by a script): the reason in place, the text kept.
    band_page.evaluate("document.getElementById('thread-body').removeAttribute('maxlength')")
    band_page.get_by_label("Your message").fill("x" * 2001)
    band_page.get_by_role("button", name="Send").click()
    band_page.get_by_role("alert").filter(has_text="at most 2000 characters").wait_for()
    axe_check(band_page, what="the thread refusing a long message")
    assert band_page.get_by_label("Your message").input_value() == "x" * 2001
    assert Message.objects.count() == 2
