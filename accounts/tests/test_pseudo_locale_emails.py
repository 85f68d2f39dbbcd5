"""Every word of a notification, in the app and by email, is marked for translation, and each
recipient reads it in their own language, whatever language the person who caused it was using.

Drawn in the pseudo-locale, each kind of notification the services send – its stored text, its email
(subject, plain text and HTML, action buttons), the daily digest, the invites sent by email and the
notifications page – shows no letters outside ⟦…⟧ once the data (names, places, messages) is out.
"""

import ast
import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from accounts.models import Notification, NotificationPreference, User
from accounts.services import language_for, notification_digest_send
from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus, BandInvite
from bands.services import band_invite_accept, band_invite_create, band_set_status
from bookings.models import Booking
from bookings.services import answering, asking, ending
from bookings.services.files import booking_file_add
from bookings.services.reschedule import reschedule_decline, reschedule_propose
from bookings.services.threads import message_post
from bookings.services.venue_slots import offer_invite_create
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner
from stageslot.tests import source as shared
from stageslot.tests.pseudo import CODE, OPEN, PageData, database_words, pseudo_locale, unwrapped_text
from stageslot.tests.test_marked_words import APPS, ROOT, SKIPPED_FILES, SKIPPED_PARTS, _bare, _name

pytestmark = [pytest.mark.django_db, pytest.mark.slow(reason="renders every notification's email and page")]

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://stageslot.example/"


@pytest.fixture
def world():
    venue, owner = venue_with_owner(name="Zum Anker", time_zone="Europe/Berlin")
    band, leader = band_with_leader(name="Night Owls", time_zone="Europe/Berlin")
    rival, rival_leader = band_with_leader(name="Velvet Rooms", time_zone="Europe/Berlin")
    client = UserFactory(display_name="Cleo Client", time_zone="Europe/Berlin")
    return {
        "venue": venue,
        "owner": owner,
        "band": band,
        "leader": leader,
        "rival": rival,
        "rival_leader": rival_leader,
        "client": client,
        "slot": SlotFactory(venue=venue, title="Indie Night", support_places=1),
        "other_slot": SlotFactory(venue=venue, title="Jazz Brunch", starts_at=in_days(20), support_places=0),
    }


def _local(days: int, hour: int) -> dt.datetime:
    day = timezone.localdate(timezone.now(), BERLIN) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)


def _everything(w) -> None:
    """Each kind of notification the services send, and the invites sent by email."""
    band, leader, owner, client = w["band"], w["leader"], w["owner"], w["client"]
    application = asking.booking_apply(slot=w["slot"], band=band, by=leader, role="headliner")
    asking.booking_apply(slot=w["slot"], band=w["rival"], by=w["rival_leader"], role="headliner")
    answering.booking_accept(booking=application, by=owner)  # the rival's application is declined with it
    offer = asking.booking_offer(slot=w["other_slot"], band=band, by=owner, role="headliner")
    answering.booking_decline(booking=offer, by=leader, reason="Too far for us")
    message_post(booking=application, by=owner, body="Doors open at seven.")
    message_post(booking=application, by=leader, body="See you there.")
    booking_file_add(
        booking=application,
        by=leader,
        upload=SimpleUploadedFile("rider.txt", b"Two DI boxes"),
        title="Rider",
        kind="rider",
    )
    request = asking.booking_request(
        band=band,
        client=client,
        starts_at=_local(40, 12),
        ends_at=_local(40, 15),
        time_zone="Europe/Berlin",
        event_type="wedding",
        location="Hall 9",
        message="Please play.",
    )
    answering.booking_accept(booking=request, by=leader)
    proposal = reschedule_propose(
        booking=request, by=client, starts_at=_local(42, 12), ends_at=_local(42, 15), reason="Rain date"
    )
    reschedule_decline(proposal=proposal, by=leader, note="We are away")
    message_post(booking=request, by=client, body="Thank you!")
    second = asking.booking_request(
        band=band, client=client, starts_at=_local(50, 12), ends_at=_local(50, 15), time_zone="Europe/Berlin"
    )
    answering.booking_withdraw(booking=second, by=client)
    ending.booking_cancel(booking=application, by=owner, reason="The roof leaks")
    joiner = UserFactory(display_name="Jo Joiner")
    invite = band_invite_create(band=band, by=leader, email="friend@example.com", base_url="https://stageslot.example")
    band_invite_accept(invite=BandInvite.objects.get(pk=invite.pk), user=joiner)
    band_set_status(band=band, status=ApprovalStatus.SUSPENDED, reason="Checking the photos")
    offer_invite_create(
        slot=w["slot"],
        by=owner,
        email="new-band@example.com",
        role=Booking.Role.SUPPORT,
        fee=None,
        message="",
        band_name="The New Ones",
        site_url="https://stageslot.example",
    )


