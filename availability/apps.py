from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "availability"

    def ready(self) -> None:
        # Register the app's Celery tasks: services queue them by name (accounts.queue).
        # The engine imports no Django; its refusals are translated through Django's catalogue.
        from django.utils.translation import gettext, ngettext

        from . import (
            engine,
            tasks,  # noqa: F401
        )

        engine.translator = gettext
        engine.plural_translator = ngettext
