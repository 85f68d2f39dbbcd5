from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FestivalsConfig(AppConfig):
    name = "festivals"
    verbose_name = _("Calls and festivals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bookings.services import agreement, answering

        from .services.timetable import placement_accept_door, placement_quote_notice_door

        if placement_accept_door not in answering.ACCEPT_DOORS:
            answering.ACCEPT_DOORS.append(placement_accept_door)
        if placement_quote_notice_door not in agreement.QUOTE_NOTICE_DOORS:
            agreement.QUOTE_NOTICE_DOORS.append(placement_quote_notice_door)
