"""The one place that talks to Stripe (or to localstripe, the embedded default): a configured client
and the error that says "payments are unavailable, nothing was charged".

Every call that creates something at Stripe passes an idempotency key kept on our own row, so a
retried request never makes a second object at Stripe (localstripe ignores the keys: our rows are
what prevents a second charge there).
"""

from functools import cache

import stripe
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PaymentsUnavailable(Exception):
    """Stripe could not be reached or answered with an error of its own: nothing was charged."""

    message = _("Payments are unavailable right now, and nothing was charged. Please try again in a few minutes.")

    def __str__(self) -> str:
        return str(self.message)


@cache
def _client(key: str, base: str, timeout: float) -> stripe.StripeClient:
    return stripe.StripeClient(
        key,
        base_addresses={"api": base},
        max_network_retries=1,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def client() -> stripe.StripeClient:
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, settings.STRIPE_TIMEOUT)


def unavailable(exc: Exception) -> PaymentsUnavailable:
    """A Stripe failure that is not about the card: connection, authentication, rate limit, server."""
    return PaymentsUnavailable(str(exc))
