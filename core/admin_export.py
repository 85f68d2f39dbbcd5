"""The admin's export (django-import-export, docs/decisions/0037-exports.md), as every list uses it.

import-export builds the export's queryset through the changelist with the list's filters, but does
not catch the changelist's IncorrectLookupParameters as the changelist itself does: a stale or
tampered filter in the address (`?band__id__exact=x`) answered 500. Here it answers as the list does,
sending staff back to the list with Django's error flag.
"""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ExportMixin


class StaffExportMixin(ExportMixin):
    """Export only (no import), for staff who may view the model (IMPORT_EXPORT_EXPORT_PERMISSION_CODE)."""

    def export_action(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            opts = self.model._meta
            changelist = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=self.admin_site.name
            )
            return HttpResponseRedirect(f"{changelist}?{ERROR_FLAG}=1")
