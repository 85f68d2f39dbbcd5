import pytest
from django.core.mail import EmailMultiAlternatives
from kombu.exceptions import OperationalError

from accounts import services, tasks

pytestmark = pytest.mark.django_db


def message() -> EmailMultiAlternatives:
    msg = EmailMultiAlternatives("Hello", "Plain body", "from@example.com", ["to@example.com"])
    msg.attach_alternative("<p>HTML body</p>", "text/html")
    return msg


def test_email_is_sent_only_after_commit(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.email_queue(message=message())
        assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].alternatives[0][0] == "<p>HTML body</p>"


def test_email_is_never_sent_for_a_rolled_back_change(mailoutbox, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.email_queue(message=message())
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert mailoutbox == []


def test_unreachable_broker_still_delivers_the_email(monkeypatch, mailoutbox, django_capture_on_commit_callbacks):
    def broker_down(**kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_email, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        services.email_queue(message=message())
    assert [m.subject for m in mailoutbox] == ["Hello"]
