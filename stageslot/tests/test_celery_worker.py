"""Background work really goes through Redis to a separate worker process."""

import pytest
from django.urls import reverse

from stageslot.tests import worker as shared
from stageslot.tests.worker import wait_for_files

worker = shared.worker


@pytest.mark.services
@pytest.mark.django_db
def test_signup_email_is_sent_by_a_worker_process_through_redis(
    client, worker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "worker.test@example.com",
                "password1": "a-long-and-unusual-passphrase",
                "password2": "a-long-and-unusual-passphrase",
                "time_zone": "UTC",
            },
        )
    assert response.status_code == 302
    # The web process sent nothing itself: the mail went to the broker.
    assert mailoutbox == []
    files = wait_for_files(worker)
    assert len(files) == 1, "the worker did not send the email"
    text = files[0].read_text()
    assert "To: worker.test@example.com" in text
    assert "/accounts/confirm-email/" in text
