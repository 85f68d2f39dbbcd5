from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HoldsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "holds"
    verbose_name = _("Holds")
