"""Reads of saved gig finder searches (alerts): the list a band's leaders see. The writes (save,
delete, the periodic check) are in services.alerts."""

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import User
from bands.models import Band, Membership

from ..models import SavedSearch


def saved_searches_of(*, bands: Iterable[Band]) -> QuerySet[SavedSearch]:
    """The saved searches of these bands with their band, by band name and newest first. One query."""
    return SavedSearch.objects.filter(band__in=bands).select_related("band").order_by("band__name", "-pk")


def saved_searches_managed(*, user: User, band_slug: str = "") -> QuerySet[SavedSearch]:
    """The saved searches of every band `user` leads or administers (as the saved searches page lists
    them), or of the one at `band_slug`, with their band. One query."""
    found = SavedSearch.objects.filter(
        band__memberships__user_id=user.pk,
        band__memberships__role__in=(Membership.Role.LEADER, Membership.Role.ADMIN),
    ).select_related("band")
    return found.filter(band__slug=band_slug) if band_slug else found


def saved_search_managed(*, user: User, pk: int) -> SavedSearch | None:
    """One saved search of a band `user` leads or administers; None for any other (its existence is
    the band's business). One query."""
    return saved_searches_managed(user=user).filter(pk=pk).first()
