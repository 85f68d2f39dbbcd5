"""A search that answers as a person types never cancels its own request: cancelled requests are logged by
htmx as console errors ("htmx:sendAbort"), which hide real ones from whoever looks. Filters and pickers wait
for the request in flight and send only the newest after it (`queue last`). One place cancels on purpose:
a thread's poll gives way to the message being sent, so the thread never shows a reply before its
question."""

import re
from pathlib import Path

from django.conf import settings

CANCELS = re.compile(r'hx-sync="[^"]*:(?:replace|abort)"')
ON_PURPOSE = {"bookings/threads/_thread.html"}


def test_no_template_cancels_its_own_requests_but_the_thread_poll():
    templates = Path(settings.BASE_DIR) / "templates"
    found = {
        str(template.relative_to(templates))
        for template in templates.rglob("*.html")
        if CANCELS.search(template.read_text(encoding="utf-8"))
    }
    assert found == ON_PURPOSE, f"requests cancelled (and logged as errors) in {sorted(found - ON_PURPOSE)}"
