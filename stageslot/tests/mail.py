"""A mail server that is slow to answer, for worker processes started by tests (stageslot/tests/worker.py).

With STAGESLOT_TEST_MAIL_DELAY set, test settings send through SlowFileEmailBackend: each message is
stored at once, as a file of its own, and the answer comes that many seconds later – the moment a
real server has taken a message and its sender does not know it yet. The worker's log says
"Mail server stored … answering in …" when it happens, so a test can strike then.
"""

import os
import sys
import time
import uuid

from django.core.mail.backends import filebased


class SlowFileEmailBackend(filebased.EmailBackend):
    """The file backend, one file per message (a send that ran twice leaves two files), then a wait."""

    def _get_filename(self) -> str:
        return os.path.join(self.file_path, f"{time.time_ns()}-{uuid.uuid4().hex}.log")

    def send_messages(self, email_messages) -> int:
        delay = float(os.environ.get("STAGESLOT_TEST_MAIL_DELAY", "0"))
        sent = 0
        for message in email_messages:
            sent += super().send_messages([message])
            sys.stdout.write(f"Mail server stored {message.to[0]}, answering in {delay:g} s\n")
            sys.stdout.flush()
            time.sleep(delay)
        return sent
