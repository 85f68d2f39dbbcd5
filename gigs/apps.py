from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GigsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "gigs"
    verbose_name = _("Gigs")
