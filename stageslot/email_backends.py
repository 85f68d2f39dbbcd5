"""Email for local runs: one line per message in the terminal instead of the whole message, with what a
person needs from it: a sign-in code, the first link, and the one-click answer links."""

import re
import sys
from urllib.parse import urlsplit

from django.core.mail.backends.base import BaseEmailBackend

LINK = re.compile(r"https?://[^\s<>\"')]+")
# A sign-in code alone on its line (allauth's "ABC-DEF" or six digits).
CODE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", re.M)
# A link that acts by itself: a path segment of a signed token (20 or more URL-safe characters).
ACTION = re.compile(r"/[A-Za-z0-9_:.-]{20,}/?$")
MOST_LINKS = 4


def email_summary(message) -> str:
    """ "Email to x: subject – code ABC-DEF – https://…" for one message."""
    body = message.body or ""
    parts = [f"Email to {', '.join(message.recipients())}: {message.subject}"]
    if code := CODE.search(body):
        parts.append(f"code {code.group(1)}")
    links = list(dict.fromkeys(LINK.findall(body)))
    shown = links[:1] + [link for link in links[1:] if ACTION.search(urlsplit(link).path)]
    parts.extend(shown[:MOST_LINKS])
    return " – ".join(parts)


class SummaryConsoleEmailBackend(BaseEmailBackend):
    """Prints email_summary() for each message."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            sys.stdout.write(email_summary(message) + "\n")
        sys.stdout.flush()
        return len(email_messages)
