from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Register the app's Celery tasks: services queue them by name (accounts.queue).
        from . import checks, tasks  # noqa: F401
