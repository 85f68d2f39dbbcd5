from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AvailabilityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "availability"
    verbose_name = _("Availability")

    def ready(self) -> None:
        # Register the app's Celery tasks: services queue them by name (core.queue).
        # The engine imports no Django; its refusals are translated through Django's catalogue.
        from django.utils.translation import gettext, ngettext

        from . import tasks  # noqa: F401
        from .engine import words

        words.translator = gettext
        words.plural_translator = ngettext
