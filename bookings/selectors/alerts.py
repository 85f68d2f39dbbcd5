"""Reads of saved gig finder searches (alerts): the list a band's leaders see. The writes (save,
delete, the periodic check) are in services.alerts."""

from collections.abc import Iterable

from django.db.models import QuerySet

from bands.models import Band

from ..models import SavedSearch


def saved_searches_of(*, bands: Iterable[Band]) -> QuerySet[SavedSearch]:
    """The saved searches of these bands with their band, by band name and newest first. One query."""
    return SavedSearch.objects.filter(band__in=bands).select_related("band").order_by("band__name", "-pk")
