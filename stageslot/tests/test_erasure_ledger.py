"""The erasure ledger (docs/decisions/0084): each erasure writes an id and a time outside the database, and
after a backup is restored `manage.py erasures_reapply` erases again whoever the backup brought back."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AccountClosure, User
from accounts.tests.factories import UserFactory
from stageslot.privacy.erasure import account_close, account_erase
from stageslot.privacy.ledger import ledger_append

pytestmark = pytest.mark.django_db


def test_each_erasure_adds_an_id_and_a_time_to_the_ledger_and_nothing_personal(settings, tmp_path):
    ledger = tmp_path / "ledger" / "erasures.jsonl"
    settings.STAGESLOT_ERASURE_LEDGER = str(ledger)
    person = UserFactory(email="ledger.person@example.com", display_name="Lee Ledger")
    closure = account_close(user=person)
    at = timezone.now() + dt.timedelta(days=31)
    assert account_erase(closure_id=closure.pk, now=at)
    assert json.loads(ledger.read_text()) == {"user": person.pk, "erased_at": at.astimezone(dt.UTC).isoformat()}
    assert "ledger.person" not in ledger.read_text() and "Lee" not in ledger.read_text()


def test_a_restored_backup_erases_again_whoever_was_erased_after_it_was_made(tmp_path):
    ledger = tmp_path / "erasures.jsonl"
    came_back = UserFactory(email="came.back@example.com")  # as the backup held them: open, not closed
    gone_before = UserFactory()
    User.objects.filter(pk=gone_before.pk).update(erased_at=timezone.now(), email="erased-x@erased.invalid")
    erased_at = timezone.now()
    for user_id in (came_back.pk, gone_before.pk, 987654):
        ledger_append(user_id=user_id, erased_at=erased_at, path=ledger)
    with ledger.open("a") as half_written:
        half_written.write('{"user": 12')
    out = StringIO()
    call_command("erasures_reapply", ledger=ledger, stdout=out)
    assert "1 erased again, 1 already erased, 1 not in this database" in out.getvalue()
    came_back.refresh_from_db()
    assert came_back.erased_at is not None and came_back.email == f"erased-{came_back.pk}@erased.invalid"
    assert AccountClosure.objects.get(user=came_back).erased_at is not None
    call_command("erasures_reapply", ledger=ledger, stdout=out)
    assert "0 erased again, 2 already erased" in out.getvalue()


def test_without_a_ledger_there_is_nothing_to_erase_again(tmp_path):
    out = StringIO()
    call_command("erasures_reapply", ledger=tmp_path / "none.jsonl", stdout=out)
    assert "nothing to erase again" in out.getvalue()
