"""Retention (docs/decisions/0082): each rule removes what is just past its period and keeps what is just
inside it, as of the `now` it is given."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session

from accounts.models import ApiToken, DataExport, Notification, PushSubscription, User
from accounts.tests.factories import UserFactory
from bookings.tests.factories import BookingFactory
from documents.models import Contract, ContractSignature, Invoice, InvoiceSeries, RenderedPdf
from stageslot.privacy.retention import retention_run

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 6, 1, 4, 10, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)


def _note(user, key: str, *, age: dt.timedelta, read: bool) -> Notification:
    note = Notification.objects.create(recipient=user, kind="message", text=key, dedupe_key=key)
    Notification.objects.filter(pk=note.pk).update(created_at=NOW - age, read_at=NOW - age if read else None)
    return note


def test_old_notifications_go_read_ones_sooner(settings):
    user = UserFactory()
    read_days = settings.STAGESLOT_RETENTION_DAYS["notifications_read"]
    unread_days = settings.STAGESLOT_RETENTION_DAYS["notifications_unread"]
    keep = [
        _note(user, "read-inside", age=read_days * DAY - MINUTE, read=True),
        _note(user, "unread-inside", age=unread_days * DAY - MINUTE, read=False),
        _note(user, "unread-past-read-period", age=read_days * DAY + MINUTE, read=False),
    ]
    _note(user, "read-outside", age=read_days * DAY + MINUTE, read=True)
    _note(user, "unread-outside", age=unread_days * DAY + MINUTE, read=False)
    assert retention_run(now=NOW, batch=2)["notifications"] == 2
    assert set(Notification.objects.values_list("pk", flat=True)) == {n.pk for n in keep}


def test_a_changed_period_changes_what_goes(settings):
    user = UserFactory()
    _note(user, "read-40-days", age=40 * DAY, read=True)
    assert retention_run(now=NOW)["notifications"] == 0
    settings.STAGESLOT_RETENTION_DAYS = {**settings.STAGESLOT_RETENTION_DAYS, "notifications_read": 30}
    assert retention_run(now=NOW)["notifications"] == 1


def test_revoked_tokens_dead_push_devices_and_ended_sessions_go(settings):
    user = UserFactory()
    days = settings.STAGESLOT_RETENTION_DAYS
    old_token = ApiToken.objects.create(user=user, name="old", prefix="a", digest="1" * 64)
    ApiToken.objects.filter(pk=old_token.pk).update(revoked_at=NOW - days["tokens_revoked"] * DAY - MINUTE)
    fresh = ApiToken.objects.create(user=user, name="fresh", prefix="b", digest="2" * 64)
    ApiToken.objects.filter(pk=fresh.pk).update(revoked_at=NOW - days["tokens_revoked"] * DAY + MINUTE)
    live = ApiToken.objects.create(user=user, name="live", prefix="c", digest="3" * 64)
    dead = PushSubscription.objects.create(user=user, endpoint="https://push.example.test/d", p256dh="k", auth="a")
    PushSubscription.objects.filter(pk=dead.pk).update(
        failures=3, last_success_at=NOW - days["push_dead"] * DAY - MINUTE
    )
    working = PushSubscription.objects.create(user=user, endpoint="https://push.example.test/w", p256dh="k", auth="a")
    PushSubscription.objects.filter(pk=working.pk).update(failures=1, last_success_at=NOW - DAY)
    Session.objects.create(session_key="ended", session_data="x", expire_date=NOW - MINUTE)
    Session.objects.create(session_key="current", session_data="x", expire_date=NOW + DAY)

    removed = retention_run(now=NOW)
    assert removed["tokens"] == 1 and removed["push"] == 1 and removed["sessions"] == 1
    assert set(ApiToken.objects.values_list("pk", flat=True)) == {fresh.pk, live.pk}
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [working.pk]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current"]


def test_expired_archives_go_and_a_live_one_stays():
    user = UserFactory()
    expired = DataExport.objects.create(user=user, state=DataExport.State.READY, expires_at=NOW - MINUTE)
    live = DataExport.objects.create(user=user, state=DataExport.State.READY, expires_at=NOW + MINUTE)
    assert retention_run(now=NOW)["exports"] == 1
    assert DataExport.objects.get(pk=expired.pk).state == DataExport.State.EXPIRED
    assert DataExport.objects.get(pk=live.pk).state == DataExport.State.READY


def test_the_nightly_task_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-retention-nightly"]
    assert entry["task"] == "stageslot.tasks.retention_task"


def _pdf(tag: str) -> RenderedPdf:
    return RenderedPdf.objects.create(source_sha256=tag * 64, sha256=tag * 64, data=b"%PDF Zoe Quinn", size=14)


def _invoice(booking, series, recipient, issued_at: dt.datetime, number: int) -> Invoice:
    return Invoice.objects.create(
        kind="invoice",
        series=series,
        sequence=number,
        number=f"R-{number}",
        booking=booking,
        recipient=recipient,
        content={"issuer": {"name": "Night Owls"}, "recipient": {"name": "Zoe Quinn", "address": "Allee 7"}},
        currency="EUR",
        net_minor=10000,
        total_minor=11900,
        vat_minor=1900,
        issued_at=issued_at,
        pdf=_pdf(str(number)),
    )


def test_an_erased_persons_held_papers_are_shredded_once_the_years_the_law_asks_have_ended(settings):
    settings.STAGESLOT_LEGAL_HOLD_YEARS = {"invoices": 10, "contracts": 6}
    erased, kept = UserFactory(), UserFactory()
    User.objects.filter(pk=erased.pk).update(erased_at=NOW - 3000 * DAY, email="erased-1@erased.invalid")
    booking = BookingFactory()
    series = InvoiceSeries.objects.create(issuer_key="band-1", kind="invoice", prefix="R-")
    end_of_2019 = dt.datetime(2019, 12, 31, 23, 59, tzinfo=dt.UTC)  # the hold ran to the end of 2029
    past = _invoice(booking, series, erased, end_of_2019, 1)
    inside = _invoice(booking, series, erased, end_of_2019 + MINUTE, 2)  # held to the end of 2030
    not_erased = _invoice(booking, series, kept, end_of_2019, 3)
    contract = Contract.objects.create(
        booking=booking,
        version=1,
        other_side="client",
        content={"other": {"name": "Zoe Quinn"}, "band": {"name": "Night Owls"}},
        draft=_pdf("d"),
        draft_sha256="d" * 64,
        final=_pdf("f"),
    )
    signature = ContractSignature.objects.create(
        contract=contract,
        side="client",
        signer=erased,
        full_name="Zoe Quinn",
        consent=True,
        signed_at=dt.datetime(2023, 12, 31, tzinfo=dt.UTC),
        ip_address="203.0.113.7",
        user_agent="Mozilla/5.0",
        pdf_sha256="d" * 64,
    )

    assert retention_run(now=NOW)["legal_holds"] == 2
    past.refresh_from_db()
    assert past.content["recipient"] == {"name": "Former member", "address": ""}
    assert past.content["issuer"] == {"name": "Night Owls"} and past.pdf is None
    assert (past.number, past.net_minor, past.vat_minor, past.total_minor) == ("R-1", 10000, 1900, 11900)
    for untouched in (inside, not_erased):
        assert Invoice.objects.get(pk=untouched.pk).content["recipient"]["name"] == "Zoe Quinn"
    signature.refresh_from_db()
    assert (signature.full_name, signature.ip_address, signature.user_agent) == ("Former member", None, "")
    contract.refresh_from_db()
    assert contract.content["other"] == {"name": "Former member"}
    assert bytes(contract.final.data) == b"" and bytes(contract.draft.data) == b""
    assert RenderedPdf.objects.count() == 4  # the shredded invoice's PDF went
    assert retention_run(now=NOW)["legal_holds"] == 0  # once
    assert retention_run(now=NOW.replace(year=2031))["legal_holds"] == 1  # the second invoice's year ended
