from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenuesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "venues"
    verbose_name = _("Venues")

    def ready(self) -> None:
        from bands import search_lists

        from .models import Slot, Venue

        search_lists.connect(Venue, Slot)

        from accounts.blocks import speaks_for_register

        from .blocks import venues_of_person

        speaks_for_register(venues_of_person)
