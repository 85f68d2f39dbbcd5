from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone


def site(request: HttpRequest) -> dict:
    """Values the base layout needs on every page."""
    return {
        "SITE_NAME": "StageSlot",
        "CURRENT_TIME_ZONE": timezone.get_current_timezone_name(),
        # "account", "browser" or "default" (accounts.timezones.ZoneSource): the footer says which.
        "TIME_ZONE_SOURCE": getattr(request, "time_zone_source", "default"),
        "DEBUG": settings.DEBUG,
    }
