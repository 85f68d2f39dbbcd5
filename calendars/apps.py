from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "calendars"
    verbose_name = _("Connected calendars")

    def ready(self) -> None:
        # Register the app's Celery tasks: services queue them by name (core.queue).
        from . import tasks  # noqa: F401
