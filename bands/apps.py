from django.apps import AppConfig


class BandsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bands"
