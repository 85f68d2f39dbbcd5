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


class PaymentPending(PaymentsUnavailable):
    """The request reached Stripe, or may have, and its answer was lost: the outcome is being asked of
    Stripe (never sent again as a new charge)."""

    message = _(
        "The bank has not answered yet. We are confirming the payment with it: you will not be charged twice. "
        "Reload this page in a minute to see the outcome."
    )


class RefundPending(PaymentsUnavailable):
    message = _(
        "The refund was sent and the bank has not answered yet. We are confirming it: the money is never "
        "refunded twice. Its state shows on the booking's page."
    )


# Errors after which the request may have been carried out at Stripe: a lost connection, a server error,
# a key already used. Every other error is Stripe's definite "no" (a card declined, a bad request, a bad
# key, too many requests): nothing was done.
MAYBE_DONE = (stripe.APIConnectionError, stripe.APIError, stripe.IdempotencyError)


def outcome_unknown(exc: Exception) -> bool:
    return isinstance(exc, MAYBE_DONE) or (
        isinstance(exc, stripe.StripeError)
        and not isinstance(
            exc,
            stripe.CardError
            | stripe.InvalidRequestError
            | stripe.AuthenticationError
            | stripe.PermissionError
            | stripe.RateLimitError,
        )
    )


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
