"""What the admin's band list exports (django-import-export, export only; docs/decisions/0037)."""

from import_export import resources

from .models import Band


class BandResource(resources.ModelResource):
    """A band's public facts and its approval state; nothing of its members' private details."""

    class Meta:
        model = Band
        fields = ("id", "slug", "name", "city", "region", "status", "time_zone", "currency", "created_at")
        export_order = fields
