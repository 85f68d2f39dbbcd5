"""What the admin's booking list exports (django-import-export, export only; docs/decisions/0037)."""

from import_export import fields, resources

from .models import Booking


class BookingResource(resources.ModelResource):
    """A booking's parties, times (UTC, ISO 8601), status and fee: what staff answer questions with."""

    band = fields.Field(attribute="band__name", column_name="band")
    venue = fields.Field(attribute="venue__name", column_name="venue")
    client = fields.Field(attribute="client__email", column_name="client")

    class Meta:
        model = Booking
        fields = (
            "uid",
            "kind",
            "role",
            "status",
            "band",
            "venue",
            "location",
            "client",
            "starts_at",
            "ends_at",
            "time_zone",
            "fee",
            "currency",
            "paid_minor",
            "created_at",
            "status_changed_at",
        )
        export_order = fields
