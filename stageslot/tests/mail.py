"""Mail servers for worker processes started by tests (stageslot/tests/worker.py).

FileEmailBackend stores each message as a file of its own. Django's file backend names its files by
the second and the connection's address, so two messages sent within one second by connections
that happened to reuse an address ended up in one file and a test counted one email for two.

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


class FileEmailBackend(filebased.EmailBackend):
    """The file backend, one file per message under a name of its own (a send that ran twice leaves
    two files)."""

    def _get_filename(self) -> str:
        return os.path.join(self.file_path, f"{time.time_ns()}-{uuid.uuid4().hex}.log")

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            sent += super().send_messages([message])
        return sent


class SlowFileEmailBackend(FileEmailBackend):
    """One file per message, then a wait before the answer."""

    def send_messages(self, email_messages) -> int:
        delay = float(os.environ.get("STAGESLOT_TEST_MAIL_DELAY", "0"))
        sent = 0
        for message in email_messages:
            sent += filebased.EmailBackend.send_messages(self, [message])
            sys.stdout.write(f"Mail server stored {message.to[0]}, answering in {delay:g} s\n")
            sys.stdout.flush()
            time.sleep(delay)
        return sent
