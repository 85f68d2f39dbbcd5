"""A real Radicale for tests outside test_caldav.py (the API's, the API access matrix): import the
fixtures `caldav_account` (module-wide server with one account, "Work" holding a busy evening 5 days
ahead, and "Gigs") and `caldav_allowed` (the settings that let the address guard call it)."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bookings.tests.journey import local
from calendars.testing import RadicaleServer, calendar_create, event_put

USER = "ana"
PASSWORD = "ana-app-password-api-7q2"  # a test account of the test server


@dataclass
class CaldavAccount:
    server: RadicaleServer
    username: str
    password: str
    work: str  # the address of the calendar "Work"
    gigs: str  # the address of the calendar "Gigs"

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def caldav_account(tmp_path_factory) -> Iterator[CaldavAccount]:
    server = RadicaleServer(folder=tmp_path_factory.mktemp("radicale"), users={USER: PASSWORD})
    server.start()
    try:
        work = calendar_create(server, USER, "work", "Work")
        gigs = calendar_create(server, USER, "gigs", "Gigs")
        event_put(server, USER, work, "choir@example", local(5, 19), local(5, 23), "Choir rehearsal")
        yield CaldavAccount(server=server, username=USER, password=PASSWORD, work=work, gigs=gigs)
    finally:
        server.stop()


@pytest.fixture
def caldav_allowed(settings, caldav_account: CaldavAccount) -> CaldavAccount:
    settings.CALDAV_ALLOW_HOSTS = (caldav_account.server.host,)
    settings.CALDAV_TIMEOUT = 2.0
    return caldav_account
