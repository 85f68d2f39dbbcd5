"""Demo connected calendar: one musician's CalDAV account on the local Radicale that `make run` starts
(calendars/testing.py), read at once so its busy evening shows in the band's green zone; their gigs go
into its "Gigs" calendar. Without Radicale the member's page shows the "connect your calendar" prompt."""

from django.conf import settings

from accounts.models import User
from calendars import services
from calendars.models import ConnectedCalendar
from calendars.testing import DEV_PASSWORD, DEV_PORT, DEV_USER, answers


def seed_calendars(users: dict[str, User], *, member: str = "mara") -> ConnectedCalendar | None:
    """Connect `member` to the development Radicale when it answers (and is let through the address
    guard); None, and nothing made, otherwise."""
    host = f"127.0.0.1:{DEV_PORT}"
    user = users.get(member)
    if user is None or host not in settings.CALDAV_ALLOW_HOSTS or not answers(DEV_PORT):
        return None
    for old in ConnectedCalendar.objects.filter(user=user, provider=ConnectedCalendar.Provider.CALDAV):
        services.connected_calendar_disconnect(calendar=old, by=user)
    calendar = services.caldav_calendar_connect(
        user=user, server_url=f"http://{host}/", username=DEV_USER, password=DEV_PASSWORD, name="Radicale (demo)"
    )
    gigs = next((url for url, name in calendar.calendar_names.items() if name == "Gigs"), "")
    services.connected_calendar_choose(
        calendar=calendar, by=user, read=list(calendar.calendar_names), write_calendar_url=gigs
    )
    return services.connected_calendar_refresh(calendar_id=calendar.pk)