def _data() -> PageData:
    """The database's words, and the event types as sentences show them (lower case), kept once for the many
    texts they are taken out of (each line of each plain text email among them)."""
    words = database_words()
    return PageData(words | {w.lower() for w in words})


def _links(text: str) -> set[str]:
    """The addresses an email shows (data, like names)."""
    return set(re.findall(r"https?://[^\s'\"<>]+", text))


def _loose_lines(text: str, data: PageData) -> list[str]:
    """The lines of a plain text email with letters outside the brackets, once data and links are out."""
    return [line for line in text.splitlines() if line.strip() and unwrapped_text(f"<p>{line}</p>", data=data)]


def test_every_notification_email_and_page_is_marked(world, client, django_capture_on_commit_callbacks):
    with pseudo_locale():
        with django_capture_on_commit_callbacks(execute=True):
            _everything(world)
        # Message notifications of the band's leader wait for the daily digest.
        leader = world["leader"]
        NotificationPreference.objects.create(user=leader, kind="message", email=NotificationPreference.Email.DIGEST)
        with django_capture_on_commit_callbacks(execute=True):
            message_post(
                booking=Booking.objects.get(slot=world["slot"], band=world["band"]), by=world["owner"], body="Hi"
            )
        assert notification_digest_send(user_id=leader.pk, now=timezone.now() + dt.timedelta(days=2)) == 1
        data = _data()
        kinds = set(Notification.objects.values_list("kind", flat=True))
        assert {
            "booking_created",
            "booking_booked",
            "booking_declined",
            "booking_withdrawn",
            "booking_cancelled",
            "message",
            "booking_file",
            "booking_reschedule",
            "booking_rescheduled",
            "invite_accepted",
            "band_status",
        } <= kinds
        found = []
        for note in Notification.objects.all():
            found += [f"notification {note.kind}: {u}" for u in unwrapped_text(f"<p>{note.text}</p>", data=data)]
            assert note.text.startswith(OPEN), note.text
            for action in note.data.get("actions", []):
                assert action["label"].startswith(OPEN), action
        subjects = {m.subject for m in mail.outbox}
        assert any("digest" in s for s in subjects)
        assert any("invites you" in s for s in subjects) and any("offers you a gig" in s for s in subjects)
        footed = 0
        for message in mail.outbox:
            html = message.alternatives[0][0]
            if "List-Unsubscribe" in message.extra_headers:  # a notification's email or the digest
                footed += 1
                # Mail to an address with no account behind it (an invitation, a stand-in's ask) has no settings
                # of its own to link: its one-click link stops mail to the address.
                has_account = User.objects.filter(email__iexact=message.to[0]).exists()
                links = ["https://stageslot.example/privacy/"]
                links += ["https://stageslot.example/notifications/settings/"] if has_account else []
                for link in links:
                    assert link in message.body and f'href="{link}"' in html, (message.subject, link)
            shown = data | _links(message.body) | _links(html)
            found += [f"subject {u}" for u in unwrapped_text(f"<p>{message.subject}</p>", data=shown)]
            found += [f"text of {message.subject}: {line}" for line in _loose_lines(message.body, shown)]
            found += [f"html of {message.subject}: {u}" for u in unwrapped_text(html, data=shown)]
        for person in (world["leader"], world["owner"], world["client"]):
            client.force_login(person)
            page = client.get("/notifications/")
            assert page.status_code == 200
            found += [f"/notifications/ of {person}: {u}" for u in unwrapped_text(page.content.decode(), data=data)]
    assert footed > len(kinds), footed
    assert found == [], "\n".join(found)


