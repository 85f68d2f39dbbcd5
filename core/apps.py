from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The ground floor (decision 0136): no models of its own. An installed app so that every walk over the
    project's apps – the scans of stored files, JSON bodies, marked words, calendar doors – reads it too."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the deploy checks of Web Push and the limits' store)
