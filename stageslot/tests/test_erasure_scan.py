"""Deleting an account (docs/decisions/0082, issue 58's "Done when"): a band leader with a booked, paid
gig, a signed contract, reviews and threads closes their account; after the grace period the worker erases
it. Then no column of any table and no media file holds their name or email, except the fields kept by law
(listed in the person-data map) and what other people wrote in their own words (decision 0097); the other
side's booking, contract and invoice still open, and the invoice's figures are unchanged."""

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountClosure, ApiToken, Notification, PushSubscription, User
from availability.models import Rule
from bands.models import Membership
from bookings.models import Booking, CalendarFeed, Message
from bookings.services.threads import message_post
from documents.models import Contract, ContractSignature, Invoice
from documents.services import contracts as contract_services
from documents.services.invoices import invoice_issue
from documents.tests.contract_world import contract_world, sign
from payments.tests.money_world import pay_next
from reviews.models import Review
from reviews.tests.factories import completed_private_gig, review_of
from stageslot.privacy.erasure import ClosureRefused, account_close, account_erasures_round, closure_blockers
from stageslot.privacy.person_data import legal_hold_fields

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

NAME = "Zoë Quintero-Blyth"
EMAIL = "zoe.q+scan@example.test"


def _folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


NEEDLES = [NAME, EMAIL, _folded(NAME)]


def _leader_world():
    world = contract_world()
    leader = world.leader
    User.objects.filter(pk=leader.pk).update(display_name=NAME, email=EMAIL)
    EmailAddress.objects.filter(user=leader).update(email=EMAIL)
    leader.refresh_from_db()
    leader.avatar.save("face.png", ContentFile(b"\x89PNG not really, but " + NAME.encode()), save=True)
    Rule.objects.create(
        user=leader,
        title=f"{NAME} at the dentist",
        all_day=True,
        start_date=dt.date(2030, 1, 2),
        end_date=dt.date(2030, 1, 2),
        time_zone="Europe/Berlin",
    )
    ApiToken.objects.create(user=leader, name="laptop", prefix="ss_x", digest="d" * 64)
    PushSubscription.objects.create(user=leader, endpoint="https://push.example.test/1", p256dh="k", auth="a")
    CalendarFeed.objects.create(user=leader, scope="member", token="t" * 32)
    # The private gig: a signed contract, a paid deposit, its invoice; a thread both sides wrote in.
    contract = contract_services.contract_draw(booking=world.private, by=leader)
    sign(contract, leader, "band", full_name=NAME)
    contract = sign(contract, world.client, "client", full_name="Anna Client")
    pay_next(world.private, by=world.client)
    invoice = invoice_issue(booking=world.private)
    message_post(booking=world.private, by=leader, body=f"Hi, {NAME} here: we arrive at six. Mail {EMAIL}.")
    message_post(booking=world.private, by=world.client, body=f"Thank you {NAME}, see you then!")
    # Reviews written and received on an earlier gig.
    earlier = completed_private_gig(band=world.band, client=world.client)["booking"]
    review_of(earlier, leader, "client", text=f"Lovely hosts. – {NAME}")
    review_of(earlier, world.client, "band", text=f"{NAME} and the band were great.")
    world.contract, world.invoice, world.earlier = contract, invoice, earlier
    return world


def _hits() -> list[str]:
    """Every (model, field) of every table whose text holds a needle, legal hold fields apart."""
    held = legal_hold_fields()
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                continue
            if (model._meta.label, field.name) in held:
                continue
            column = Cast(field.name, models.TextField()) if isinstance(field, models.JSONField) else F(field.name)
            query = Q()
            for needle in NEEDLES:
                query |= Q(scan__icontains=needle)
            values = model._base_manager.annotate(scan=column).filter(query).values_list("scan", flat=True)
            found += [f"{model._meta.label}.{field.name}: {value}" for value in values]
            # JSON keeps non-ASCII escaped: look for the escaped name too.
            if isinstance(field, models.JSONField):
                escaped = NAME.encode("ascii", "backslashreplace").decode().replace("\\x", "\\u00")
                n = model._base_manager.annotate(scan=column).filter(scan__icontains=escaped).count()
                found += [f"{model._meta.label}.{field.name} (escaped)"] * n
    return found