def test_each_recipient_reads_their_own_language(world, django_capture_on_commit_callbacks):
    """The actor works in English; the venue's owner reads the pseudo-locale, the rival in English."""
    owner, rival_leader = world["owner"], world["rival_leader"]
    owner.language = CODE
    owner.save(update_fields=["language"])
    with pseudo_locale(), translation.override("en"):
        assert language_for(owner) == CODE and language_for(rival_leader) == CODE  # blank: the site's
        rival_leader.language = "en"
        rival_leader.save(update_fields=["language"])
        with django_capture_on_commit_callbacks(execute=True):
            asking.booking_apply(slot=world["slot"], band=world["band"], by=world["leader"], role="headliner")
            offer = asking.booking_offer(slot=world["other_slot"], band=world["rival"], by=owner, role="headliner")
            answering.booking_decline(booking=offer, by=rival_leader, reason="Too far")
        assert translation.get_language() == "en"
    to_owner = Notification.objects.get(recipient=owner, kind="booking_created")
    assert to_owner.text.startswith("⟦") and "Night Owls" in to_owner.text
    assert [a["label"] for a in to_owner.data["actions"]] == ["⟦Accept⟧", "⟦Decline⟧"]
    to_rival = Notification.objects.get(recipient=rival_leader, kind="booking_created")
    assert to_rival.text.startswith("Zum Anker offers Velvet Rooms a slot: headline at Zum Anker on ")
    assert [a["label"] for a in to_rival.data["actions"]] == ["Accept", "Decline", "The offer letter (PDF)"]
    declined = Notification.objects.get(recipient=owner, kind="booking_declined")
    assert declined.text.startswith("⟦Declined: Velvet Rooms to ⟦headline at Zum Anker on ")
    # The first email of each: the new booking, with its Accept and Decline buttons.
    emails = {}
    for message in mail.outbox:
        emails.setdefault(message.to[0], message)
    assert emails[owner.email].subject.startswith("⟦StageSlot: ⟦Night Owls applied to ⟦headline at Zum Anker")
    assert "⟦Accept⟧" in emails[owner.email].body and "⟦Hello" in emails[owner.email].body
    assert emails[rival_leader.email].subject.startswith("StageSlot: Zum Anker offers Velvet Rooms a slot")
    assert "Accept: https://" in emails[rival_leader.email].body
    assert "⟦" not in emails[rival_leader.email].body + emails[rival_leader.email].alternatives[0][0]


def test_an_invite_reaches_someone_with_an_account_in_their_language(world, django_capture_on_commit_callbacks):
    """The inviter works in the pseudo-locale; the friend with an account reads English, an address
    nobody has reads the site's language (inside pseudo_locale(): the pseudo-locale)."""
    friend = UserFactory(email="friend@example.com", language="en")
    with pseudo_locale():
        with django_capture_on_commit_callbacks(execute=True):
            band_invite_create(band=world["band"], by=world["leader"], email=friend.email, base_url="https://x.example")
            band_invite_create(
                band=world["band"], by=world["leader"], email="new@example.com", base_url="https://x.example"
            )
        assert translation.get_language() == CODE
    to_friend, to_new = mail.outbox[-2], mail.outbox[-1]
    assert to_friend.to == [friend.email] and to_new.to == ["new@example.com"]
    assert "⟦" not in to_friend.subject + to_friend.body
    assert to_friend.subject.endswith("invites you to join Night Owls on StageSlot")
    assert to_new.subject.startswith("⟦") and "⟦Hello,⟧" in to_new.body


# ---- No notification is written as a bare sentence ---------------------------------------------------

# The calls that take a notification's text: (name, position of the text when not given as text=…).
NOTIFYING = {"notifications_create": None, "NotificationItem": None, "booking_notify": 2, "_notify": 1, "_tell": None}


def _bare_notifications(nodes: Iterable[ast.AST]) -> list[int]:
    found = []
    for node in nodes:
        if not isinstance(node, ast.Call) or _name(node.func) not in NOTIFYING:
            continue
        position = NOTIFYING[_name(node.func)]
        text = next((k.value for k in node.keywords if k.arg == "text"), None)
        if text is None and position is not None and len(node.args) > position:
            text = node.args[position]
        if text is not None and _bare(text):
            found.append(node.lineno)
    return found


def test_no_notification_text_is_a_bare_sentence():
    """Found from the source: a notification made only in a rare case is missed by the walk above."""
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if SKIPPED_PARTS & set(relative.parts) or relative.as_posix() in SKIPPED_FILES:
                continue
            nodes = shared.walk(shared.read(path), str(relative))
            found += [f"{relative}:{line}" for line in _bare_notifications(nodes)]
    assert found == []


def test_the_notification_check_finds_what_it_looks_for():
    source = (
        "notifications_create(recipients=r, kind='k', text=f'{a} applied.', key='x')\n"
        "notifications_create(recipients=r, kind='k', text=lazy_text(gettext_lazy('%(a)s applied.'), a=a), key='x')\n"
        "booking_notify(booking, people, 'Booked.', actor=by, event='booked')\n"
        "NotificationItem(recipients=r, kind='k', text='Reminder.', key='x')\n"
        "booking_notify(booking, people, text, actor=by, event='booked')\n"
    )
    assert _bare_notifications(ast.walk(ast.parse(source))) == [1, 3, 4]
