from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HoldsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "holds"
    verbose_name = _("Holds")

    def ready(self) -> None:
        # Holds show in calendar feeds as TENTATIVE events; bookings, below holds, reads them through this
        # source (docs/decisions/0041), and the band calendar marks the held days likewise.
        from bands.calendar import held_days_source_set
        from bookings.selectors.feeds import FeedSource, feed_source_add

        from .selectors import band_held_days, hold_feed_events, hold_feed_fresh_until

        feed_source_add(FeedSource(name="holds", events=hold_feed_events, fresh_until=hold_feed_fresh_until))
        held_days_source_set(band_held_days)