def _media_hits() -> list[str]:
    found = []
    for root in (settings.MEDIA_ROOT, settings.BOOKING_FILES_ROOT):
        for path in Path(root).rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                if any(needle.encode() in data for needle in NEEDLES):
                    found.append(str(path))
    return found


def test_an_erased_band_leader_leaves_no_name_or_email_and_the_other_side_keeps_its_papers(client):
    world = _leader_world()
    leader = world.leader
    invoice_figures = Invoice.objects.filter(pk=world.invoice.pk).values().get()
    assert _hits(), "the scan must find the person before erasure"

    # The sole leader of a band with other members must hand over first.
    with pytest.raises(ClosureRefused):
        account_close(user=leader)
    Membership.objects.filter(band=world.band, user=world.admin).update(role=Membership.Role.LEADER)
    assert not [b for b in closure_blockers(leader) if b.kind == "handover"]

    closure = account_close(user=leader)
    assert not ApiToken.objects.filter(user=leader).exists()
    assert not PushSubscription.objects.filter(user=leader).exists()
    assert not CalendarFeed.objects.filter(user=leader).exists()
    # Within the grace period nothing is erased.
    assert account_erasures_round(now=timezone.now() + dt.timedelta(days=29)) == 0
    assert User.objects.get(pk=leader.pk).display_name == NAME

    assert account_erasures_round(now=closure.due_at + dt.timedelta(minutes=1)) == 1
    tomb = User.objects.get(pk=leader.pk)
    assert tomb.email == f"erased-{leader.pk}@erased.invalid"
    assert tomb.name == "Former member"
    assert not tomb.is_active and not tomb.has_usable_password() and not tomb.avatar
    assert AccountClosure.objects.get(pk=closure.pk).erased_at is not None

    # What names them by reference holds them no more. What people typed stays as they typed it, theirs and
    # other people's alike (the leader's own message and review, the client's thanks and review, and the
    # notifications quoting the thanks): erasure searches no text for a name (docs/decisions/0131).
    typed = (
        "Thank you Zoë Quintero-Blyth, see you then!",
        "Zoë Quintero-Blyth and the band were great.",
        "Hi, Zoë Quintero-Blyth here: we arrive at six.",
        "Lovely hosts. – Zoë Quintero-Blyth",
    )
    left = [hit for hit in _hits() if not any(words in hit for words in typed)]
    assert left == [], left
    others_words = typed[:2]
    assert Message.objects.filter(author=world.client, body=others_words[0]).exists()
    assert Review.objects.filter(author=world.client, text=others_words[1]).exists()
    assert _media_hits() == []
    # Only the legal hold fields still name them (the signature's name, the contract's copy).
    assert ContractSignature.objects.filter(signer=leader, full_name=NAME).exists()

    # The other side's booking, contract and invoice are still there and open; the invoice is unchanged.
    assert Booking.objects.get(pk=world.private.pk).status == Booking.Status.BOOKED
    assert Contract.objects.get(pk=world.contract.pk).status == Contract.Status.SIGNED
    assert Invoice.objects.filter(pk=world.invoice.pk).values().get() == invoice_figures
    assert Message.objects.filter(booking=world.private, author=leader).count() == 1
    assert Review.objects.filter(author=leader).count() == 1
    client.force_login(world.client)
    for url in (
        reverse("bookings:detail", args=[world.private.uid]),
        reverse("documents:contract", args=[world.contract.uid]),
        reverse("documents:invoice_pdf", args=[world.invoice.uid]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("bookings:detail", args=[world.private.uid])).content.decode()
    assert "Former member" in page
    assert not Notification.objects.filter(recipient=leader).exists()
