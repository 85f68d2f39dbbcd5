"""Demo connected calendar: one musician's CalDAV account on this checkout's Radicale, which `make run`
starts (stageslot/local_run.py, calendars/testing.py), read at once so its busy evening shows in the band's
green zone; their gigs go into its "Gigs" calendar. Without it the member's page shows the "connect your
calendar" prompt."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import User
from calendars import services
from calendars.models import ConnectedCalendar
from calendars.testing import DEV_FOLDER, DEV_USER, answers, dev_password


def seed_calendars(
    users: dict[str, User], *, member: str = "mara", folder: Path = DEV_FOLDER
) -> ConnectedCalendar | None:
    """Connect `member` to this checkout's Radicale (storage in `folder`, on settings.RADICALE_PORT) when
    it answers and is let through the address guard; None, and nothing made, otherwise. The account's
    password is this checkout's own (made when its Radicale first started), so a Radicale of another
    checkout on that port refuses it."""
    port = settings.RADICALE_PORT
    host = f"127.0.0.1:{port}"
    user = users.get(member)
    if user is None or host not in settings.CALDAV_ALLOW_HOSTS or not answers(port):
        return None
    password = dev_password(folder, make=False)
    if password is None:  # this checkout never started its Radicale: what answers is someone else's
        return None
    for old in ConnectedCalendar.objects.filter(user=user, provider=ConnectedCalendar.Provider.CALDAV):
        services.connected_calendar_disconnect(calendar=old, by=user)
    try:
        calendar = services.caldav_calendar_connect(
            user=user,
            server_url=f"http://{host}/",
            username=DEV_USER,
            password=password,
            name="Radicale (demo)",
        )
    except ValidationError:
        return None
    gigs = next((url for url, name in calendar.calendar_names.items() if name == "Gigs"), "")
    services.connected_calendar_choose(
        calendar=calendar, by=user, read=list(calendar.calendar_names), write_calendar_url=gigs
    )
    return services.connected_calendar_refresh(calendar_id=calendar.pk)
