from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenuesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "venues"
    verbose_name = _("Venues")

    def ready(self) -> None:
        from bands import search_lists

        from .models import Slot, Venue, VenueStaff

        search_lists.connect(Venue, Slot)

        from accounts.blocks import party_people_register
        from accounts.models import PartyKind

        party_people_register(PartyKind.VENUE.value, VenueStaff, "venue_id")
