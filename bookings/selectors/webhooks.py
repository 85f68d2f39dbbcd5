"""Reads of /me/webhooks/: the bands and venues whose webhooks a person manages, their webhooks and logs."""

from django.db.models import Q, QuerySet

from accounts.models import User
from bands.models import Band, Membership
from venues.models import Venue

from ..models import Webhook, WebhookDelivery

MANAGER_ROLES = (Membership.Role.LEADER, Membership.Role.ADMIN)
LOG_SHOWN = 50


def webhook_owners(*, user: User) -> tuple[list[Band], list[Venue]]:
    """The bands `user` leads or administers and the venues they staff, by name (two queries)."""
    bands = list(
        Band.objects.filter(memberships__user_id=user.pk, memberships__role__in=MANAGER_ROLES).order_by("name", "pk")
    )
    venues = list(Venue.objects.filter(staff_roles__user_id=user.pk).order_by("name", "pk"))
    return bands, venues


def webhooks_of(*, bands: list[Band], venues: list[Venue]) -> QuerySet[Webhook]:
    """The webhooks of these bands and venues, newest first, with their owner."""
    return (
        Webhook.objects.filter(Q(band_id__in=[b.pk for b in bands]) | Q(venue_id__in=[v.pk for v in venues]))
        .select_related("band", "venue")
        .order_by("-created_at", "-pk")
    )


def webhook_for_manager(*, pk: int, user: User) -> Webhook | None:
    """The webhook if `user` manages its band or venue; None otherwise (it does not exist for them)."""
    bands, venues = webhook_owners(user=user)
    return webhooks_of(bands=bands, venues=venues).filter(pk=pk).first()


def webhook_log(*, webhook: Webhook, limit: int = LOG_SHOWN) -> list[WebhookDelivery]:
    """The webhook's latest deliveries, newest first."""
    return list(WebhookDelivery.objects.filter(webhook=webhook).order_by("-created_at", "-pk")[:limit])


def webhook_delivery_for_manager(*, pk: int, user: User) -> WebhookDelivery | None:
    bands, venues = webhook_owners(user=user)
    return (
        WebhookDelivery.objects.filter(pk=pk, webhook__in=webhooks_of(bands=bands, venues=venues))
        .select_related("webhook__band", "webhook__venue")
        .first()
    )
