from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Register the app's Celery tasks: services queue them by name (core.queue).
        from anymail.signals import inbound, tracking

        from . import tasks  # noqa: F401
        from .mail.events import mail_tracking_received
        from .mail.inbound import mail_inbound_received

        # The mail service's events and inbound replies, once their webhook's basic auth passed (0080).
        tracking.connect(mail_tracking_received, dispatch_uid="stageslot.mail.tracking")
        inbound.connect(mail_inbound_received, dispatch_uid="stageslot.mail.inbound")
