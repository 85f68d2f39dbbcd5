"""What the admin's slot list exports (django-import-export, export only; docs/decisions/0037)."""

from import_export import fields, resources

from .models import Slot


class SlotResource(resources.ModelResource):
    """A slot with its venue and stage, times (UTC), places taken and fee."""

    venue = fields.Field(attribute="venue__name", column_name="venue")
    stage = fields.Field(attribute="stage__name", column_name="stage")
    status = fields.Field(attribute="status", column_name="status")

    class Meta:
        model = Slot
        fields = (
            "id",
            "venue",
            "stage",
            "title",
            "starts_at",
            "ends_at",
            "status",
            "visibility",
            "support_places",
            "headliner_booked",
            "supports_booked",
            "fee",
            "currency",
            "cancelled_at",
            "created_at",
        )
        export_order = fields
