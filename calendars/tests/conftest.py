"""Fixtures of the calendars tests: a real Radicale with one account (calendars/tests/radicale.py)."""

from calendars.tests.radicale import caldav_account, caldav_allowed  # noqa: F401
