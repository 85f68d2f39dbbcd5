"""The one place that talks to Stripe (or to localstripe, the embedded default): a configured client
and the error that says "payments are unavailable, nothing was charged".

Every call that creates something at Stripe goes through `create`: it passes an idempotency key kept on
our own row and sends a form body we encoded ourselves (`form_body`), byte for byte. Stripe compares the
body of a request sent again under a key with the first one and refuses another as a different request;
a body stored as text survives the database (JSONB keeps no key order), so a retry is the same request.
"""

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

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


# ---- The bytes of a create -------------------------------------------------------------------------


def _pairs(value: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, item in value.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if item is None:
            continue
        if isinstance(item, Mapping):
            yield from _pairs(item, name)
        elif isinstance(item, list | tuple):
            yield from _pairs({str(i): sub for i, sub in enumerate(item)}, name)
        elif isinstance(item, bool):
            yield name, "true" if item else "false"
        else:
            yield name, str(item)


def form_body(params: Mapping[str, Any]) -> str:
    """The form-encoded body of a request with `params`, in the order given (nested keys as Stripe
    writes them: metadata[payment]=…; booleans as true/false). Stored as text, it is what a retry sends."""
    # Brackets left readable, as Stripe's own client does.
    return urlencode(list(_pairs(params))).replace("%5B", "[").replace("%5D", "]")


def body_params(body: str) -> dict[str, str]:
    """A stored body as the flat, ordered parameters Stripe's client encodes back into the same bytes."""
    return dict(parse_qsl(body, keep_blank_values=True))


def create(service, *, body: str, idempotency_key: str):
    """Create something at Stripe (`service`: e.g. client().v1.payment_intents) with exactly `body` under
    `idempotency_key`. At least once: the same body and key again get Stripe's first answer, never a
    second object. Raises stripe.StripeError as the client does (an IdempotencyError when the key was
    used with another body: the caller looks the object up instead)."""
    params = body_params(body)
    if form_body(params) != body:  # never sent as anything but what was stored
        raise ValueError("A stored Stripe request does not encode back to itself.")
    return service.create(params=params, options={"idempotency_key": idempotency_key})
