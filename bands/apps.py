from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BandsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bands"
    verbose_name = _("Bands")

    def ready(self) -> None:
        # Register the app's Celery tasks: services queue them by name (core.queue).
        from . import search_lists, tasks  # noqa: F401
        from .models import Band, Genre, Membership

        search_lists.connect(Band, Genre)

        from accounts.blocks import party_people_register
        from accounts.models import PartyKind

        party_people_register(PartyKind.BAND.value, Membership, "band_id")
