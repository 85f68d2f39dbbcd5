from django.apps import AppConfig


class BookingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bookings"

    def ready(self) -> None:
        # Register the app's Celery tasks: services queue them by name (accounts.queue).
        from . import tasks  # noqa: F401
