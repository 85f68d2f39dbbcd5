from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StageSlotConfig(AppConfig):
    """The site's own app: the pages that compose several apps, and what runs the site (periodic runs)."""

    name = "stageslot"
    verbose_name = _("StageSlot")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the app's Celery tasks: services queue them by name (core.queue).
        from . import checks, tasks  # noqa: F401  (checks: registers the operator check)
