from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "teams"
    verbose_name = _("Teams")

    def ready(self) -> None:
        from accounts.blocks import side_people_register
        from accounts.models import PartyKind

        from .selectors import acting_people_query

        # An agency's owners and bookers are on the side of the bands it acts for (accounts.blocks.party_side).
        side_people_register(PartyKind.BAND.value, lambda ids: acting_people_query(band_ids=ids))
