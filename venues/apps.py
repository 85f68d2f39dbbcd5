from django.apps import AppConfig


class VenuesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "venues"

    def ready(self) -> None:
        from bands import search_lists

        from .models import Slot, Venue

        search_lists.connect(Venue, Slot)
