from functools import partial

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.policy import policy_to_read


def site(request: HttpRequest) -> dict:
    """Values the base layout needs on every page."""
    return {
        "SITE_NAME": "StageSlot",
        "CURRENT_TIME_ZONE": timezone.get_current_timezone_name(),
        # "account", "browser" or "default" (core.fields.timezones.ZoneSource): the footer says which.
        "TIME_ZONE_SOURCE": getattr(request, "time_zone_source", "default"),
        "DEBUG": settings.DEBUG,
        # Called only where the layout asks (a signed-in person's pages): no query, the user is loaded.
        "POLICY_TO_READ": partial(_policy_to_read, request),
    }


def _policy_to_read(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and policy_to_read(user)
