"""What the admin's review list exports (django-import-export, export only; docs/decisions/0037)."""

from import_export import fields, resources

from .models import Review


class ReviewResource(resources.ModelResource):
    """A review with its booking, sides, ratings and moderation state."""

    booking = fields.Field(attribute="booking__uid", column_name="booking")
    band = fields.Field(attribute="band__name", column_name="band")
    venue = fields.Field(attribute="venue__name", column_name="venue")
    client = fields.Field(attribute="client__email", column_name="client")

    class Meta:
        model = Review
        fields = (
            "id",
            "booking",
            "author_side",
            "subject_side",
            "band",
            "venue",
            "client",
            "no_show",
            "overall",
            "performance",
            "punctuality",
            "communication",
            "sound",
            "hospitality",
            "paid",
            "again",
            "text",
            "reply_text",
            "created_at",
            "published_at",
            "hidden_at",
            "hidden_reason",
        )
        export_order = fields
