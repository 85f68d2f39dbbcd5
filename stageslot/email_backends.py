"""Email for local runs: one line per message in the terminal instead of the whole message."""

import re
import sys

from django.core.mail.backends.base import BaseEmailBackend

LINK = re.compile(r"https?://\S+")


class SummaryConsoleEmailBackend(BaseEmailBackend):
    """Prints "Email to x: subject" (and the first link, e.g. to confirm an address) for each message."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            link = LINK.search(message.body or "")
            line = f"Email to {', '.join(message.recipients())}: {message.subject}"
            sys.stdout.write(f"{line}{f' – {link.group(0)}' if link else ''}\n")
        sys.stdout.flush()
        return len(email_messages)
