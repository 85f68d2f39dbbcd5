from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fans"
    verbose_name = _("Fans")

    def ready(self) -> None:
        # Register the app's Celery tasks: beat and the services queue them by name.
        from . import tasks  # noqa: F401
